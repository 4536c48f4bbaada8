import type { Logger } from 'pino';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { SpawnSpec } from './driver.ts';
import { type HelperEnd, HelperProcess, HelperUnreachableError } from './helper-process.ts';
import { type PipedChild, type PipeSpawner, spawnInExecutor } from './piped-child.ts';
import { forksWaiting } from './spawn-turn.ts';

/**
 * When processes on pipes are forked by the spawn helper: `burst` (the
 * default) once forks queue up in the executor, until the helper has been
 * idle a while; `always`; `never`.
 */
export type SpawnHelperUse = 'burst' | 'always' | 'never';

/** Forks waiting their turn in the executor that make a burst, handed to the helper from then on. */
const BURST_FORKS = 8;
/** How long the helper stays once it has nothing to do (in `burst` use), by default. */
const HELPER_IDLE_MS = 10_000;

/**
 * Spawns processes on pipes, in the executor or through the spawn helper
 * (helper-process.ts). A fork costs the executor's thread more the more
 * memory the executor holds; a burst of them (a thousand sessions starting
 * at once) goes to the helper, which forks them while the executor goes on.
 * A single process is still forked at once by the executor: no helper
 * process sits in memory for it, and no hand-over delays it. Where the
 * helper cannot run, every fork is the executor's.
 */
export class HelperSpawner implements PipeSpawner {
  readonly #logger: Logger;
  readonly #use: SpawnHelperUse;
  readonly #idleMs: number;
  #helper: HelperProcess | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  /** Why the helper cannot run here; then every fork is the executor's. */
  #unusable: string | null = null;

  constructor(logger: Logger, use: SpawnHelperUse = 'burst', idleMs = HELPER_IDLE_MS) {
    this.#logger = logger;
    this.#use = use;
    this.#idleMs = idleMs;
  }

  async spawn(spec: SpawnSpec, tree: ProcessTree): Promise<PipedChild> {
    const helper = this.#helperFor();
    if (helper === null) return spawnInExecutor(spec, tree);
    this.#stopIdleTimer();
    try {
      return await helper.spawn(spec, tree);
    } catch (err) {
      if (!(err instanceof HelperUnreachableError)) throw err;
      return spawnInExecutor(spec, tree);
    }
  }

  /** Lets the helper go and waits until it has exited: nothing it forks can outlive the executor's shutdown. */
  async close(): Promise<void> {
    this.#unusable = 'the executor is shutting down';
    await this.#letGo();
  }

  /** The helper to fork this process, started if it is time to; null: the executor forks it. */
  #helperFor(): HelperProcess | null {
    if (this.#unusable !== null || this.#use === 'never') return null;
    if (this.#helper !== null) return this.#helper;
    if (this.#use === 'burst' && forksWaiting() < BURST_FORKS) return null;
    try {
      const helper: HelperProcess = new HelperProcess({
        onIdle: () => this.#whenIdle(helper),
        onEnd: (end) => this.#ended(helper, end),
      });
      this.#helper = helper;
      return helper;
    } catch (err) {
      this.#giveUp(`node cannot fork it: ${(err as Error).message}`);
      return null;
    }
  }

  #giveUp(reason: string): void {
    this.#unusable = reason;
    this.#logger.warn({ reason }, 'the spawn helper cannot run: processes are forked by the executor');
  }

  #ended(helper: HelperProcess, end: HelperEnd): void {
    if (this.#helper === helper) {
      this.#helper = null;
      this.#stopIdleTimer();
    }
    if (!end.ready && !end.letGo && this.#unusable === null) {
      // It never got as far as `ready` (a missing or broken file): starting it again would fail again.
      this.#giveUp(`it exited at start (code ${end.code}, signal ${end.signal})`);
    } else if (!end.letGo) {
      const { code, signal, unknownExits } = end;
      this.#logger.error({ code, signal, unknownExits }, 'the spawn helper stopped');
    }
  }

  /** Once the helper has nothing to do, it stays a while (burst use), then goes. */
  #whenIdle(helper: HelperProcess): void {
    if (this.#use !== 'burst' || helper !== this.#helper) return;
    this.#stopIdleTimer();
    this.#idleTimer = setTimeout(() => void this.#letGo(), this.#idleMs);
    this.#idleTimer.unref();
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  async #letGo(): Promise<void> {
    this.#stopIdleTimer();
    const helper = this.#helper;
    this.#helper = null;
    await helper?.letGo();
  }
}
