import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionProcessor } from '../../executor/connection-processor.ts';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import { createSessionTable } from '../../executor/local-executor.ts';
import { silentLogger } from '../../executor/logger.ts';
import { SessionOwners, type SessionTable } from '../../executor/session-table.ts';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { FakeTransport } from './fake-transport.ts';
import { useExecutor } from './fixture.ts';
import { HttpTarget, patternBytes } from './http-target.ts';
import { type Notification, type TestClient, until } from './rpc-client.ts';

const MiB = 1024 * 1024;
let target: HttpTarget;
beforeAll(async () => {
  target = await HttpTarget.start();
});
afterAll(() => target.close());

interface HttpAnswer {
  status: number;
  headers: { name: string; value: string }[];
  bodyBase64: string;
}

let nextRequestId = 0;
function request(params: Record<string, unknown>) {
  return {
    method: 'GET',
    headers: [],
    bodyBase64: null,
    requestId: `r${++nextRequestId}`,
    streamResponse: false,
    ...params,
  };
}

const deltasOf = (notifications: Notification[], requestId: string) =>
  notifications.filter((n) => n.method === 'http/request/bodyDelta' && n.params.requestId === requestId);

function streamedBody(client: TestClient, requestId: string): Buffer | undefined {
  const deltas = deltasOf(client.notifications, requestId);
  if (deltas.at(-1)?.params.done !== true) return undefined;
  return Buffer.concat(deltas.map((d) => Buffer.from(d.params.deltaBase64 as string, 'base64')));
}

describe('http/request (local mode)', () => {
  const fx = useExecutor();

  it('answers a buffered request with status, every header in order and the body', async () => {
    const { client } = await fx.session();
    const answer = await client.request<HttpAnswer>('http/request', request({ url: target.url('/hello') }));
    expect(answer.status).toBe(200);
    expect(answer.headers.filter((h) => h.name === 'x-multi')).toEqual([
      { name: 'x-multi', value: 'a' },
      { name: 'x-multi', value: 'b' },
    ]);
    expect(Buffer.from(answer.bodyBase64, 'base64').toString()).toBe('hello');
  });

  it('sends the method, repeated headers and the body', async () => {
    const { client } = await fx.session();
    const answer = await client.request<HttpAnswer>(
      'http/request',
      request({
        method: 'PUT',
        url: target.url('/echo'),
        headers: [
          { name: 'X-Twice', value: '1' },
          { name: 'x-twice', value: '2' },
        ],
        bodyBase64: Buffer.from('payload').toString('base64'),
        timeoutMs: null,
      }),
    );
    expect(answer.status).toBe(201);
    const echoed = JSON.parse(Buffer.from(answer.bodyBase64, 'base64').toString());
    expect(echoed.method).toBe('PUT');
    expect(echoed.body).toBe('payload');
    expect(echoed.headers).toEqual(expect.arrayContaining(['X-Twice', '1', '2']));
  });

  it('follows redirects unless told to stop', async () => {
    const { client } = await fx.session();
    const followed = await client.request<HttpAnswer>(
      'http/request',
      request({ url: target.url('/redirect') }),
    );
    expect(followed.status).toBe(200);
    const stopped = await client.request<HttpAnswer>(
      'http/request',
      request({ url: target.url('/redirect'), redirectPolicy: 'stop' }),
    );
    expect(stopped.status).toBe(302);
    expect(stopped.headers).toContainEqual({ name: 'location', value: '/hello' });
  });

  it('streams the body as 1-based deltas of at most 1 MiB after the answer, then done', async () => {
    const { client } = await fx.session();
    const size = 3 * MiB + 123;
    const params = request({ url: target.url(`/bytes?n=${size}`), streamResponse: true });
    const answer = await client.request<HttpAnswer>('http/request', params);
    expect(answer).toMatchObject({ status: 200, bodyBase64: '' });
    const body = await until(() => streamedBody(client, params.requestId), 'the whole body');
    expect(body.equals(patternBytes(size))).toBe(true);
    const deltas = deltasOf(client.notifications, params.requestId);
    expect(deltas.map((d) => d.params.seq)).toEqual(deltas.map((_, i) => i + 1));
    expect(deltas.every((d) => Buffer.from(d.params.deltaBase64 as string, 'base64').length <= MiB)).toBe(
      true,
    );
    expect(deltas.at(-1)?.params).toMatchObject({ deltaBase64: '', done: true, error: null });
    expect(deltas.slice(0, -1).every((d) => d.params.done === false && d.params.error === null)).toBe(true);
    const answerIndex = client.received.findIndex(
      (m) => m.id !== undefined && 'result' in m && m.result === answer,
    );
    const firstDelta = client.received.findIndex((m) => m.method === 'http/request/bodyDelta');
    expect(answerIndex).toBeLessThan(firstDelta);
  });

  it('ends a streamed body that breaks off with an error on the last delta', async () => {
    const { client } = await fx.session();
    const params = request({ url: target.url('/broken'), streamResponse: true });
    await client.request('http/request', params);
    const last = await until(
      () => deltasOf(client.notifications, params.requestId).find((d) => d.params.done === true),
      'the last delta',
    );
    expect(last.params.error).toEqual(expect.any(String));
  });

  it('refuses a second stream with an active requestId', async () => {
    const { client } = await fx.session();
    const params = request({ url: target.url('/hang'), streamResponse: true, requestId: 'same' });
    const received = target.hanging;
    void client.call('http/request', params);
    await until(() => (target.hanging > received ? true : undefined), 'the first request to arrive');
    expect(await client.error('http/request', { ...params, url: target.url('/hello') })).toEqual({
      code: RpcErrorCode.InvalidParams,
      message: 'http/request streamResponse requestId `same` is already active',
    });
  });

  it('checks method, URL, scheme and headers with upstream texts', async () => {
    const { client } = await fx.session();
    const cases: [Record<string, unknown>, string][] = [
      [{ method: 'GE T', url: target.url('/') }, 'http/request method is invalid: invalid HTTP method'],
      [{ url: 'not a url' }, 'http/request url is invalid: "not a url" is not an absolute URL'],
      [{ url: 'ftp://127.0.0.1/x' }, 'http/request only supports http and https URLs, got ftp'],
      [
        { url: target.url('/'), headers: [{ name: 'bad name', value: 'v' }] },
        'http/request header name is invalid: invalid HTTP header name',
      ],
      [
        { url: target.url('/'), headers: [{ name: 'x', value: 'a\r\nb' }] },
        'http/request header value is invalid for x: failed to parse header value',
      ],
    ];
    for (const [params, message] of cases) {
      expect(await client.error('http/request', request(params))).toEqual({
        code: RpcErrorCode.InvalidParams,
        message,
      });
    }
  });

  it('reports a refused connection, a timeout and an oversized buffered body as -32603', async () => {
    const { client } = await fx.session();
    const refused = await client.error('http/request', request({ url: 'http://127.0.0.1:1/' }));
    expect(refused.code).toBe(RpcErrorCode.InternalError);
    expect(refused.message).toMatch(/^http\/request failed: .*ECONNREFUSED/);
    const timedOut = await client.error(
      'http/request',
      request({ url: target.url('/hang'), timeoutMs: 100 }),
    );
    expect(timedOut).toEqual({
      code: RpcErrorCode.InternalError,
      message: 'http/request failed: timed out after 100 ms',
    });
    const tooLarge = await client.error(
      'http/request',
      request({ url: target.url(`/bytes?n=${DEFAULT_LIMITS.maxInlineBytes + 1}`) }),
    );
    expect(tooLarge.code).toBe(RpcErrorCode.InternalError);
    expect(tooLarge.message).toMatch(/^failed to read http\/request response body: .*streamResponse/);
  });

  it('waits for a slow answer when timeoutMs is absent or null', async () => {
    const { client } = await fx.session();
    for (const timeoutMs of [undefined, null]) {
      const answer = await client.request<HttpAnswer>(
        'http/request',
        request({ url: target.url('/slow'), timeoutMs }),
      );
      expect(Buffer.from(answer.bodyBase64, 'base64').toString()).toBe('late');
    }
  });

  it('aborts what is in flight when the connection ends', async () => {
    const { client } = await fx.session();
    const [received, abandoned] = [target.hanging, target.abandoned];
    void client.call('http/request', request({ url: target.url('/hang') }));
    void client.call('http/request', request({ url: target.url('/hang'), streamResponse: true }));
    await until(() => (target.hanging >= received + 2 ? true : undefined), 'both requests to arrive');
    client.close();
    await until(() => (target.abandoned >= abandoned + 2 ? true : undefined), 'both requests abandoned');
  });
});

