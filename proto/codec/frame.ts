/**
 * The relay frame as the rest of relaykit sees it: a plain object mirroring
 * `codex.exec_server.relay.v1.RelayMessageFrame` (see relay.proto), without
 * protobuf-es's `$typeName` bookkeeping so it can be built with literals.
 */

export const RELAY_FRAME_VERSION = 1;

/** Limits that DESIGN.md §2 puts on every inbound frame. */
export const MAX_STREAM_ID_BYTES = 128;
export const MAX_RESET_REASON_BYTES = 256;

export interface RelayDataBody {
  seq: number;
  segmentIndex: number;
  segmentCount: number;
  payload: Uint8Array;
}

export type RelayFrameBody =
  | { case: 'data'; value: RelayDataBody }
  | { case: 'ackFrame'; value: Record<string, never> }
  | { case: 'resume'; value: { nextSeq: number } }
  | { case: 'reset'; value: { reason: string } }
  | { case: 'heartbeat'; value: Record<string, never> };

export type RelayFrameKind = RelayFrameBody['case'];

export interface RelayFrame {
  version: number;
  streamId: string;
  /** Highest seq received contiguously (0 = nothing yet). */
  ack: number;
  /** Bit i acknowledges seq `ack + 1 + i`; bit 0 is always 0. */
  ackBits: number;
  body: RelayFrameBody;
}

/** The oneof field number of each body kind, as on the wire. */
export const BODY_FIELD_NUMBER: Readonly<Record<RelayFrameKind, number>> = {
  data: 5,
  ackFrame: 6,
  resume: 7,
  reset: 8,
  heartbeat: 9,
};

export const BODY_KIND_BY_FIELD: Readonly<Record<number, RelayFrameKind>> = {
  5: 'data',
  6: 'ackFrame',
  7: 'resume',
  8: 'reset',
  9: 'heartbeat',
};
