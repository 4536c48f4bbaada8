import type { RelayFrameBody } from '../../proto/codec/index.ts';
import { ResetReason } from '../../proto/reset-reasons.ts';
import { ACK_WINDOW, type StreamConfig } from '../core/config.ts';
import { LegacyStream } from '../core/legacy-stream.ts';
import type { ReassemblyBudget } from '../core/reassembly-budget.ts';
import { ReliableStream } from '../core/reliable-stream.ts';
import type { StreamCore, StreamKind } from '../core/stream-core.ts';

/** What the accepting side does with the first frame it sees for a stream id it does not know. */
export type Opening =
  | { open: StreamKind }
  /** Nothing to open and nothing to answer. */
  | { ignore: true }
  /** Answered with `reset{reason}`; nothing opens. */
  | { refuse: string };

/**
 * The kind of stream an opening frame asks for (DESIGN.md §3): data with seq
 * 0 (one whole message) is upstream's legacy relay; data with seq 1..32 or
 * `resume{next_seq: 1}` a reliable stream; `resume{next_seq: 0}` is how
 * upstream's legacy and secure harnesses claim a stream at the rendezvous
 * before their first frame, so it opens nothing; a handshake asks for the
 * secure relay, which this endpoint does not run.
 */
export function classifyOpening(body: RelayFrameBody): Opening {
  switch (body.case) {
    case 'data': {
      const { seq, segmentCount } = body.value;
      if (seq === 0) return segmentCount === 1 ? { open: 'legacy' } : { refuse: ResetReason.UnknownStream };
      return seq <= ACK_WINDOW ? { open: 'reliable' } : { refuse: ResetReason.UnknownStream };
    }
    case 'resume':
      if (body.value.nextSeq === 0) return { ignore: true };
      return body.value.nextSeq === 1 ? { open: 'reliable' } : { refuse: ResetReason.UnknownStream };
    case 'handshake':
      return { refuse: ResetReason.SecureModeNotEnabled };
    case 'reset':
      return { ignore: true };
    case 'ackFrame':
    case 'heartbeat':
      return { refuse: ResetReason.UnknownStream };
  }
}

export interface NewStream {
  streamId: string;
  config: StreamConfig;
  now: number;
  linkUp: boolean;
  /** Opened by the peer's frame (accepting side) rather than by this side. */
  accepted: boolean;
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
  }
}