describe('http/request body backpressure', () => {
  const tables: SessionTable[] = [];
  afterEach(async () => {
    for (const table of tables.splice(0)) await table.shutdown();
  });

  it('stops reading the response while the transport is backed up, and loses nothing', async () => {
    const transport = new FakeTransport();
    const table = await createSessionTable(silentLogger());
    tables.push(table);
    new ConnectionProcessor(transport, table, silentLogger(), SessionOwners.local);
    transport.receive({ id: 0, method: 'initialize', params: { clientName: 'test', resumeSessionId: null } });
    transport.receive({ method: 'initialized', params: {} });
    const size = 32 * MiB;
    transport.receive({
      id: 1,
      method: 'http/request',
      params: request({ url: target.url(`/bytes?n=${size}`), requestId: 'big', streamResponse: true }),
    });
    const bodyBytes = () =>
      transport.sent
        .filter((m) => m.method === 'http/request/bodyDelta')
        .reduce(
          (n, m) => n + Buffer.from((m.params as { deltaBase64: string }).deltaBase64, 'base64').length,
          0,
        );
    await until(() => (bodyBytes() > 0 ? true : undefined), 'the first delta');
    transport.setWritable(false);
    const atBackup = bodyBytes();
    // Ample time for an unpaused reader to forward the whole body; a paused one forwards what the socket held.
    await new Promise((r) => setTimeout(r, 300));
    expect(bodyBytes() - atBackup).toBeLessThan(16 * MiB);
    transport.setWritable(true);
    await until(
      () =>
        transport.sent.some(
          (m) => m.method === 'http/request/bodyDelta' && (m.params as { done: boolean }).done,
        )
          ? true
          : undefined,
      'the last delta',
    );
    expect(bodyBytes()).toBe(size);
  });
});
