import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The environment variable that marks every process of a tree in process-group mode. */
export const TREE_VARIABLE = 'RELAYKIT_PROCESS_TREE';

/**
 * Live processes whose environment has an entry starting with `prefix`
 * (`RELAYKIT_PROCESS_TREE=<instance>/`), by that entry's whole text: one
 * read of every /proc/PID/environ. Linux only.
 */
export async function markedPids(prefix: string): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  const needle = `\0${prefix}`;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(async (name) => {
        const environ = `\0${await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '')}\0`;
        const at = environ.indexOf(needle);
        if (at < 0) return;
        const marker = environ.slice(at + 1, environ.indexOf('\0', at + 1));
        const pids = found.get(marker);
        if (pids) pids.push(Number(name));
        else found.set(marker, [Number(name)]);
      }),
  );
  return found;
}

/** Scans of one executor's marked processes start at least this far apart. */
export const SCAN_GAP_MS = 50;

/**
 * Scans for one executor's marked processes, shared: a request joins the
 * next scan that has not started reading, which starts once the one
 * reading has ended and at least SCAN_GAP_MS after it began. A thousand
 * trees released at once thus cost a few scans of /proc, not a thousand
 * (each reads every process's environment); an answer never predates its
 * request.
 */
export class MarkerScan {
  readonly #prefix: string;
  readonly #read: (prefix: string) => Promise<Map<string, number[]>>;
  /** The scan requests join: not reading yet. */
  #next: Promise<Map<string, number[]>> | null = null;
  #reading: Promise<Map<string, number[]>> | null = null;
  #lastStart = Number.NEGATIVE_INFINITY;

  constructor(prefix: string, read = markedPids) {
    this.#prefix = prefix;
    this.#read = read;
  }

  /** Live processes by marker, from a scan that starts after this call. */
  scan(): Promise<Map<string, number[]>> {
    this.#next ??= this.#scheduled();
    return this.#next;
  }

  async #scheduled(): Promise<Map<string, number[]>> {
    await this.#reading?.catch(() => {});
    const wait = this.#lastStart + SCAN_GAP_MS - performance.now();
    if (wait > 0) await sleep(wait);
    // From here on, a request waits for a later scan.
    this.#next = null;
    this.#lastStart = performance.now();
    const reading = this.#read(this.#prefix);
    this.#reading = reading;
    try {
      return await reading;
    } finally {
      if (this.#reading === reading) this.#reading = null;
    }
  }
}
