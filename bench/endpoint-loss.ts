/**
 * Simulated goodput of one reliable stream under random loss, as a fraction
 * of the lossless run, and the retransmission overhead (data frames sent /
 * data frames needed), for the default adaptive RTO (with time-based loss
 * detection and the tail probe) and the fixed 500 ms mode.
 *
 *   node bench/endpoint-loss.ts
 *
 * Loss applies to both directions (acks are lost too). Time is simulated, so
 * the numbers depend only on the seeds, not on the machine.
 */
import { DEFAULT_STREAM_CONFIG, FIXED_500MS_RTO, type RtoConfig, StreamMux } from '../endpoint/index.ts';
import { SimWorld } from '../sim/link/sim-world.ts';

const TOTAL_BYTES = 16 * 1024 * 1024;
const MESSAGE_BYTES = 64 * 1024;
const ONE_WAY_DELAY_MS = 25;
const JITTER_MS = 5;
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const LOSSES = [0, 0.05, 0.2];

interface RunResult {
  simulatedMs: number;
  dataFramesNeeded: number;
  dataFramesSent: number;
  fast: number;
  probes: number;
  timeouts: number;
}

function run(rto: RtoConfig, loss: number, seed: number): RunResult {
  const stream = { rto };
  const a = new StreamMux({ accept: false, stream }, true);
  const b = new StreamMux({ accept: true, stream }, true);
  const faults = { loss, delayMs: ONE_WAY_DELAY_MS, jitterMs: JITTER_MS };
  const world = new SimWorld(seed, a, b, faults, faults);
  const id = 'bench';
  const sender = a.open(id, 0);
  const payload = new Uint8Array(MESSAGE_BYTES).fill(7);
  const count = TOTAL_BYTES / MESSAGE_BYTES;
  let sent = 0;
  world.onIdle = (w) => {
    while (sent < count && sender.writable) {
      sender.send(payload, w.now);
      sent += 1;
    }
  };
  const done = () => (world.logB.messages.get(id)?.length ?? 0) >= count;
  if (!world.runUntil(done, 24 * 3600_000))
    throw new Error(`run did not finish (loss ${loss}, seed ${seed})`);
  return {
    simulatedMs: world.now,
    dataFramesNeeded: sender.stats.dataFramesCut,
    dataFramesSent: sender.stats.dataTransmissions,
    fast: sender.stats.fastRetransmissions,
    probes: sender.stats.probeRetransmissions,
    timeouts: sender.stats.timeoutRetransmissions,
  };
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

const modes: Array<[string, RtoConfig]> = [
  ['adaptive', DEFAULT_STREAM_CONFIG.rto],
  ['fixed-500ms', FIXED_500MS_RTO],
];

console.log(
  `transfer ${TOTAL_BYTES / 1024 / 1024} MiB in ${MESSAGE_BYTES / 1024} KiB messages, one-way delay ${ONE_WAY_DELAY_MS}±${JITTER_MS} ms, loss both ways, ${SEEDS.length} seeds`,
);
console.log(
  'mode         loss  goodput(MiB/s)  vs lossless  overhead(sent/needed)  fast-rtx  probes  timeout-rtx',
);
for (const [name, rto] of modes) {
  let lossless = 0;
  for (const loss of LOSSES) {
    const results = SEEDS.map((seed) => run(rto, loss, seed));
    const goodput = mean(results.map((r) => TOTAL_BYTES / 1024 / 1024 / (r.simulatedMs / 1000)));
    if (loss === 0) lossless = goodput;
    const overhead = mean(results.map((r) => r.dataFramesSent / r.dataFramesNeeded));
    console.log(
      [
        name.padEnd(12),
        `${(loss * 100).toFixed(0)}%`.padStart(4),
        goodput.toFixed(2).padStart(15),
        (goodput / lossless).toFixed(3).padStart(12),
        overhead.toFixed(3).padStart(22),
        mean(results.map((r) => r.fast))
          .toFixed(1)
          .padStart(9),
        mean(results.map((r) => r.probes))
          .toFixed(1)
          .padStart(7),
        mean(results.map((r) => r.timeouts))
          .toFixed(1)
          .padStart(12),
      ].join(' '),
    );
  }
}
