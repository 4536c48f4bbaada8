import { type Clock, type Reachability, systemClock } from '../endpoint/index.ts';

/** How long a session waits for its harness (DESIGN.md §5). */
export interface ExpiryRules {
  /** Counted from the last moment a harness could have reached the session. */
  sessionTtlMs: number;
  /** While the executor cannot reach the rendezvous: counted from when it last heard from it. */
  outageAllowanceMs: number;
}

/** Whether harnesses can reach this executor now, and when that changes (its relay endpoint, in remote mode). */
export interface ReachabilitySource {
  reachability(): Reachability;
  onReachability(listener: () => void): () => void;
}

/** Local mode: harnesses connect to the executor itself, which is always there. */
const ALWAYS_REACHABLE: ReachabilitySource = {
  reachability: () => ({ reachable: true, since: Number.NEGATIVE_INFINITY }),
  onReachability: () => () => {},
};

/**
 * When a wait that began at `from` ends: the TTL from `from` or from when
 * harnesses could reach the executor again, whichever is later; while they
 * cannot, not before the outage allowance has passed since the executor
 * last heard from the rendezvous.
 */
export function expiresAt(from: number, rules: ExpiryRules, reach: Reachability): number {
  return reach.reachable
    ? Math.max(from, reach.since) + rules.sessionTtlMs
    : Math.max(from + rules.sessionTtlMs, reach.since + rules.outageAllowanceMs);
}

interface Wait {
  from: number;
  onExpire: () => void;
  cancelTimer: () => void;
}

/** Waits of sessions for their harness, each re-armed whenever reachability changes. */
export class ExpiryClock {
  readonly rules: ExpiryRules;
  readonly #source: ReachabilitySource;
  readonly #clock: Clock;
  readonly #waits = new Set<Wait>();
  readonly #stopListening: () => void;

  constructor(rules: ExpiryRules, source: ReachabilitySource = ALWAYS_REACHABLE, clock: Clock = systemClock) {
    this.rules = rules;
    this.#source = source;
    this.#clock = clock;
    this.#stopListening = source.onReachability(() => {
      for (const wait of this.#waits) this.#arm(wait);
    });
  }

  /** Calls `onExpire` once a wait that begins now is over; returns its cancel. */
  start(onExpire: () => void): () => void {
    const wait: Wait = { from: this.#clock.now(), onExpire, cancelTimer: () => {} };
    this.#waits.add(wait);
    this.#arm(wait);
    return () => {
      wait.cancelTimer();
      this.#waits.delete(wait);
    };
  }

  /** Cancels every wait and stops following reachability (shutdown). */
  stop(): void {
    for (const wait of this.#waits) wait.cancelTimer();
    this.#waits.clear();
    this.#stopListening();
  }

  #arm(wait: Wait): void {
    wait.cancelTimer();
    const delay = expiresAt(wait.from, this.rules, this.#source.reachability()) - this.#clock.now();
    if (delay > 0) {
      wait.cancelTimer = this.#clock.after(delay, () => this.#arm(wait));
      return;
    }
    this.#waits.delete(wait);
    wait.onExpire();
  }
}
