/** Shared pieces of the end-to-end suite: the seed, checked runs and hashes. */
import { createHash } from 'node:crypto';
import { beforeEach, expect } from 'vitest';
import type { ExecOptions, ExitStatus, HarnessClient, ProcessHandle } from '../../harness/index.ts';
import { SECURITY_PROFILES, type SecurityProfile } from '../../proto/secure-relay.ts';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';

const DEFAULT_SEED = 20_261_121;

/** The run's seed: RELAYKIT_SEED, or a fixed default. A failure prints it so the run replays. */
export function suiteSeed(): number {
  const text = process.env.RELAYKIT_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`RELAYKIT_SEED must be an integer, got ${text}`);
  return seed >>> 0;
}

/** Prints the seed (and how to replay) when a test of this file fails. */
export function printSeedOnFailure(seed: number): void {
  beforeEach((context) => {
    context.onTestFailed(() => {
      console.error(`\n  replay with: RELAYKIT_SEED=${seed} npx vitest run ${context.task.file.name}\n`);
    });
  });
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface CheckedRun {
  sha256: string;
  bytes: number;
  status: ExitStatus;
}

/**
 * Consumes a process's output (stdout and stderr hashed separately, stderr
 * must be empty) and its exit status. With `closeOnExit` the client is
 * closed the moment the exit status arrives: every byte must already be
 * published by then, so the exit status provably came after all output.
 */
export async function consume(
  handle: ProcessHandle,
  opts: { client?: HarnessClient; onBytes?: (n: number) => void } = {},
): Promise<CheckedRun> {
  const hash = createHash('sha256');
  let bytes = 0;
  let stderr = '';
  let exits = 0;
  const exited = handle.wait().then(async (status) => {
    exits++;
    if (opts.client) await opts.client.close();
    return status;
  });
  // Observed below; a failure of the iteration must not leave it unhandled.
  exited.catch(() => {});
  for await (const chunk of handle) {
    if (chunk.stream === 'stderr') {
      stderr += Buffer.from(chunk.data).toString();
      continue;
    }
    hash.update(chunk.data);
    bytes += chunk.data.length;
    opts.onBytes?.(chunk.data.length);
  }
  const status = await exited;
  expect(stderr).toBe('');
  expect(exits).toBe(1);
  return { sha256: hash.digest('hex'), bytes, status };
}

/** Runs the seeded payload emitter remotely and checks its whole output against the local hash. */
export async function expectPayload(
  client: HarnessClient,
  seed: number,
  size: number,
  marker: string,
  opts: { closeOnExit?: boolean; exec?: ExecOptions } = {},
): Promise<void> {
  const handle = await client.exec(emitPayloadArgv(seed, size, marker), opts.exec);
  const run = await consume(handle, { client: opts.closeOnExit ? client : undefined });
  expect(run.status).toEqual({ exitCode: 0, signal: null });
  expect(run.bytes).toBe(size);
  expect(run.sha256).toBe(payloadSha256(seed, size));
}

/** Pipes `input` through `cat` remotely in `chunkBytes` writes; the echo must hash like the input. */
export async function expectEcho(
  client: HarnessClient,
  input: Uint8Array,
  marker: string,
  chunkBytes = 64 * 1024,
): Promise<void> {
  const handle = await client.exec(['sh', '-c', 'cat; true', marker], { pipeStdin: true });
  const consumed = consume(handle);
  for (let offset = 0; offset < input.length; offset += chunkBytes) {
    await handle.write(input.subarray(offset, offset + chunkBytes));
  }
  await handle.closeStdin();
  const run = await consumed;
  expect(run.status).toEqual({ exitCode: 0, signal: null });
  expect(run.bytes).toBe(input.length);
  expect(run.sha256).toBe(sha256(input));
}

/**
 * The security profiles each scenario runs in: both by default, the secure
 * one first; RELAYKIT_E2E_PROFILES=noise_hybrid_ik_v1 (or cleartext) runs one.
 */
export function e2eProfiles(): SecurityProfile[] {
  const text = process.env.RELAYKIT_E2E_PROFILES;
  if (text === undefined || text === '') return [...SECURITY_PROFILES];
  const profiles = text.split(',').map((p) => p.trim());
  const unknown = profiles.find((p) => !(SECURITY_PROFILES as readonly string[]).includes(p));
  if (unknown !== undefined) throw new Error(`RELAYKIT_E2E_PROFILES: unknown profile ${unknown}`);
  return profiles as SecurityProfile[];
}
