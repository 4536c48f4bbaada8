/**
 * Who owns each stream the peer opened, as the rendezvous names it (the
 * opening frame's field 100), and how many live streams each owner has:
 * one owner is kept to its share, and a frame naming another owner than
 * its stream's is not that stream's.
 */
export class StreamOwners {
  readonly #perOwnerLimit: number;
  readonly #ownerOf = new Map<string, string>();
  readonly #counts = new Map<string, number>();

  constructor(perOwnerLimit: number) {
    this.#perOwnerLimit = perOwnerLimit;
  }

  /** Whether `owner` has no room for another stream (a stream without an owner always has). */
  full(owner: string | undefined): boolean {
    return owner !== undefined && (this.#counts.get(owner) ?? 0) >= this.#perOwnerLimit;
  }

  claim(streamId: string, owner: string | undefined): void {
    if (owner === undefined) return;
    this.#ownerOf.set(streamId, owner);
    this.#counts.set(owner, (this.#counts.get(owner) ?? 0) + 1);
  }

  /** Whether a frame naming `owner` (or none) may reach stream `streamId`. */
  admits(streamId: string, owner: string | undefined): boolean {
    const streamOwner = this.#ownerOf.get(streamId);
    return owner === undefined || streamOwner === undefined || owner === streamOwner;
  }

  release(streamId: string): void {
    const owner = this.#ownerOf.get(streamId);
    if (owner === undefined) return;
    this.#ownerOf.delete(streamId);
    const left = (this.#counts.get(owner) ?? 1) - 1;
    if (left === 0) this.#counts.delete(owner);
    else this.#counts.set(owner, left);
  }
}
