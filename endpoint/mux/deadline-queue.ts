/**
 * The next deadline of each stream, earliest first: a binary min-heap with
 * lazy removal (an entry whose stream has since been given another
 * deadline, or none, is dropped when it reaches the top), so setting a
 * deadline costs O(log n) and the earliest is found without visiting every
 * stream. Stale entries are compacted away once they outnumber the live.
 */
export class DeadlineQueue {
  readonly #current = new Map<string, number>();
  #heap: { at: number; id: string }[] = [];

  /** `id`'s deadline from now on (undefined: none). */
  set(id: string, at: number | undefined): void {
    if (at === undefined) {
      this.#current.delete(id);
      return;
    }
    if (this.#current.get(id) === at) return;
    this.#current.set(id, at);
    this.#push({ at, id });
    if (this.#heap.length > 2 * this.#current.size + 64) this.#compact();
  }

  /** The earliest deadline, if any. */
  peek(): number | undefined {
    this.#dropStale();
    return this.#heap[0]?.at;
  }

  /** Removes and returns the streams whose deadline is at or before `now`. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.at > now) return due;
      this.#pop();
      this.#current.delete(top.id);
      due.push(top.id);
    }
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#current.get(top.id) === top.at) return;
      this.#pop();
    }
  }

  #compact(): void {
    const live = [...this.#current].map(([id, at]) => ({ at, id }));
    this.#heap = [];
    for (const entry of live) this.#push(entry);
  }

  #push(entry: { at: number; id: string }): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as { at: number; id: string };
      if (p.at <= entry.at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const l = heap[left] as { at: number; id: string };
      const r = heap[right];
      const child = r !== undefined && r.at < l.at ? right : left;
      const c = heap[child] as { at: number; id: string };
      if (c.at >= last.at) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}
