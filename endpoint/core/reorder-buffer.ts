import type { RelayDataBody } from '../../proto/codec/index.ts';
import type { ReassemblyBudget } from './reassembly-budget.ts';

/**
 * Data frames received past a hole, held until the hole fills and they can be
 * delivered in order. Their payload bytes are bounded by the send window's
 * byte limit (DESIGN.md §3; a peer that sends more broke the protocol) and
 * count against the budget shared with other streams.
 */
export class ReorderBuffer {
  readonly #limitBytes: number;
  readonly #budget: ReassemblyBudget;
  readonly #frames = new Map<number, RelayDataBody>();
  #bytes = 0;

  constructor(limitBytes: number, budget: ReassemblyBudget) {
    this.#limitBytes = limitBytes;
    this.#budget = budget;
  }

  /** Payload bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Holds a frame; the reason it cannot (past the window, or the shared budget), holding nothing. */
  hold(seq: number, data: RelayDataBody): 'receive_buffer_overflow' | 'reassembly_limit' | undefined {
    if (this.#bytes + data.payload.length > this.#limitBytes) return 'receive_buffer_overflow';
    if (!this.#budget.hold(data.payload.length)) return 'reassembly_limit';
    this.#bytes += data.payload.length;
    this.#frames.set(seq, data);
    return undefined;
  }

  /** Removes and returns the frame held for `seq`, if any. */
  take(seq: number): RelayDataBody | undefined {
    const data = this.#frames.get(seq);
    if (data === undefined) return undefined;
    this.#frames.delete(seq);
    this.#bytes -= data.payload.length;
    this.#budget.letGo(data.payload.length);
    return data;
  }

  /** Forgets every frame (after a reset). */
  clear(): void {
    this.#budget.letGo(this.#bytes, this.#frames.size);
    this.#frames.clear();
    this.#bytes = 0;
  }
}
