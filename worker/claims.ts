import type { Claim, RelayStore } from './store.ts';

/**
 * Which harness identity owns each stream_id and which of its sockets the
 * stream is bound to. Kept in memory for the hot path and written through to
 * storage, so it is rebuilt exactly after hibernation or eviction.
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

  countForSocket(socketKey: string): number {
    return this.#perSocket.get(socketKey) ?? 0;
  }

  add(streamId: string, claim: Claim): void {
    this.release(streamId);
    this.#claims.set(streamId, claim);
    this.#bump(claim.socketKey, 1);
    this.#store.putClaim(streamId, claim);
  }

  rebind(streamId: string, socketKey: string): void {
    const claim = this.#claims.get(streamId);
    if (claim === undefined) return;
    this.add(streamId, { ...claim, socketKey });
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
      if (predicate(claim)) this.add(streamId, { ...claim, instance });
    }
  }

  #bump(socketKey: string, delta: number): void {
    const next = (this.#perSocket.get(socketKey) ?? 0) + delta;
    if (next === 0) this.#perSocket.delete(socketKey);
    else this.#perSocket.set(socketKey, next);
  }
}
