import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../faults/index.ts';
import { connect, type HarnessClient } from '../../harness/index.ts';
import { SECURE_PROFILE, type SecurityProfile } from '../../proto/secure-relay.ts';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';
import { pollUntil } from '../../sim/poll.ts';
import { processesWithMarker } from '../../sim/processes.ts';
import {
  FAST_EXECUTOR_ARGS,
  FAST_HARNESS_RECONNECT,
  FAST_HARNESS_RELAY,
  type Stack,
} from '../../sim/stack.ts';
import {
  consume,
  e2eProfiles,
  expectPayload,
  printSeedOnFailure,
  startRecordedStack,
  suiteSeed,
} from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const BYTES = 2 * 1024 * 1024;
/**
 * A harness whose last frames never arrive (its reset among them) is heard
 * of no more: its stream falls silent after three heartbeats and its session
 * ends a TTL later, with its processes.
 */
const HEARTBEAT_MS = 500;
const SESSION_TTL_MS = 2000;
const RELAY = { ...FAST_HARNESS_RELAY, stream: { ...FAST_HARNESS_RELAY.stream, heartbeatMs: HEARTBEAT_MS } };

let stack: Stack | undefined;
let side: FaultProxy | undefined;

afterEach(async () => {
  await side?.close();
  side = undefined;
  await stack?.dispose();
  stack = undefined;
});

/**
 * A stack whose victim harness reaches the rendezvous through a second
 * proxy that corrupts its socket's frames, while two other harnesses and
 * the executor go through the clean main proxy.
 */
async function stackWithVictim(
  securityProfile: SecurityProfile,
): Promise<{ live: Stack; victim: HarnessClient; others: HarnessClient[] }> {
  const live = await startRecordedStack({
    seed,
    securityProfile,
    executorArgs: [
      ...FAST_EXECUTOR_ARGS,
      '--session-ttl-ms',
      String(SESSION_TTL_MS),
      '--heartbeat-ms',
      String(HEARTBEAT_MS),
      // While a reset victim resumes, its process keeps writing: all of it stays retained for the resume.
      '--retain-bytes',
      String(2 * BYTES),
    ],
  });
  stack = live;
  side = await startFaultProxy({ target: live.worker.url, seed: seed ^ 0x5eed });
  const victim = await connect({
    registryUrl: side.httpUrl,
    executorId: live.executorId,
    token: await live.harnessToken(),
    security: live.security,
    relay: RELAY,
    reconnect: FAST_HARNESS_RECONNECT,
  });
  const others = [await live.harness({ relay: RELAY }), await live.harness({ relay: RELAY })];
  return { live, victim, others };
}

/** Starts a process on `victim` that would run for ten minutes; resolves once it runs. */
async function longVictimProcess(victim: HarnessClient, marker: string): Promise<void> {
  await victim.exec(['sh', '-c', 'sleep 600', marker]);
  await pollUntil('the victim process', async () => (await processesWithMarker(marker)).length === 1);
}

/** The victim's processes end once the executor gives its session up (bounded by heartbeats and the TTL). */
const victimProcessesEnded = (marker: string) =>
  pollUntil('the victim processes to end', async () => (await processesWithMarker(marker)).length === 0);

describe.each(e2eProfiles())('corrupted frames on one harness socket (%s)', (securityProfile) => {
  it('recovers by retransmission when frames are truncated, other streams untouched', async () => {
    const { live, victim, others } = await stackWithVictim(securityProfile);
    (side as FaultProxy).setFaults('both', { truncate: 0.1 });
    try {
      await Promise.all([
        expectPayload(victim, seed, BYTES, live.marker),
        ...others.map((client, i) => expectPayload(client, seed + 1 + i, BYTES, live.marker)),
      ]);
    } finally {
      await victim.close();
    }
    const truncated = (side as FaultProxy).stats();
    expect(truncated.upstream.truncated + truncated.downstream.truncated).toBeGreaterThan(0);
    await live.noExecutorChildren();
    expect(live.executor.exitStatus()).toBeNull();
  });

  const secure = securityProfile === SECURE_PROFILE;
  it(`keeps other streams byte-exact and every process up when bits are flipped${secure ? ', and the victim exact or cleanly failed' : ''}`, {
    timeout: 120_000,
  }, async () => {
    const { live, victim, others } = await stackWithVictim(securityProfile);
    const victimMarker = `${live.marker}-victim`;
    await longVictimProcess(victim, victimMarker);
    (side as FaultProxy).setFaults('both', { corrupt: 0.05 });
    // The relay frame has no checksum (upstream wire format). In cleartext a
    // flip inside a payload can reach the application unnoticed, so the
    // victim's outcome is recorded, not asserted. In the secure relay every
    // record is authenticated: a flip resets the stream and the session
    // resumes on a new one, so the victim's output is exact or its run
    // fails cleanly, never altered. Either way the damage stays on its socket.
    const victimRun = (async () => {
      const handle = await victim.exec(emitPayloadArgv(seed, BYTES, victimMarker));
      return consume(handle);
    })().then(
      (run) => ({ ok: true as const, exact: run.sha256 === payloadSha256(seed, BYTES) }),
      (error: Error) => ({ ok: false as const, error }),
    );
    await Promise.all(others.map((client, i) => expectPayload(client, seed + 1 + i, BYTES, live.marker)));
    // A 2 MiB run is a handful of frames in cleartext (segments of up to 1 MiB): the flips go on
    // (on the victim's frames and heartbeats) until one has landed.
    const flips = () => {
      const { upstream, downstream } = (side as FaultProxy).stats();
      return upstream.corrupted + downstream.corrupted;
    };
    await pollUntil('a flipped frame on the victim socket', () => flips() > 0, 60_000);
    // A cleartext victim may wait forever for an answer whose request id a flip changed: it is cut short.
    if (secure) await victimRun;
    await victim.close();
    const outcome = await victimRun;
    if (!outcome.ok) expect(outcome.error.message).not.toBe('');
    if (secure && outcome.ok) expect(outcome.exact).toBe(true);
    console.info(
      `bit flips on the victim socket (seed ${seed}): ${outcome.ok ? (outcome.exact ? 'exact' : 'completed with altered bytes') : `failed: ${outcome.error.message}`}`,
    );
    expect(flips()).toBeGreaterThan(0);
    expect((await live.worker.stats(live.executorId)).sockets.executor).toBe(1);
    // However the flips left the victim's session, its processes do not outlive it.
    await victimProcessesEnded(victimMarker);
    await live.noExecutorChildren();
    expect(live.executor.exitStatus()).toBeNull();
  });

  it('ends the processes of a harness whose last frames, its reset among them, never arrive', async () => {
    const { live, victim } = await stackWithVictim(securityProfile);
    const victimMarker = `${live.marker}-victim`;
    await longVictimProcess(victim, victimMarker);
    (side as FaultProxy).setFaults('upstream', { drop: 1 });
    await victim.close();
    expect(await processesWithMarker(victimMarker)).toHaveLength(1);
    await victimProcessesEnded(victimMarker);
    expect(live.executor.exitStatus()).toBeNull();
  });
});
