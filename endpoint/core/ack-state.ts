import { ACK_WINDOW } from './config.ts';

export type SeqClass = 'new' | 'duplicate' | 'beyond_window';

/**
 * The receive side's ack state (DESIGN.md §3): `ack` is the highest seq
 * received contiguously, bit i of `bits` marks seq `ack + 1 + i` as received.
 * Bit 0 is always 0: if `ack + 1` had arrived, `ack` would have advanced.
 */
export class AckState {
  ack = 0;
  bits = 0;

  has(seq: number): boolean {
    if (seq <= this.ack) return true;
    const offset = seq - this.ack - 1;
    return offset < ACK_WINDOW && ((this.bits >>> offset) & 1) === 1;
  }

  classify(seq: number): SeqClass {
    if (this.has(seq)) return 'duplicate';
    return seq < this.ack + 1 + ACK_WINDOW ? 'new' : 'beyond_window';
  }

  /** Highest seq received at all (0 when nothing). */
  highest(): number {
    return this.bits === 0 ? this.ack : this.ack + 1 + (31 - Math.clz32(this.bits));
  }

  /** Marks a seq that `classify` called new; returns the new cumulative ack. */
  record(seq: number): number {
    const offset = seq - this.ack - 1;
    this.bits = (this.bits | (1 << offset)) >>> 0;
    while ((this.bits & 1) === 1) {
      this.ack += 1;
      this.bits >>>= 1;
    }
    return this.ack;
  }
}
