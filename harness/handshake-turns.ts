import type { RendezvousTarget } from '../registry/index.ts';
import { Turns } from './turns.ts';

/**
 * Handshakes this process runs at once with one executor; the others wait
 * their turn. An executor refuses handshakes beyond 32 validations in
 * flight, counted over every harness: a burst of new sessions must not run
 * into that limit.
 */
const HANDSHAKES_AT_ONCE = 16;

const byExecutor = new Map<string, Turns>();

/** Handshake turns per executor (registry URL and id), shared by every socket of this process. */
export function handshakeTurns(target: RendezvousTarget): Turns {
  const key = `${target.registryUrl} ${target.executorId}`;
  let turns = byExecutor.get(key);
  if (turns === undefined) {
    turns = new Turns(HANDSHAKES_AT_ONCE);
    byExecutor.set(key, turns);
  }
  return turns;
}
