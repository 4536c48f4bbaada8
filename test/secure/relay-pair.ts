import { setImmediate as nextTurn } from 'node:timers/promises';
import type { StreamConfig } from '../../endpoint/core/config.ts';
import { MuxDriver } from '../../endpoint/live/mux-driver.ts';
import { decodeFrame, encodeFrame, type RelayFrame } from '../../proto/codec/index.ts';
import { ManualClock } from '../endpoint/manual-clock.ts';

export type Direction = 'toExecutor' | 'toHarness';

/**
 * What the link does with a frame in flight: pass it (possibly changed),
 * or drop it (undefined).
 */
export type Tamper = (frame: Uint8Array, direction: Direction) => Uint8Array | undefined;

/**
 * A harness driver and a secure executor driver joined by an in-memory
 * link: frames cross on the next turn of the event loop, every one is
 * recorded, and `tamper` may change or drop it. Time is a ManualClock
 * that `settle` moves on. `executor` sets the executor's message and
 * reassembly limits.
 */
export function relayPair(
  options: {
    stream?: Partial<StreamConfig>;
    executor?: { maxMessageBytes?: number; maxReassemblyBytes?: number };
  } = {},
) {
  const clock = new ManualClock();
  const { maxMessageBytes, maxReassemblyBytes } = options.executor ?? {};
  const harness = new MuxDriver({ accept: false, clock, stream: options.stream });
  const executor = new MuxDriver({
    accept: true,
    security: 'secure',
    clock,
    maxReassemblyBytes,
    stream: { ...options.stream, ...(maxMessageBytes && { maxMessageBytes }) },
  });
  const frames: { direction: Direction; bytes: Uint8Array }[] = [];
  const link = { tamper: ((frame) => frame) as Tamper };
  const carry = (to: MuxDriver, direction: Direction) => (bytes: Uint8Array) => {
    frames.push({ direction, bytes });
    const passed = link.tamper(bytes, direction);
    if (passed !== undefined) setImmediate(() => to.receive(passed));
  };
  harness.linkUp(carry(executor, 'toExecutor'));
  executor.linkUp(carry(harness, 'toHarness'));
  return {
    clock,
    harness,
    executor,
    frames,
    link,
    /** Sends a frame to the executor as if the harness had. */
    inject(frame: RelayFrame, to: Direction = 'toExecutor'): void {
      (to === 'toExecutor' ? executor : harness).receive(encodeFrame(frame));
    },
    /** Lets every frame in flight cross and due acks go out (a few turns of the event loop, 10 ms each). */
    async settle(turns = 20): Promise<void> {
      for (let i = 0; i < turns; i++) {
        await nextTurn();
        clock.advance(10);
      }
    },
    decoded(direction: Direction): RelayFrame[] {
      return frames.flatMap((f) => {
        if (f.direction !== direction) return [];
        const decoded = decodeFrame(f.bytes);
        return decoded.ok ? [decoded.value] : [];
      });
    },
    stop(): void {
      harness.stop();
      executor.stop();
    },
  };
}
