import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessClient } from '../../harness/index.ts';
import type { Stack } from '../../sim/stack.ts';
import { runCli } from '../harness/executor-process.ts';
import { printSeedOnFailure, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

let stack: Stack;
let client: HarnessClient;

/** The environment without any token, so each test says which one it uses. */
function envWith(tokens: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { RELAYKIT_HARNESS_TOKEN: _h, RELAYKIT_EXECUTOR_TOKEN: _e, ...rest } = process.env;
  return { ...rest, ...tokens };
}

beforeAll(async () => {
  stack = await startRecordedStack({ seed });
  client = await stack.harness();
  await client.run(['true']);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('relaykit status', () => {
  it("shows the rendezvous' view of a running executor as a table", async () => {
    const token = await stack.harnessToken();
    const args = [
      'status',
      '--registry',
      stack.registryUrl,
      '--executor-id',
      stack.executorId,
      '--token',
      token,
    ];
    const { code, stdout, stderr } = await runCli(args, { env: envWith() });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`executor ${stack.executorId} at ${stack.registryUrl}`);
    expect(stdout).toMatch(/executor socket\s+connected \(instance [0-9a-f-]{36}\)/);
    expect(stdout).toMatch(/harness sockets\s+1\n/);
    expect(stdout).toMatch(/streams\s+1 claimed by a harness/);
    expect(stdout).toMatch(/frames\s+harness → executor [1-9][\d,]*, executor → harness [1-9]/);
    expect(stdout).toMatch(/drops\s+/);
    expect(stdout).toMatch(/object starts\s+1 /);
  });

  it('prints the raw answer with --json, taking the executor token from the environment', async () => {
    const token = await stack.worker.mintToken('executor', stack.executorId);
    const args = ['status', '--registry', stack.registryUrl, '--executor-id', stack.executorId, '--json'];
    const { code, stdout } = await runCli(args, { env: envWith({ RELAYKIT_EXECUTOR_TOKEN: token }) });
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({
      executor_id: stack.executorId,
      sockets: { executor: 1, harness: 1 },
      streams: 1,
    });
    expect(answer.frames.executor_to_harness).toBeGreaterThan(0);
  });

  it('says in one line when the token is rejected, the rendezvous unreachable or the executor unknown', async () => {
    const status = (registry: string, executorId: string, token: string) =>
      runCli(['status', '--registry', registry, '--executor-id', executorId, '--token', token], {
        env: envWith(),
      });
    const otherToken = await stack.worker.mintToken('harness', 'another-executor');
    const cases: [Promise<{ code: number | null; stderr: string }>, RegExp][] = [
      [status(stack.registryUrl, stack.executorId, 'not-a-token'), /^relaykit: harness token rejected \(401/],
      [
        status(stack.registryUrl, stack.executorId, otherToken),
        new RegExp(`^relaykit: harness token is not valid for executor ${stack.executorId} \\(403`),
      ],
      [
        status('http://127.0.0.1:1', stack.executorId, otherToken),
        /^relaykit: rendezvous http:\/\/127\.0\.0\.1:1 is unreachable/,
      ],
      [
        status(stack.registryUrl, 'another-executor', otherToken),
        /^relaykit: unknown executor another-executor: it has never registered with/,
      ],
    ];
    for (const [run, message] of cases) {
      const { code, stderr } = await run;
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
    const missing = await runCli(['status', '--registry', stack.registryUrl, '--executor-id', 'x'], {
      env: envWith(),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/a token is required/);
  });
});
