/** Whether the rendezvous can reach this endpoint, and since when it can (or since when it could not). */
export interface Reachability {
  reachable: boolean;
  /** Reachable: when the current contact began. Unreachable: the last time it heard from the rendezvous. */
  since: number;
}

/**
 * What an endpoint knows of its contact with the rendezvous: it is
 * reachable while its socket is open and it heard from the rendezvous (the
 * upgrade's answer, a pong or a frame) within `staleMs`. A half-open socket
 * thus stops counting before its pong deadline; a socket that opens, and
 * hearing again after a silence, start a new contact. Listeners hear when a
 * socket opens or closes and when contact begins again.
 */
export class RendezvousContact {
  readonly #staleMs: number;
  readonly #listeners = new Set<() => void>();
  #open = false;
  #heardAt: number;
  #since: number;

  constructor(staleMs: number, now: number) {
    this.#staleMs = staleMs;
    this.#heardAt = now;
    this.#since = now;
  }

  /** A socket opened at `now`: the rendezvous answered its upgrade, a new contact. */
  opened(now: number): void {
    this.#open = true;
    this.#heardAt = now;
    this.#since = now;
    this.#notify();
  }

  heard(now: number): void {
    const resumed = now - this.#heardAt > this.#staleMs;
    if (resumed) this.#since = now;
    this.#heardAt = now;
    if (resumed) this.#notify();
  }

  closed(): void {
    this.#open = false;
    this.#notify();
  }

  state(now: number): Reachability {
    return this.#open && now - this.#heardAt <= this.#staleMs
      ? { reachable: true, since: this.#since }
      : { reachable: false, since: this.#heardAt };
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
