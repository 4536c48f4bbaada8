import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RpcError, RpcErrorCode } from '../proto/rpc/index.ts';
import type { RpcTransport } from '../rpc/index.ts';
import { ByteBudget } from './byte-budget.ts';
import type { Containment } from './containment/process-tree.ts';
import type { ExecutorLimits } from './limits.ts';
import { HelperSpawner, type SpawnHelperUse } from './process/helper-spawner.ts';
import { invalidRequest } from './rpc-error.ts';
import { Session } from './session.ts';
import type { ExpiryClock } from './session-expiry.ts';

export interface SessionTableOptions {
  /** How long a detached session (and its processes) is kept for a resume. */
  expiry: ExpiryClock;
  /** Retained output per process, in bytes. */
  retainBytes: number;
  limits: ExecutorLimits;
  containment: Containment;
  /** When processes on pipes are forked by the spawn helper (default `burst`). */
  spawnHelper?: SpawnHelperUse;
  logger: Logger;
}

/**
 * Who may resume a session: the harness that opened it, by the identity
 * its connection was authenticated as (SessionOwners).
 */
export type SessionOwner = string;

export const SessionOwners = {
  /** A local-mode connection: whoever reaches the executor's loopback socket. */
  local: 'local' as SessionOwner,
  /** A secure stream: the harness's static key, authenticated by the handshake. */
  harnessKey: (fingerprint: string): SessionOwner => `harness-key:${fingerprint}`,
  /** A cleartext stream: the identity the rendezvous names ('' from a rendezvous that names none). */
  rendezvous: (identity: string | undefined): SessionOwner => `rendezvous:${identity ?? ''}`,
};

/** The session table at one moment, for metrics. */
export interface SessionCounts {
  attached: number;
  detached: number;
  processesRunning: number;
  /** Since start. */
  created: number;
  resumed: number;
  expired: number;
}

export const DEFAULT_SESSION_TTL_MS = 30_000;
export const DEFAULT_OUTAGE_ALLOWANCE_MS = 600_000;
export const DEFAULT_RETAIN_BYTES = 1024 * 1024;

/**
 * Every session of one executor, shared by all its connections and streams,
 * with the executor's limits and the budgets they share.
 */
export class SessionTable {
  readonly limits: ExecutorLimits;
  /** Answer bytes waiting for send windows, across the executor. */
  readonly pendingReplies: ByteBudget;
  readonly #stdinBudget: ByteBudget;
  readonly #spawner: HelperSpawner;
  readonly #options: SessionTableOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #expiries = new Map<Session, () => void>();
  readonly #totals = { created: 0, resumed: 0, expired: 0 };

  constructor(options: SessionTableOptions) {
    this.#options = options;
    this.limits = options.limits;
    this.pendingReplies = new ByteBudget(options.limits.maxPendingReplyBytesTotal);
    this.#stdinBudget = new ByteBudget(options.limits.maxStdinBytesTotal);
    this.#spawner = new HelperSpawner(options.logger, options.spawnHelper);
  }

  get size(): number {
    return this.#sessions.size;
  }

  get expiry(): ExpiryClock {
    return this.#options.expiry;
  }

  counts(): SessionCounts {
    let attached = 0;
    let processesRunning = 0;
    for (const session of this.#sessions.values()) {
      if (session.attached) attached += 1;
      for (const proc of session.processes.values()) if (proc.running) processesRunning += 1;
    }
    return { attached, detached: this.#sessions.size - attached, processesRunning, ...this.#totals };
  }

  create(transport: RpcTransport, owner: SessionOwner): Session {
    const session = new Session(randomUUID(), owner, {
      retainBytes: this.#options.retainBytes,
      maxStdinBytes: this.limits.maxStdinBytes,
      stdinBudget: this.#stdinBudget,
      containment: this.#options.containment,
      spawner: this.#spawner,
      logger: this.#options.logger,
    });
    this.#sessions.set(session.id, session);
    this.#totals.created += 1;
    session.attach(transport);
    this.#options.logger.info({ sessionId: session.id }, 'session created');
    return session;
  }

  /** Another owner's session is answered as an unknown one: whether it exists does not leak. */
  resume(sessionId: string, transport: RpcTransport, owner: SessionOwner): Session {
    const session = this.#sessions.get(sessionId);
    if (session?.owner !== owner) throw invalidRequest(`unknown session id ${sessionId}`);
    if (session.attached) {
      throw new RpcError(
        RpcErrorCode.SessionAttachedElsewhere,
        `session ${sessionId} is already attached to another connection`,
      );
    }
    this.#expiries.get(session)?.();
    this.#expiries.delete(session);
    session.attach(transport);
    this.#totals.resumed += 1;
    this.#options.logger.info({ sessionId }, 'session resumed');
    return session;
  }

  /** The session's connection ended: keep it (and its processes) while it waits for its harness. */
  detach(session: Session): void {
    if (!this.#sessions.has(session.id)) return;
    session.detach();
    this.#expiries.set(
      session,
      this.#options.expiry.start(() => this.#expire(session)),
    );
    this.#options.logger.info(
      { sessionId: session.id, ttlMs: this.#options.expiry.rules.sessionTtlMs },
      'session detached',
    );
  }

  /** Ends a session now (its connection is gone for good): kills its processes and forgets it. */
  expire(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    if (!session) return;
    this.#expiries.get(session)?.();
    this.#expire(session);
  }

  /** Kills every process tree of every session, then ends the containment (removing this executor's record). */
  async shutdown(): Promise<void> {
    this.#options.expiry.stop();
    this.#expiries.clear();
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.killAll()));
    // The helper first: a start it was still handling ends up in a tree the containment then ends.
    await this.#spawner.close();
    await this.#options.containment.close();
  }

  #expire(session: Session): void {
    this.#expiries.delete(session);
    this.#sessions.delete(session.id);
    this.#totals.expired += 1;
    void session.killAll();
    this.#options.logger.info({ sessionId: session.id }, 'session expired; its processes were killed');
  }
}
