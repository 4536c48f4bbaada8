import type { Claim, RelayStore } from './store.ts';

/** What a new claim says: who owns the stream, the socket it is bound to, the executor it was opened against. */
export type NewClaim = Pick<Claim, 'owner' | 'socketKey' | 'instance'>;

/**
 * Which harness identity owns each stream_id and which of its sockets the
 * stream is bound to. Kept in memory for the hot path and written through to
 * storage, so it is rebuilt exactly after hibernation or eviction. A claim
 * the executor never answered, or whose socket stayed closed, expires
 * after the claim timeout (the object's alarm sweeps them).
 */
export class StreamClaims {
  readonly #store: RelayStore;
  readonly #claims: Map<string, Claim>;
  readonly #perSocket = new Map<string, number>();

  constructor(store: RelayStore) {
    this.#store = store;
    this.#claims = store.loadClaims();
    for (const claim of this.#claims.values()) this.#bump(claim.socketKey, 1);
  }

  get size(): number {
    return this.#claims.size;
  }

  get(streamId: string): Claim | undefined {
    return this.#claims.get(streamId);
  }

  /** Every harness socket some claim is bound to. */
  socketKeys(): string[] {
    return [...this.#perSocket.keys()];
  }

  countForSocket(socketKey: string): number {
    return this.#perSocket.get(socketKey) ?? 0;
  }

  add(streamId: string, claim: NewClaim, now: number): void {
    this.#put(streamId, { ...claim, claimedAt: now, answered: false, detachedAt: null });
  }

  rebind(streamId: string, socketKey: string): void {
    const claim = this.#claims.get(streamId);
    if (claim !== undefined) this.#put(streamId, { ...claim, socketKey, detachedAt: null });
  }

  /** The executor sent a frame on the stream: it will not expire unanswered. */
  answered(streamId: string): void {
    const claim = this.#claims.get(streamId);
    if (claim !== undefined && !claim.answered) this.#put(streamId, { ...claim, answered: true });
  }

  /** The socket is gone: its claims wait for their owner's reconnect until the timeout; false if it had none. */
  detachSocket(socketKey: string, now: number): boolean {
    if (this.countForSocket(socketKey) === 0) return false;
    for (const claim of this.#claims.values()) {
      if (claim.socketKey === socketKey && claim.detachedAt === null) claim.detachedAt = now;
    }
    this.#store.detachSocket(socketKey, now);
    return true;
  }

  release(streamId: string): void {
    const claim = this.#claims.get(streamId);
    if (claim === undefined) return;
    this.#claims.delete(streamId);
    this.#bump(claim.socketKey, -1);
    this.#store.deleteClaim(streamId);
  }

  /** Releases every claim `predicate` selects and returns them. */
  releaseWhere(predicate: (claim: Claim) => boolean): [string, Claim][] {
    const released = [...this.#claims].filter(([, claim]) => predicate(claim));
    for (const [streamId] of released) this.release(streamId);
    return released;
  }

  /** Rewrites the executor instance of every claim `predicate` selects. */
  setInstanceWhere(predicate: (claim: Claim) => boolean, instance: string): void {
    for (const [streamId, claim] of [...this.#claims]) {
      if (predicate(claim)) this.#put(streamId, { ...claim, instance });
    }
  }

  /** When `claim` expires with `timeoutMs`, if it can. */
  static expiresAt(claim: Claim, timeoutMs: number): number | undefined {
    if (claim.detachedAt !== null) return claim.detachedAt + timeoutMs;
    return claim.answered ? undefined : claim.claimedAt + timeoutMs;
  }

  /** The earliest time a claim expires, if one can. */
  nextExpiry(timeoutMs: number): number | undefined {
    let next: number | undefined;
    for (const claim of this.#claims.values()) {
      const at = StreamClaims.expiresAt(claim, timeoutMs);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  #put(streamId: string, claim: Claim): void {
    const previous = this.#claims.get(streamId);
    if (previous !== undefined) this.#bump(previous.socketKey, -1);
    this.#claims.set(streamId, claim);
    this.#bump(claim.socketKey, 1);
    this.#store.putClaim(streamId, claim);
  }

  #bump(socketKey: string, delta: number): void {
    const next = (this.#perSocket.get(socketKey) ?? 0) + delta;
    if (next === 0) this.#perSocket.delete(socketKey);
    else this.#perSocket.set(socketKey, next);
  }
}
