/**
 * A seeded, in-memory, one-way frame link with fake time, for driving the
 * pure endpoint core through loss, duplication, reordering, delay,
 * corruption and blackholes deterministically.
 */

/** mulberry32: small, fast, good enough for fault schedules. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

export interface LinkFaults {
  /** Probability each frame is lost. */
  loss?: number;
  /** Probability each frame arrives twice. */
  duplicate?: number;
  /** Probability a frame is held back long enough to arrive after later ones. */
  reorder?: number;
  /** Base one-way delay in ms. */
  delayMs?: number;
  /** Extra uniform delay in [0, jitterMs]. */
  jitterMs?: number;
  /** Probability a frame is cut short (a damaged frame no decoder accepts). */
  corrupt?: number;
}

interface InFlight {
  at: number;
  order: number;
  bytes: Uint8Array;
}

export interface LinkCounters {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  blackholed: number;
}

export class SimLink {
  faults: LinkFaults;
  readonly #rng: Rng;
  #queue: InFlight[] = [];
  #order = 0;
  #blackholeUntil = Number.NEGATIVE_INFINITY;
  #lastInOrderAt = Number.NEGATIVE_INFINITY;
  readonly counters: LinkCounters = {
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    blackholed: 0,
  };

  constructor(rng: Rng, faults: LinkFaults = {}) {
    this.#rng = rng;
    this.faults = faults;
  }

  send(bytes: Uint8Array, now: number): void {
    this.counters.sent += 1;
    if (now < this.#blackholeUntil) {
      this.counters.blackholed += 1;
      return;
    }
    const f = this.faults;
    if (this.#rng.chance(f.loss ?? 0)) {
      this.counters.lost += 1;
      return;
    }
    let payload = bytes;
    if (this.#rng.chance(f.corrupt ?? 0) && bytes.length > 1) {
      payload = bytes.slice(0, this.#rng.int(0, bytes.length - 1));
      this.counters.corrupted += 1;
    }
    this.#schedule(payload, now);
    if (this.#rng.chance(f.duplicate ?? 0)) {
      this.counters.duplicated += 1;
      this.#schedule(payload, now);
    }
  }

  /** Drops everything in flight and everything sent before `until`. */
  blackhole(until: number): void {
    this.counters.blackholed += this.#queue.length;
    this.#queue = [];
    this.#blackholeUntil = Math.max(this.#blackholeUntil, until);
  }

  /** Loses every frame in flight (a socket cut). */
  cut(): void {
    this.counters.lost += this.#queue.length;
    this.#queue = [];
  }

  nextDelivery(): number | undefined {
    let next: number | undefined;
    for (const item of this.#queue) if (next === undefined || item.at < next) next = item.at;
    return next;
  }

  /** Frames due at `now`, in arrival order. */
  take(now: number): Uint8Array[] {
    const due = this.#queue.filter((item) => item.at <= now).sort((x, y) => x.at - y.at || x.order - y.order);
    if (due.length === 0) return [];
    this.#queue = this.#queue.filter((item) => item.at > now);
    this.counters.delivered += due.length;
    return due.map((item) => item.bytes);
  }

  #schedule(bytes: Uint8Array, now: number): void {
    const f = this.faults;
    const base = f.delayMs ?? 10;
    let at = now + base + (f.jitterMs ? this.#rng.next() * f.jitterMs : 0);
    if (this.#rng.chance(f.reorder ?? 0)) {
      at += base + this.#rng.next() * 3 * Math.max(base, 1);
    } else {
      // Jitter alone keeps a path's order, as on a real link; only `reorder` overtakes.
      at = Math.max(at, this.#lastInOrderAt);
      this.#lastInOrderAt = at;
    }
    this.#queue.push({ at, order: this.#order++, bytes });
  }
}
