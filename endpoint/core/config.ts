import { MAX_FRAME_PAYLOAD_BYTES } from '../../proto/codec/index.ts';

/** Tunables of one reliable stream (DESIGN.md §3). Both ends of a stream must agree on the windows. */

/** The ack bitmap covers 32 seqs beyond the cumulative ack, so no window can be wider. */
export const ACK_WINDOW = 32;

export type RtoConfig =
  | { mode: 'adaptive'; initialMs: number; minMs: number; maxMs: number }
  | { mode: 'fixed'; ms: number };

export interface StreamConfig {
  /** Unacked data frames the sender may have outstanding (1..32). */
  windowFrames: number;
  /** Unacked payload bytes the sender may have outstanding; also the receiver's reorder-buffer limit. */
  windowBytes: number;
  /** Largest payload of one data frame; bigger messages are segmented. */
  segmentBytes: number;
  /** Largest application message; bigger is refused on send and a reset on receive. */
  maxMessageBytes: number;
  /** Most segments a received message may be cut into; more is a reset. */
  maxMessageSegments: number;
  rto: RtoConfig;
  /** A frame is fast-retransmitted once this many frames sent after it are selectively acked. */
  fastRetransmitThreshold: number;
  /**
   * With a measured RTT (adaptive mode only): a frame is also lost once a
   * frame transmitted after it is acked and its own ack is overdue (plus
   * `srtt / 4` once the path has shown reordering), and a stalled window
   * resends its newest unacked frame after two smoothed round trips instead
   * of waiting for the RTO.
   */
  timeLossDetection: boolean;
  /** How long a standalone ack may wait for a data frame to ride on. */
  ackDelayMs: number;
  /** After this many data frames received, the ack is due at once (by the next `tick`). */
  ackEveryFrames: number;
  /** After this many payload bytes received, the ack is due at once (by the next `tick`). */
  ackEveryBytes: number;
  /** An idle stream sends a heartbeat after this long without sending anything. */
  heartbeatMs: number;
  /** After this many heartbeat intervals without hearing the peer the stream is suspended. */
  silentIntervals: number;
  /** Reaching this seq resets the stream with `seq_exhausted` (2^32−1 on the wire; lower only for tests). */
  seqLimit: number;
  /** A secure stream whose handshake has not completed by then is reset (`handshake_timeout`). */
  handshakeTimeoutMs: number;
}

export const DEFAULT_STREAM_CONFIG: Readonly<StreamConfig> = {
  windowFrames: ACK_WINDOW,
  windowBytes: 2 * 1024 * 1024,
  segmentBytes: MAX_FRAME_PAYLOAD_BYTES,
  maxMessageBytes: 64 * 1024 * 1024,
  maxMessageSegments: 16_384,
  rto: { mode: 'adaptive', initialMs: 1000, minMs: 20, maxMs: 30_000 },
  fastRetransmitThreshold: 3,
  timeLossDetection: true,
  ackDelayMs: 5,
  // A few acks per window: a quarter of it in frames or in bytes, whichever comes first.
  ackEveryFrames: 8,
  ackEveryBytes: 512 * 1024,
  heartbeatMs: 15_000,
  silentIntervals: 3,
  seqLimit: 0xffffffff,
  handshakeTimeoutMs: 30_000,
};

/**
 * Data payload budget of a secure stream: one record (≤ 61,440 bytes of
 * plaintext + 16 of tag) must travel as one data frame, so records are
 * never segmented and a larger message is refused.
 */
export const SECURE_PAYLOAD_BYTES = 64 * 1024;

/** The config of a secure stream's records, from the mux's own. */
export function secureStreamConfig(config: StreamConfig): StreamConfig {
  return { ...config, segmentBytes: SECURE_PAYLOAD_BYTES, maxMessageBytes: SECURE_PAYLOAD_BYTES };
}

/** The fixed-interval retransmission mode that matches upstream. */
export const FIXED_500MS_RTO: RtoConfig = { mode: 'fixed', ms: 500 };

function positiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/** Fills in defaults and rejects settings the protocol cannot honour. */
export function resolveStreamConfig(overrides: Partial<StreamConfig> = {}): StreamConfig {
  const config: StreamConfig = { ...DEFAULT_STREAM_CONFIG, ...overrides };
  positiveInt('windowFrames', config.windowFrames);
  if (config.windowFrames > ACK_WINDOW) {
    throw new RangeError(`windowFrames must be at most ${ACK_WINDOW}, got ${config.windowFrames}`);
  }
  positiveInt('windowBytes', config.windowBytes);
  positiveInt('segmentBytes', config.segmentBytes);
  if (config.segmentBytes > config.windowBytes) {
    throw new RangeError('segmentBytes must not exceed windowBytes');
  }
  positiveInt('maxMessageBytes', config.maxMessageBytes);
  positiveInt('maxMessageSegments', config.maxMessageSegments);
  positiveInt('fastRetransmitThreshold', config.fastRetransmitThreshold);
  positiveInt('ackEveryFrames', config.ackEveryFrames);
  positiveInt('ackEveryBytes', config.ackEveryBytes);
  positiveInt('heartbeatMs', config.heartbeatMs);
  positiveInt('silentIntervals', config.silentIntervals);
  positiveInt('handshakeTimeoutMs', config.handshakeTimeoutMs);
  if (!(config.ackDelayMs >= 0)) throw new RangeError('ackDelayMs must not be negative');
  if (!Number.isInteger(config.seqLimit) || config.seqLimit < 2 || config.seqLimit > 0xffffffff) {
    throw new RangeError('seqLimit must be an integer in 2..2^32-1');
  }
  const rto = config.rto;
  if (rto.mode === 'fixed') {
    positiveInt('rto.ms', rto.ms);
  } else {
    positiveInt('rto.minMs', rto.minMs);
    if (rto.maxMs < rto.minMs) throw new RangeError('rto.maxMs must not be below rto.minMs');
    if (rto.initialMs < rto.minMs || rto.initialMs > rto.maxMs) {
      throw new RangeError('rto.initialMs must lie within rto.minMs..rto.maxMs');
    }
  }
  return config;
}
