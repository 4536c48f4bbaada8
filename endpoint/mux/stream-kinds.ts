import type { RelayFrameBody } from '../../proto/codec/index.ts';
import { ResetReason } from '../../proto/reset-reasons.ts';
import { ACK_WINDOW, type StreamConfig, secureStreamConfig } from '../core/config.ts';
import { LegacyStream } from '../core/legacy-stream.ts';
import type { ReassemblyBudget } from '../core/reassembly-budget.ts';
import { ReliableStream } from '../core/reliable-stream.ts';
import { SecureStream } from '../core/secure-stream.ts';
import type { SecureGeneration, StreamCore, StreamKind } from '../core/stream-core.ts';

/**
 * What an accepting side serves: `cleartext` opens reliable and legacy
 * streams and refuses handshakes; `secure` opens only secure streams and
 * refuses cleartext ones, so nobody between the endpoints can start a
 * session the executor would run.
 */
export type AcceptedSecurity = 'cleartext' | 'secure';

/** What the accepting side does with the first frame it sees for a stream id it does not know. */
export type Opening =
  | { open: StreamKind }
  /** Nothing to open and nothing to answer. */
  | { ignore: true }
  /** Answered with `reset{reason}`; nothing opens. */
  | { refuse: string };

/** The cleartext kind a data or resume frame asks for, if any. */
function cleartextKind(body: RelayFrameBody): StreamKind | undefined {
  if (body.case === 'data') {
    const { seq, segmentCount } = body.value;
    if (seq === 0) return segmentCount === 1 ? 'legacy' : undefined;
    return seq <= ACK_WINDOW ? 'reliable' : undefined;
  }
  if (body.case === 'resume' && body.value.nextSeq === 1) return 'reliable';
  return undefined;
}

/**
 * The kind of stream an opening frame asks for (DESIGN.md §3): data with seq
 * 0 (one whole message) is upstream's legacy relay; data with seq 1..32 or
 * `resume{next_seq: 1}` a reliable stream; a handshake the secure relay;
 * `resume{next_seq: 0}` is how upstream's legacy and secure harnesses claim
 * a stream at the rendezvous before their first frame, so it opens nothing.
 * What `security` does not serve is refused.
 */
export function classifyOpening(body: RelayFrameBody, security: AcceptedSecurity): Opening {
  if (body.case === 'reset') return { ignore: true };
  if (body.case === 'resume' && body.value.nextSeq === 0) return { ignore: true };
  const secure = security === 'secure';
  if (body.case === 'handshake') {
    return secure ? { open: 'secure' } : { refuse: ResetReason.SecureModeNotEnabled };
  }
  const kind = cleartextKind(body);
  if (kind !== undefined) return secure ? { refuse: ResetReason.SecureModeRequired } : { open: kind };
  return { refuse: secure ? ResetReason.SecureRelayProtocolError : ResetReason.UnknownStream };
}

export interface NewStream {
  streamId: string;
  config: StreamConfig;
  now: number;
  linkUp: boolean;
  /** Opened by the peer's frame (accepting side) rather than by this side. */
  accepted: boolean;
  /** Opening a secure stream: the generation of its records (default reliable). */
  generation?: SecureGeneration;
  /** Shared by every stream of the mux. */
  budget: ReassemblyBudget;
}

/** A new stream of `kind`. */
export function createStream(kind: StreamKind, stream: NewStream): StreamCore {
  switch (kind) {
    case 'reliable':
      return new ReliableStream(stream.streamId, stream.config, stream.now, {
        linkUp: stream.linkUp,
        heardFromPeer: stream.accepted,
        budget: stream.budget,
      });
    case 'legacy':
      return new LegacyStream(stream.streamId, {
        linkUp: stream.linkUp,
        accepted: stream.accepted,
        budget: stream.budget,
      });
    case 'secure':
      return new SecureStream(stream.streamId, secureStreamConfig(stream.config), stream.now, {
        linkUp: stream.linkUp,
        accepted: stream.accepted,
        budget: stream.budget,
        ...(stream.generation && { generation: stream.generation }),
      });
  }
}
