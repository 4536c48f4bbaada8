/** Shared pieces of the end-to-end suite: the seed, timelines of failures, checked runs and hashes. */
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { DEFAULT_STREAM_CONFIG } from '../../endpoint/index.ts';
import type { ExecOptions, ExitStatus, HarnessClient, ProcessHandle } from '../../harness/index.ts';
import { SECURITY_PROFILES, type SecurityProfile } from '../../proto/secure-relay.ts';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';
import { type Stack, type StackOptions, startStack } from '../../sim/stack.ts';
import { writeTimeline } from '../../sim/timeline/page.ts';
import type { TimelineData } from '../../sim/timeline/timeline-data.ts';

const DEFAULT_SEED = 20_261_121;

/** The run's seed: RELAYKIT_SEED, or a fixed default. A failure prints it so the run replays. */
export function suiteSeed(): number {
  const text = process.env.RELAYKIT_SEED;
  if (text === undefined || text === '') return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`RELAYKIT_SEED must be an integer, got ${text}`);
  return seed >>> 0;
}

/** Where a failing test's timelines go (git-ignored). */
const RESULTS_DIR = resolve(import.meta.dirname, '../../test-results');

/** Stacks started outside any test (in beforeAll): every failure of the file shows them. */
const fileStacks: Stack[] = [];
/** Stacks the running test started. */
let testStacks: Stack[] | undefined;

/** A recorded stack for the tests of the enclosing suite: started before them, disposed after them. */
export function useStack(options: StackOptions): { readonly stack: Stack } {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startRecordedStack(options);
  });
  afterAll(async () => {
    await stack?.dispose();
  });
  return {
    get stack(): Stack {
      if (stack === undefined) throw new Error('the stack starts in beforeAll');
      return stack;
    },
  };
}

/** Recorded stacks each test starts for itself (`start`), disposed after the test however it ends. */
export function useStackPerTest(seed: number): {
  start(options?: Omit<StackOptions, 'seed'>): Promise<Stack>;
} {
  const started: Stack[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((stack) => stack.dispose()));
  });
  return {
    async start(options = {}) {
      const stack = await startRecordedStack({ seed, ...options });
      started.push(stack);
      return stack;
    },
  };
}

/** A stack that records a timeline, written out next to the seed if a test fails. */
export async function startRecordedStack(options: StackOptions): Promise<Stack> {
  const stack = await startStack({ ...options, timeline: true });
  (testStacks ?? fileStacks).push(stack);
  return stack;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

/**
 * Prints the seed (and how to replay) when a test of this file fails, and
 * writes the timeline of each stack the test started with
 * `startRecordedStack` as `test-results/timeline-<scenario>-<seed>.html`.
 */
export function printSeedOnFailure(seed: number): void {
  afterEach(() => {
    testStacks = undefined;
  });
  beforeEach((context) => {
    const started: Stack[] = [];
    testStacks = started;
    context.onTestFailed(() => {
      const file = context.task.file.name;
      const scenario = `${basename(file, '.test.ts')}-${slug(context.task.name)}`;
      const lines = [`replay with: RELAYKIT_SEED=${seed} npx vitest run ${file}`];
      [...fileStacks, ...started].forEach((stack, i) => {
        if (stack.timeline === undefined) return;
        const path = join(RESULTS_DIR, `timeline-${scenario}-${seed}${i > 0 ? `-${i + 1}` : ''}.html`);
        const data = stack.timeline.data({
          title: `${file}: ${context.task.name}`,
          meta: { seed, executor: stack.executorId, verdict: 'failed' },
          windowFrames: DEFAULT_STREAM_CONFIG.windowFrames,
        });
        writeTimeline(path, data);
        lines.push(`timeline:    ${path}`);
      });
      console.error(`\n  ${lines.join('\n  ')}\n`);
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

/** The recording a timeline page embeds (`#timeline-data`). */
export function embeddedTimeline(html: string): TimelineData {
  const json = /<script type="application\/json" id="timeline-data">(.*?)<\/script>/s.exec(html)?.[1];
  if (json === undefined) throw new Error('the page embeds no timeline data');
  return JSON.parse(json) as TimelineData;
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
