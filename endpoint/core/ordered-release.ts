import type { ReassemblyBudget } from './reassembly-budget.ts';

/**
 * In-order release for upstream main's secure generation, whose records
 * carry seq 0, 1, 2… with no acks and no resends, as its
 * `ordered_ciphertext.rs` does: a frame ahead of the next seq waits (at most
 * 64 ahead, at most 1 MiB waiting, and within the budget shared with other
 * streams), a seq already released or already waiting is dropped (the first
 * copy wins).
 */
const MAX_REORDER_DISTANCE = 64;
const MAX_PENDING_BYTES = 1024 * 1024;

export type ReleaseResult = { ok: true; released: Uint8Array[] } | { ok: false; code: string };

export class OrderedRelease {
  readonly #budget: ReassemblyBudget;
  #next = 0;
  readonly #pending = new Map<number, Uint8Array>();
  #pendingBytes = 0;

  constructor(budget: ReassemblyBudget) {
    this.#budget = budget;
  }

  push(seq: number, payload: Uint8Array): ReleaseResult {
    if (seq < this.#next || this.#pending.has(seq)) return { ok: true, released: [] };
    if (seq > this.#next) {
      if (seq - this.#next > MAX_REORDER_DISTANCE) return { ok: false, code: 'seq_beyond_window' };
      if (this.#pendingBytes > MAX_PENDING_BYTES) return { ok: false, code: 'receive_buffer_overflow' };
      if (!this.#budget.hold(payload.length)) return { ok: false, code: 'reassembly_limit' };
      this.#pending.set(seq, payload);
      this.#pendingBytes += payload.length;
      return { ok: true, released: [] };
    }
    const released = [payload];
    this.#next += 1;
    for (let held = this.#pending.get(this.#next); held !== undefined; held = this.#pending.get(this.#next)) {
      this.#pending.delete(this.#next);
      this.#pendingBytes -= held.length;
      this.#budget.letGo(held.length);
      released.push(held);
      this.#next += 1;
    }
    return { ok: true, released };
  }

  clear(): void {
    this.#budget.letGo(this.#pendingBytes, this.#pending.size);
    this.#pending.clear();
    this.#pendingBytes = 0;
  }
}
