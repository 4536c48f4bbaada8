import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CoalescedRun } from './coalesced-run.ts';
import { startTimeOf } from './proc-info.ts';
import type { ContainmentMode } from './process-tree.ts';

/** A process group started in process-group mode, with its leader's start time. */
export interface RecordedGroup {
  pgid: number;
  startTime: string;
}

/** What one executor process records about the processes it starts, so a successor can end them. */
export interface InstanceRecord {
  pid: number;
  startTime: string;
  mode: ContainmentMode;
  /** cgroup mode: the instance's cgroup directory. */
  cgroup?: string;
  /** process-group mode: the environment entry prefix every process of the instance carries. */
  marker?: string;
  /** process-group mode: the groups started, each with its leader's start time. */
  groups?: RecordedGroup[];
}

/** `$XDG_RUNTIME_DIR/relaykit`, else `<temp dir>/relaykit-<uid>`. */
export function defaultStateDirectory(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime) return join(runtime, 'relaykit');
  return join(tmpdir(), `relaykit-${process.getuid?.() ?? 'user'}`);
}

/**
 * Creates `directory` and its missing parents, one level at a time, each
 * tried at most twice: Node's recursive mkdir loops forever where creating
 * fails with ENOENT under a parent that exists (under /proc).
 */
async function createDirectory(directory: string): Promise<void> {
  const attempt = () =>
    mkdir(directory, { mode: 0o700 }).then(
      () => null,
      (err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? null : err),
    );
  let failed = await attempt();
  const parent = dirname(directory);
  if (failed?.code === 'ENOENT' && parent !== directory) {
    await createDirectory(parent);
    failed = await attempt();
  }
  if (failed) throw failed;
}

/** Creates the directory if needed and refuses one that others could write (their records would direct kills). */
async function privateDirectory(directory: string): Promise<void> {
  await createDirectory(resolve(directory)).catch((err: Error) => {
    throw new Error(`cannot create ${directory}: ${err.message}`);
  });
  const found = await lstat(directory);
  const uid = process.getuid?.();
  if (!found.isDirectory()) throw new Error(`${directory} is not a directory`);
  if (uid !== undefined && found.uid !== uid) throw new Error(`${directory} belongs to uid ${found.uid}`);
  if ((found.mode & 0o022) !== 0) throw new Error(`${directory} is writable by others`);
}

/**
 * This executor's record file in the state directory: written on change,
 * removed at shutdown. Records asked for while one is being written are
 * folded into one write of the latest: a thousand groups started at once
 * are not a thousand rewrites of a growing file.
 */
export class InstanceRecords {
  readonly #file: string;
  /** The latest record not yet written. */
  #pending: InstanceRecord | null = null;
  readonly #writes = new CoalescedRun(() => this.#writeLatest());

  private constructor(file: string) {
    this.#file = file;
  }

  static async open(directory: string, instance: string): Promise<InstanceRecords> {
    await privateDirectory(directory);
    return new InstanceRecords(join(directory, `${instance}.json`));
  }

  /** Replaces the record; resolves once it (or a later one) is written, atomically. */
  write(record: InstanceRecord): Promise<void> {
    this.#pending = record;
    return this.#writes.run();
  }

  async #writeLatest(): Promise<void> {
    const record = this.#pending;
    this.#pending = null;
    if (record === null) return;
    await writeFile(`${this.#file}.tmp`, JSON.stringify(record), { mode: 0o600 });
    await rename(`${this.#file}.tmp`, this.#file);
  }

  async remove(): Promise<void> {
    this.#pending = null;
    // A run after every write asked for so far: once it is done, none is under way.
    await this.#writes.run().catch(() => {});
    await rm(this.#file, { force: true });
  }
}

/** Records in `directory` whose executor no longer runs, each with a function that removes it. */
export async function orphanedRecords(
  directory: string,
): Promise<{ record: InstanceRecord; file: string; remove: () => Promise<void> }[]> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const orphaned = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(directory, name);
    let record: InstanceRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as InstanceRecord;
    } catch {
      continue;
    }
    if ((await startTimeOf(record.pid)) === record.startTime) continue;
    orphaned.push({ record, file, remove: () => rm(file, { force: true }) });
  }
  return orphaned;
}
