/**
 * The secure relay against cleartext: the cost of the handshake and of the
 * records in memory, the time a secure stream's handshake takes through the
 * rendezvous (the executor asks the registry to validate the harness key
 * each time), and the relay frames the Durable Object routes per MiB of
 * output, read from its own counters.
 */
import { connectRelay, type RelayEndpoint } from '../../endpoint/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { requestConnect } from '../../registry/index.ts';
import {
  Initiator,
  initiateSecureStream,
  NoisePublicKey,
  Responder,
  relayPrologue,
  SecureMessageChannel,
  StaticIdentity,
} from '../../secure/index.ts';
import { MiB } from '../../sim/memory.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { procCpuMs } from '../lib/memory.ts';
import { msSince, quantileOf, repeat, summarize } from '../lib/stats.ts';
import { type RelaySystem, relaySystem } from '../lib/systems.ts';
import { measureSystemThroughput } from './throughput.ts';

/** Milliseconds per handshake, both sides in this process, no I/O. */
export function handshakeCpuMs(rounds: number): number {
  const harness = StaticIdentity.generate();
  const executor = StaticIdentity.generate();
  const prologue = relayPrologue({ executorId: 'bench', registrationId: 'reg', streamId: 'stream' });
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const { initiator, message1 } = Initiator.start({
      identity: harness,
      executorPublicKey: executor.publicKey,
      prologue,
      authorization: 'x'.repeat(400),
    });
    initiator.finish(Responder.read({ identity: executor, prologue, message1 }).complete().message2);
  }
  return msSince(start) / rounds;
}

/** MiB/s of one 64 KiB output notification (as JSON) framed, cut, sealed and opened again. */
export function recordsMiBps(ms: number): number {
  const harness = StaticIdentity.generate();
  const executor = StaticIdentity.generate();
  const prologue = relayPrologue({ executorId: 'bench', registrationId: 'reg', streamId: 'stream' });
  const { initiator, message1 } = Initiator.start({
    identity: harness,
    executorPublicKey: executor.publicKey,
    prologue,
    authorization: 'x',
  });
  const { message2, session } = Responder.read({ identity: executor, prologue, message1 }).complete();
  const sender = new SecureMessageChannel(session);
  const receiver = new SecureMessageChannel(initiator.finish(message2));
  const message = Buffer.from(
    JSON.stringify({
      method: 'process/output',
      params: { chunk: Buffer.alloc(64 * 1024, 'x').toString('base64') },
    }),
  );
  let bytes = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const record of sender.seal(message)) receiver.open(record);
    bytes += message.length;
  }
  return bytes / MiB / ((performance.now() - start) / 1000);
}

export interface ProfileTransfer {
  mibps: number;
  /** CPU the executor and the harness (this process) used per MiB of output, ms. */
  cpuMsPerMiB: { executor: number; harness: number };
  /** Relay frames the Durable Object routed per MiB of output, each way. */
  framesPerMiB: { executorToHarness: number; harnessToExecutor: number };
}

/** One transfer through `system`, with the Durable Object's frame counters before and after. */
async function profileTransfer(
  worker: WorkerUnderTest,
  system: RelaySystem,
  bytes: number,
): Promise<ProfileTransfer> {
  const before = await worker.stats(system.executorId);
  const executorCpu = procCpuMs(system.executor.pid) ?? Number.NaN;
  const harnessCpu = process.cpuUsage();
  const seconds = await measureSystemThroughput(system, bytes);
  const harnessUsed = process.cpuUsage(harnessCpu);
  const executorUsed = (procCpuMs(system.executor.pid) ?? Number.NaN) - executorCpu;
  const after = await worker.stats(system.executorId);
  const mib = bytes / MiB;
  return {
    mibps: mib / seconds,
    cpuMsPerMiB: {
      executor: executorUsed / mib,
      harness: (harnessUsed.user + harnessUsed.system) / 1000 / mib,
    },
    framesPerMiB: {
      executorToHarness: (after.frames.executor_to_harness - before.frames.executor_to_harness) / mib,
      harnessToExecutor: (after.frames.harness_to_executor - before.frames.harness_to_executor) / mib,
    },
  };
}

/**
 * One transfer through each profile's relay, the two taking turns at going
 * first from round to round: whatever the previous transfer left behind
 * hits both alike.
 */
export async function transferBothProfiles(
  worker: WorkerUnderTest,
  systems: { cleartext: RelaySystem; secure: RelaySystem },
  bytes: number,
  round: number,
): Promise<{ cleartext: ProfileTransfer; secure: ProfileTransfer }> {
  if (round % 2 === 0) {
    const secure = await profileTransfer(worker, systems.secure, bytes);
    return { secure, cleartext: await profileTransfer(worker, systems.cleartext, bytes) };
  }
  const cleartext = await profileTransfer(worker, systems.cleartext, bytes);
  return { cleartext, secure: await profileTransfer(worker, systems.secure, bytes) };
}

/**
 * Handshakes on one harness socket: fewer than the rendezvous' burst of new
 * streams per socket (128), so none is refused for its rate.
 */
const HANDSHAKES_PER_SOCKET = 100;

