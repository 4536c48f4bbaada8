/**
 * The relay frame as the rest of relaykit sees it: a plain object mirroring
 * `codex.exec_server.relay.v1.RelayMessageFrame` (see relay.proto), without
 * protobuf-es's `$typeName` bookkeeping so it can be built with literals.
 */

export const RELAY_FRAME_VERSION = 1;

/** Limits that DESIGN.md §2 puts on every inbound frame. */
export const MAX_STREAM_ID_BYTES = 128;
export const MAX_RESET_REASON_BYTES = 256;

/** The largest encoded frame: the rendezvous closes a socket that sends a larger one. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** The largest payload one data frame carries: its header, the longest stream id included, fits in the rest. */
export const MAX_FRAME_PAYLOAD_BYTES = MAX_FRAME_BYTES - 1024;

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
  | { case: 'heartbeat'; value: Record<string, never> }
  | { case: 'handshake'; value: { payload: Uint8Array } };

export type RelayFrameKind = RelayFrameBody['case'];

export interface RelayFrame {
  version: number;
  streamId: string;
  /**
   * relaykit's extension field 100: the harness identity that owns the
   * stream, added by relaykit's rendezvous to what it forwards to the
   * executor (owner.ts); never encoded by an endpoint.
   */
  owner?: string;
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
  handshake: 10,
};

export const BODY_KIND_BY_FIELD: Readonly<Record<number, RelayFrameKind>> = {
  5: 'data',
  6: 'ackFrame',
  7: 'resume',
  8: 'reset',
  9: 'heartbeat',
  10: 'handshake',
};

/**
 * Header fields relaykit reads past without keeping (`optional string
 * traceparent = 11; tracestate = 12;`, W3C trace context).
 */
export const SKIPPED_HEADER_FIELDS: ReadonlySet<number> = new Set([11, 12]);

/** relaykit's extension `string owner = 100;`, far above upstream's field numbers. */
export const OWNER_FIELD = 100;
