import type { RendezvousTarget } from '../registry/index.ts';

/**
 * Handshakes this process runs at once with one executor; the others wait
 * their turn. An executor refuses handshakes beyond 32 validations in
 * flight, counted over every harness: a burst of new sessions must not run
 * into that limit.
 */
const HANDSHAKES_AT_ONCE = 16;

/** Handshake turns per executor (registry URL and id), shared by every socket of this process. */
export class HandshakeTurns {
  static readonly #byExecutor = new Map<string, HandshakeTurns>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  static of(target: RendezvousTarget): HandshakeTurns {
    const key = `${target.registryUrl} ${target.executorId}`;
    let turns = HandshakeTurns.#byExecutor.get(key);
    if (turns === undefined) {
      turns = new HandshakeTurns();
      HandshakeTurns.#byExecutor.set(key, turns);
    }
    return turns;
  }

  /** Resolves once fewer than HANDSHAKES_AT_ONCE handshakes run. */
  async take(): Promise<void> {
    if (this.#running < HANDSHAKES_AT_ONCE) {
      this.#running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Hands a finished handshake's turn to the next one waiting. */
  give(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running -= 1;
    else next();
  }
}
