/** How long spawns may hold the executor's thread before the rest of the event loop gets a turn. */
const SPAWN_TURN_BUDGET_MS = 20;

const waiting: Array<() => void> = [];
let turnScheduled = false;

function runTurn(): void {
  const startedAt = performance.now();
  while (waiting.length > 0 && performance.now() - startedAt < SPAWN_TURN_BUDGET_MS) waiting.shift()?.();
  turnScheduled = waiting.length > 0;
  if (turnScheduled) setImmediate(runTurn);
}

/** Forks waiting for their turn. */
export function forksWaiting(): number {
  return waiting.length;
}

/**
 * Runs `fork` (a synchronous spawn by the executor itself: a PTY, or pipes
 * where the spawn helper cannot run) in a turn of the event loop. A fork
 * holds the executor's one thread for a millisecond or more, and a burst of
 * process/starts continued in one microtask drain would fork back to back,
 * for seconds at 1,000 streams, while no exit, output or timer is handled
 * (every process's exit waited for the last spawn). Forks go in the order
 * asked, for at most 20 ms of each turn.
 */
export function inSpawnTurn<T>(fork: () => T | PromiseLike<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    waiting.push(() => {
      try {
        resolve(fork());
      } catch (err) {
        reject(err);
      }
    });
    if (!turnScheduled) {
      turnScheduled = true;
      setImmediate(runTurn);
    }
  });
}
