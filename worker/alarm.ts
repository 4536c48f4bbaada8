/**
 * The object's one alarm (`ctx.storage.setAlarm`), set for the earliest
 * time something is due. After a wake-up the object does not know the alarm
 * set before, so the first request sets it anew, at the time then due.
 */
export class Alarm {
  readonly #storage: DurableObjectStorage;
  #at: number | undefined;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** The alarm goes off at `at` (ms since the epoch) at the latest. */
  by(at: number): void {
    if (this.#at !== undefined && this.#at <= at) return;
    this.#at = at;
    void this.#storage.setAlarm(at);
  }

  /** It went off: nothing is set any more. */
  fired(): void {
    this.#at = undefined;
  }
}