/** Times `samples` handshakes of fresh streams against a secure `system`, on as many harness sockets as the rate limit needs. */
export async function handshakeRoundTrips(system: RelaySystem, samples: number): Promise<number[]> {
  const identity = StaticIdentity.generate();
  const times: number[] = [];
  while (times.length < samples) {
    const batch = Math.min(HANDSHAKES_PER_SOCKET, samples - times.length);
    times.push(...(await handshakesOnOneSocket(system, identity, batch)));
  }
  return times;
}

async function handshakesOnOneSocket(
  system: RelaySystem,
  identity: StaticIdentity,
  samples: number,
): Promise<number[]> {
  const target = {
    registryUrl: system.registryUrl,
    executorId: system.executorId,
    token: system.harnessToken,
  };
  const key = { harnessPublicKey: identity.publicKey.toJSON() };
  const first = await requestConnect(target, key);
  if (first.secure === undefined) throw new Error('the executor does not serve the secure relay');
  const bundle = first.secure;
  const endpoint: RelayEndpoint = connectRelay({
    role: 'harness',
    resolveUrl: async () => (await requestConnect(target, key)).url,
  });
  await new Promise<void>((resolve) => {
    const off = endpoint.onConnectionState((state) => {
      if (state !== 'open') return;
      off();
      resolve();
    });
  });
  try {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const stream = endpoint.openStream(undefined, 'secure');
      const start = process.hrtime.bigint();
      await initiateSecureStream(stream, {
        identity,
        executorPublicKey: NoisePublicKey.fromJSON(bundle.executorPublicKey),
        executorId: system.executorId,
        registrationId: bundle.registrationId,
        authorization: bundle.authorization,
      });
      times.push(msSince(start));
      stream.reset('closed');
    }
    return times;
  } finally {
    await endpoint.close();
  }
}

/** One figure of the suite: its samples over the runs. */
export interface SecureRow {
  name: string;
  unit: string;
  samples: number[];
  ratio?: string;
}

export interface SecureSettings {
  runs: number;
  warmup: number;
  quick: boolean;
  microMs: number;
  throughputBytes: number;
  handshakeSamples: number;
}

const median = (values: number[]) => summarize(values).median;

/** Both profiles side by side, interleaved so that drift of the machine hits both alike. */
export async function measureSecure(
  worker: WorkerUnderTest,
  settings: SecureSettings,
): Promise<{ rows: SecureRow[]; raw: unknown }> {
  const rows: SecureRow[] = [];
  const bytes = settings.throughputBytes;
  const cpu = await repeat(settings.runs, 0, async () => handshakeCpuMs(settings.quick ? 20 : 100));
  rows.push({ name: 'hybrid IK handshake, both sides in memory', unit: 'ms', samples: cpu });
  const records = await repeat(settings.runs, 0, async () => recordsMiBps(settings.microMs));
  rows.push({ name: 'records: 64 KiB output framed, sealed and opened', unit: 'MiB/s', samples: records });
  const secure = await relaySystem(worker, { securityProfile: SECURE_PROFILE });
  const cleartext = await relaySystem(worker, { securityProfile: 'cleartext' });
  try {
    const runs = { secure: [] as ProfileTransfer[], cleartext: [] as ProfileTransfer[] };
    await repeat(settings.runs, settings.warmup, async (round) => {
      const both = await transferBothProfiles(worker, { cleartext, secure }, bytes, round);
      if (round < 0) return;
      runs.secure.push(both.secure);
      runs.cleartext.push(both.cleartext);
    });
    const mb = `${bytes / MiB} MiB`;
    const mibps = (profile: keyof typeof runs) => runs[profile].map((r) => r.mibps);
    const ratio = median(mibps('secure')) / median(mibps('cleartext'));
    rows.push({ name: `cleartext relay, ${mb} (t)`, unit: 'MiB/s', samples: mibps('cleartext') });
    rows.push({
      name: `secure relay, ${mb} (s)`,
      unit: 'MiB/s',
      samples: mibps('secure'),
      ratio: `s/t ${ratio.toFixed(3)}`,
    });
    for (const side of ['executor', 'harness'] as const) {
      for (const profile of ['cleartext', 'secure'] as const) {
        rows.push({
          name: `CPU per MiB of output, ${side}, ${profile}`,
          unit: 'ms/MiB',
          samples: runs[profile].map((r) => r.cpuMsPerMiB[side]),
        });
      }
    }
    for (const way of ['executorToHarness', 'harnessToExecutor'] as const) {
      const label = way === 'executorToHarness' ? 'executor → harness' : 'harness → executor';
      for (const profile of ['cleartext', 'secure'] as const) {
        rows.push({
          name: `DO frames per MiB of output, ${label}, ${profile}`,
          unit: 'frames/MiB',
          samples: runs[profile].map((r) => r.framesPerMiB[way]),
        });
      }
    }
    const handshakes = await repeat(settings.runs, settings.warmup, () =>
      handshakeRoundTrips(secure, settings.handshakeSamples),
    );
    for (const [q, name] of [
      [0.5, 'p50'],
      [0.99, 'p99'],
    ] as const) {
      rows.push({
        name: `handshake through the rendezvous ${name}`,
        unit: 'ms',
        samples: handshakes.map((times) => quantileOf(times, q)),
      });
    }
    return { rows, raw: { bytes, cpuMs: cpu, recordsMiBps: records, runs, handshakeMs: handshakes } };
  } finally {
    await secure.stop();
    await cleartext.stop();
  }
}
