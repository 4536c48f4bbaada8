import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FaultProxy, rewriteSocketUrl, rewriteUrlField, startFaultProxy } from '../../faults/index.ts';
import { openClient, type Recorder, startTarget, type Target, waitFor } from './loopback.ts';

let target: Target;
let proxy: FaultProxy;
const clients: Recorder[] = [];

beforeEach(async () => {
  target = await startTarget();
  proxy = await startFaultProxy({ target: target.origin, seed: 1 });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await proxy.close();
  await target.close();
});

describe('HTTP pass-through', () => {
  it('forwards a register call with its method, token and body, and points the returned url at the proxy', async () => {
    const response = await fetch(`${proxy.httpUrl}/cloud/executor/x/register`, {
      method: 'POST',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      body: '{"hello":1}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      executor_id: 'x',
      url: `ws://127.0.0.1:${proxy.port}/cloud/executor/x/ws?role=executor&ticket=t1`,
    });
    expect(target.http).toEqual([
      {
        method: 'POST',
        path: '/cloud/executor/x/register',
        authorization: 'Bearer good',
        body: '{"hello":1}',
      },
    ]);
    expect(proxy.stats().httpRequests).toBe(1);
  });

  it('makes the socket opened from the returned url reach the target through the proxy', async () => {
    const response = await fetch(`${proxy.httpUrl}/cloud/executor/x/register`, {
      method: 'POST',
      headers: { authorization: 'Bearer good' },
    });
    const { url } = (await response.json()) as { url: string };
    clients.push(await openClient(url));
    await waitFor('the proxied socket', () => target.sockets.length === 1);
    expect(target.sockets[0]?.path).toBe('/cloud/executor/x/ws?role=executor&ticket=t1');
    expect(proxy.connections().map((c) => c.role)).toEqual(['executor']);
  });

  it("passes the target's refusal through with its status and body", async () => {
    const response = await fetch(`${proxy.httpUrl}/cloud/executor/x/register`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'bad token' });
  });

  it('passes a response that is not JSON through untouched', async () => {
    const response = await fetch(`${proxy.httpUrl}/cloud/executor/x/stats`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not found');
  });

  it('answers 502 with a JSON error when the target cannot be reached', async () => {
    await target.close();
    const response = await fetch(`${proxy.httpUrl}/cloud/executor/x/register`, { method: 'POST' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(/could not reach/);
    target = await startTarget();
  });
});

describe('url rewriting', () => {
  it('keeps path and query and swaps scheme and host for the proxy', () => {
    expect(
      rewriteSocketUrl('wss://relay.example.com/cloud/executor/a/ws?role=harness&ticket=t', '127.0.0.1:9'),
    ).toBe('ws://127.0.0.1:9/cloud/executor/a/ws?role=harness&ticket=t');
    expect(rewriteSocketUrl('ws://127.0.0.1:8787/x?y=1', '127.0.0.1:9')).toBe('ws://127.0.0.1:9/x?y=1');
  });

  it('rewrites only a JSON object with a string url and keeps the other fields', () => {
    expect(JSON.parse(rewriteUrlField('{"executor_id":"a","url":"ws://h:1/p"}', 'p:2') ?? '')).toEqual({
      executor_id: 'a',
      url: 'ws://p:2/p',
    });
    expect(rewriteUrlField('{"error":"nope"}', 'p:2')).toBeUndefined();
    expect(rewriteUrlField('[1]', 'p:2')).toBeUndefined();
    expect(rewriteUrlField('not json', 'p:2')).toBeUndefined();
    expect(rewriteUrlField('{"url":"not a url"}', 'p:2')).toBeUndefined();
  });
});
