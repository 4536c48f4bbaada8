/**
 * Replays the requests upstream's client writes (test/fixtures/upstream)
 * against a real `relaykit executor` process, in local mode and through a
 * relay, and checks every answer and notification against upstream's structs.
 */
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRelay, type RelayEndpoint } from '../../endpoint/index.ts';
import { streamTransport } from '../../rpc/index.ts';
import { type ExecutorProcess, spawnExecutor } from '../../sim/executor-process.ts';
import { NOTIFICATION_STRUCTS, STRUCTS, type StructName, violations } from '../fixtures/upstream/structs.ts';
import { type SpawnedExecutor, spawnLocalExecutor } from '../harness/executor-process.ts';
import { FakeRendezvous } from './fake-rendezvous.ts';
import { HttpTarget, patternBytes } from './http-target.ts';
import { type Notification, TestClient, until } from './rpc-client.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/upstream/requests');
const STREAMED_BODY_BYTES = 2_500_000;

interface Expected {
  method: string;
  params: Record<string, unknown>;
}

interface Fixture {
  message: { id?: number; method: string; params?: unknown };
  response?: StructName;
  expect?: Record<string, unknown>;
  waitFor?: Expected;
  then?: Expected;
}

async function fixtures(vars: Record<string, string>): Promise<[string, Fixture][]> {
  const names = (await readdir(FIXTURES)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name): Promise<[string, Fixture]> => {
      let text = await readFile(join(FIXTURES, name), 'utf8');
      for (const [key, value] of Object.entries(vars)) text = text.replaceAll(`{{${key}}}`, value);
      return [name, JSON.parse(text) as Fixture];
    }),
  );
}

function untilNotification(client: TestClient, expected: Expected): Promise<Notification> {
  const matches = (n: Notification) =>
    n.method === expected.method && Object.entries(expected.params).every(([k, v]) => n.params[k] === v);
  return until(
    () => client.notifications.find(matches),
    `${expected.method} ${JSON.stringify(expected.params)}`,
  );
}

/** Sends every fixture in order and checks each answer; returns the notifications received meanwhile. */
async function replay(client: TestClient, vars: Record<string, string>): Promise<void> {
  for (const [name, fixture] of await fixtures(vars)) {
    if (fixture.waitFor) await untilNotification(client, fixture.waitFor);
    const answer = await client.exchange(fixture.message);
    if (fixture.response !== undefined) {
      expect(answer?.error, name).toBeUndefined();
      expect(violations(answer?.result, STRUCTS[fixture.response]), name).toEqual([]);
      if (fixture.expect) expect(answer?.result, name).toMatchObject(fixture.expect);
    }
    if (fixture.then) await untilNotification(client, fixture.then);
  }
  for (const { method, params } of client.notifications) {
    const rule = NOTIFICATION_STRUCTS[method];
    expect(rule, `a notification upstream knows: ${method}`).toBeDefined();
    expect(violations(params, rule as NonNullable<typeof rule>), method).toEqual([]);
  }
}

function checkOutcome(client: TestClient, realDir: string): void {
  expect(client.outputOf('proc-1').toString()).toBe(`hello\ncwd=${realDir}/sub dir\n`);
  const deltas = client.notifications.filter((n) => n.method === 'http/request/bodyDelta');
  expect(deltas.map((d) => d.params.seq)).toEqual(deltas.map((_, i) => i + 1));
  const body = Buffer.concat(deltas.map((d) => Buffer.from(d.params.deltaBase64 as string, 'base64')));
  expect(body.equals(patternBytes(STREAMED_BODY_BYTES))).toBe(true);
}

describe("upstream's struct rules", () => {
  it("refuse what upstream's client refuses: null integers, fractions, native paths, missing fields", () => {
    const exited = NOTIFICATION_STRUCTS['process/exited'] as NonNullable<
      (typeof NOTIFICATION_STRUCTS)[string]
    >;
    expect(violations({ processId: 'p', seq: 2, exitCode: null }, exited)).toEqual([
      '$.exitCode: expected a i32, got null',
    ]);
    expect(violations({ processId: 'p', seq: 2.5, exitCode: 0, sandboxDenied: null }, exited)).toEqual([
      '$.seq: expected a u64, got 2.5',
    ]);
    expect(violations({ path: '/native' }, STRUCTS.FsCanonicalizeResponse)).toEqual([
      '$.path: expected a file: URI, got "/native"',
    ]);
    expect(
      violations({ chunks: [], nextSeq: 1, exited: false, closed: false }, STRUCTS.ReadResponse),
    ).toEqual([]);
    expect(violations({ shell: { name: 'sh' } }, STRUCTS.EnvironmentInfo)).toEqual(['$.shell.path: missing']);
  });
});

describe.each(['local', 'relay'] as const)(
  'an upstream-shaped client against the executor (%s mode)',
  (mode) => {
    let dir = '';
    let target: HttpTarget;
    let client: TestClient;
    const stops: (() => Promise<void> | void)[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'relaykit-replay-'));
      target = await HttpTarget.start();
      stops.push(() => target.close());
      if (mode === 'local') {
        const executor: SpawnedExecutor = await spawnLocalExecutor();
        stops.push(() => executor.stop());
        client = await TestClient.connect(executor.url);
      } else {
        const rendezvous = await FakeRendezvous.start('replay', 'replay-token');
        stops.push(() => rendezvous.close());
        const executor: ExecutorProcess = await spawnExecutor({
          registryUrl: rendezvous.registryUrl,
          executorId: 'replay',
          token: 'replay-token',
          args: ['--security-profile', 'cleartext'],
        });
        stops.push(() => executor.stop());
        const harness: RelayEndpoint = connectRelay({
          resolveUrl: async () => rendezvous.harnessUrl,
          role: 'harness',
          backoff: { initialMs: 20, maxMs: 200 },
        });
        stops.push(() => harness.close());
        client = new TestClient(streamTransport(harness.openStream()));
      }
      stops.push(() => client.close());
    });

    afterAll(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('gets through every request without an error upstream would not give, in upstream shapes', async () => {
      const realDir = await realpath(dir);
      await replay(client, {
        dir: pathToFileURL(dir).href,
        realDir: pathToFileURL(realDir).href,
        http: target.url(''),
      });
      checkOutcome(client, realDir);
    });
  },
);
