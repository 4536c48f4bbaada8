/** Whether the rendezvous can reach this endpoint, and since when it can (or since when it could not). */
export interface Reachability {
  reachable: boolean;
  /** Reachable: when the current contact began. Unreachable: the last time it heard from the rendezvous. */
  since: number;
}

/**
 * What an endpoint knows of its contact with the rendezvous: it is
 * reachable while its socket is open and it heard from the rendezvous (a
 * pong or a frame) within `staleMs`. A half-open socket thus stops counting
 * before its pong deadline; a socket that opens counts from the first thing
 * heard through it, which, like hearing again after a silence, starts a new
 * contact. Listeners hear when a socket opens or closes and when contact
 * begins again.
 */
export class RendezvousContact {
  readonly #staleMs: number;
  readonly #listeners = new Set<() => void>();
  #open = false;
  /** A socket opened and nothing came through it yet. */
  #awaitingContact = false;
  #heardAt: number;
  #since: number;

  constructor(staleMs: number, now: number) {
    this.#staleMs = staleMs;
    this.#heardAt = now;
    this.#since = now;
  }

  opened(): void {
    this.#open = true;
    this.#awaitingContact = true;
    this.#notify();
  }

  heard(now: number): void {
    const resumed = this.#awaitingContact || now - this.#heardAt > this.#staleMs;
    this.#awaitingContact = false;
    if (resumed) this.#since = now;
    this.#heardAt = now;
    if (resumed) this.#notify();
  }

  closed(): void {
    this.#open = false;
    this.#notify();
  }

  state(now: number): Reachability {
    return this.#open && !this.#awaitingContact && now - this.#heardAt <= this.#staleMs
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
