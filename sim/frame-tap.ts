/**
 * Counts the frames the endpoints send, as the fault proxy receives them and
 * before any fault touches them: each data frame seen again (same sender,
 * stream and seq) is a retransmission.
 */
import type { ConnectionInfo, Direction } from '../faults/index.ts';
import { decodeFrame } from '../proto/codec/index.ts';

export interface TapCounts {
  /** Data frames sent for the first time, per sending role. */
  dataFrames: Record<string, number>;
  /** Data frames sent again (timeout, fast or resume retransmissions), per sending role. */
  retransmissions: Record<string, number>;
  /** Reset frames sent by the endpoints, by reason. */
  resets: Record<string, number>;
}

export interface FrameTap {
  /** The fault proxy's `onFrame`. */
  observe(bytes: Uint8Array, direction: Direction, connection: ConnectionInfo): void;
  counts(): TapCounts;
}

export function createFrameTap(): FrameTap {
  const seen = new Set<string>();
  const counts: TapCounts = { dataFrames: {}, retransmissions: {}, resets: {} };
  const bump = (record: Record<string, number>, key: string) => {
    record[key] = (record[key] ?? 0) + 1;
  };
  return {
    observe(bytes, direction, connection) {
      // Upstream is what an endpoint sent; downstream is the rendezvous passing on the other's frames.
      if (direction !== 'upstream') return;
      const role = connection.role ?? 'unknown';
      const decoded = decodeFrame(bytes);
      if (!decoded.ok) return;
      const frame = decoded.value;
      if (frame.body.case === 'data') {
        const key = `${role}|${frame.streamId}|${frame.body.value.seq}`;
        if (seen.has(key)) bump(counts.retransmissions, role);
        else {
          seen.add(key);
          bump(counts.dataFrames, role);
        }
      } else if (frame.body.case === 'reset') {
        bump(counts.resets, frame.body.value.reason);
      }
    },
    counts: () => structuredClone(counts),
  };
}
