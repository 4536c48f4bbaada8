import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { RpcError, RpcErrorCode } from '../proto/rpc/index.ts';
import type { RpcTransport } from '../rpc/index.ts';
import { ByteBudget } from './byte-budget.ts';
import type { Containment } from './containment/process-tree.ts';
import type { ExecutorLimits } from './limits.ts';
import { invalidRequest } from './rpc-error.ts';
import { Session } from './session.ts';

export interface SessionTableOptions {
  /** How long a detached session (and its processes) is kept for a resume. */
  sessionTtlMs: number;
  /** Retained output per process, in bytes. */
  retainBytes: number;
  limits: ExecutorLimits;
  containment: Containment;
  logger: Logger;
}

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
  readonly #options: SessionTableOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #expiryTimers = new Map<Session, NodeJS.Timeout>();
  readonly #totals = { created: 0, resumed: 0, expired: 0 };

  constructor(options: SessionTableOptions) {
    this.#options = options;
    this.limits = options.limits;
    this.pendingReplies = new ByteBudget(options.limits.maxPendingReplyBytesTotal);
    this.#stdinBudget = new ByteBudget(options.limits.maxStdinBytesTotal);
  }

  get size(): number {
    return this.#sessions.size;
  }

  get sessionTtlMs(): number {
    return this.#options.sessionTtlMs;
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

  create(transport: RpcTransport): Session {
    const session = new Session(randomUUID(), {
      retainBytes: this.#options.retainBytes,
      maxStdinBytes: this.limits.maxStdinBytes,
      stdinBudget: this.#stdinBudget,
      containment: this.#options.containment,
      logger: this.#options.logger,
    });
    this.#sessions.set(session.id, session);
    this.#totals.created += 1;
    session.attach(transport);
    this.#options.logger.info({ sessionId: session.id }, 'session created');
    return session;
  }

  resume(sessionId: string, transport: RpcTransport): Session {
    const session = this.#sessions.get(sessionId);
    if (!session) throw invalidRequest(`unknown session id ${sessionId}`);
    if (session.attached) {
      throw new RpcError(
        RpcErrorCode.SessionAttachedElsewhere,
        `session ${sessionId} is already attached to another connection`,
      );
    }
    const timer = this.#expiryTimers.get(session);
    if (timer) clearTimeout(timer);
    this.#expiryTimers.delete(session);
    session.attach(transport);
    this.#totals.resumed += 1;
    this.#options.logger.info({ sessionId }, 'session resumed');
    return session;
  }

  /** The session's connection ended: keep it (and its processes) for the TTL. */
  detach(session: Session): void {
    if (!this.#sessions.has(session.id)) return;
    session.detach();
    const timer = setTimeout(() => this.#expire(session), this.#options.sessionTtlMs);
    timer.unref();
    this.#expiryTimers.set(session, timer);
    this.#options.logger.info(
      { sessionId: session.id, ttlMs: this.#options.sessionTtlMs },
      'session detached',
    );
  }

  /** Ends a session now (its connection is gone for good): kills its processes and forgets it. */
  expire(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    if (!session) return;
    const timer = this.#expiryTimers.get(session);
    if (timer) clearTimeout(timer);
    this.#expire(session);
  }

  /** Kills every process tree of every session, then ends the containment (removing this executor's record). */
  async shutdown(): Promise<void> {
    for (const timer of this.#expiryTimers.values()) clearTimeout(timer);
    this.#expiryTimers.clear();
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.killAll()));
    await this.#options.containment.close();
  }

  #expire(session: Session): void {
    this.#expiryTimers.delete(session);
    this.#sessions.delete(session.id);
    this.#totals.expired += 1;
    void session.killAll();
    this.#options.logger.info({ sessionId: session.id }, 'session expired; its processes were killed');
  }
}
