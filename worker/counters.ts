/** The counters `GET /cloud/executor/{id}/stats` (or `/cloud/environment/…`) reports (DESIGN.md §4). */
export interface RelayCounters {
  frames: { harness_to_executor: number; executor_to_harness: number };
  bytes: { harness_to_executor: number; executor_to_harness: number };
  /** Frames dropped, by reason (`executor_absent`, `invalid_frame:<code>`, …). */
  drops: Record<string, number>;
}

function emptyCounters(): RelayCounters {
  return {
    frames: { harness_to_executor: 0, executor_to_harness: 0 },
    bytes: { harness_to_executor: 0, executor_to_harness: 0 },
    drops: {},
  };
}

/** Restores counters saved as JSON; anything unreadable starts from zero. */
export function parseCounters(json: string | undefined): RelayCounters {
  const counters = emptyCounters();
  if (json === undefined) return counters;
  try {
    const saved = JSON.parse(json) as Partial<RelayCounters>;
    Object.assign(counters.frames, saved.frames);
    Object.assign(counters.bytes, saved.bytes);
    Object.assign(counters.drops, saved.drops);
  } catch {
    // A corrupt snapshot only loses statistics, never routing state.
  }
  return counters;
}

export function countDrop(counters: RelayCounters, reason: string): void {
  counters.drops[reason] = (counters.drops[reason] ?? 0) + 1;
}

/** The body of `GET /cloud/executor/{id}/stats`. */
export interface RelayStats extends RelayCounters {
  executor_id: string;
  /** Open sockets: the executor's (0 or 1) and the harnesses'. */
  sockets: { executor: number; harness: number };
  /** Stream ids currently claimed by a harness identity. */
  streams: number;
  /** Process instance of the last executor socket, null before the first. */
  executor_instance: string | null;
  /** How many times the object has been started (1 + wake-ups after eviction). */
  object_starts: number;
}
