/**
 * ExecutorRelay: one Durable Object per executor id that routes relay frames
 * by stream_id between the executor's one socket and any number of harness
 * sockets (DESIGN.md §4).
 *
 * It uses the WebSocket Hibernation API only and sets no timers: claims and
 * redeemed tickets expire by its alarm. Who a socket is lives in its tag and
 * attachment; stream claims, redeemed tickets, the executor's last instance
 * and registration, and counters live in SQLite storage. The constructor
 * rebuilds the in-memory indexes from those, so routing is the same after a
 * wake-up.
 *
 * Routing reads only the frame header (proto/codec peekHeader) and forwards
 * the message it received, the very same bytes; towards the executor it
 * appends the owner field naming the harness identity (proto/codec owner.ts).
 */
import { DurableObject } from 'cloudflare:workers';
import { CloseCode } from '../proto/close-codes.ts';
import { encodeReset } from '../proto/codec/encode.ts';
import { MAX_FRAME_BYTES } from '../proto/codec/frame.ts';
import { ownerField, withOwner } from '../proto/codec/owner.ts';
import { type FrameHeader, peekHeader } from '../proto/codec/peek.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { Alarm } from './alarm.ts';
import { StreamClaims } from './claims.ts';
import { type Env, type RelayLimits, relayLimits } from './config.ts';
import { CLOSED, type HarnessSocketInfo, isOpen, SocketDirectory } from './connection.ts';
import { countDrop, parseCounters, type RelayCounters, type RelayStats } from './counters.ts';
import { jsonError } from './http.ts';
import { type Registration, Registrations } from './registrations.ts';
import { RELAY_HEADERS } from './relay-headers.ts';
import { type Claim, RelayStore } from './store.ts';
import { NewStreamRate } from './stream-rate.ts';
import { TicketLedger } from './ticket-ledger.ts';

/** Counters are written to storage at most this often (and on every close). */
const COUNTER_FLUSH_MS = 1000;

/** Owner fields kept encoded, one per harness identity. */
const OWNER_FIELD_CACHE = 1024;

/** Close codes a server may send back (1005/1006/1015 are reserved for "none"). */
function echoableCode(code: number): number {
  return code === 1000 || (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006) || code >= 3000
    ? code
    : 1000;
}

export class ExecutorRelay extends DurableObject<Env> {
  readonly #limits: RelayLimits;
  readonly #store: RelayStore;
  readonly #claims: StreamClaims;
  readonly #registrations: Registrations;
  readonly #tickets: TicketLedger;
  readonly #rate: NewStreamRate;
  readonly #alarm: Alarm;
  readonly #counters: RelayCounters;
  readonly #harness = new Map<string, WebSocket>();
  readonly #sockets = new SocketDirectory();
  /** The encoded owner field of each harness identity, appended to its frames. */
  readonly #ownerFields = new Map<string, Uint8Array>();
  #executor: WebSocket | undefined;
  /** Instance of the last executor socket accepted ('' before the first). */
  #executorInstance: string;
  #starts: number;
  #countersFlushedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#limits = relayLimits(env);
    this.#store = new RelayStore(ctx.storage.sql);
    this.#claims = new StreamClaims(this.#store);
    this.#registrations = new Registrations(this.#store);
    this.#tickets = new TicketLedger(ctx.storage.sql);
    this.#rate = new NewStreamRate(this.#limits.newStreamsPerSecond, this.#limits.newStreamBurst);
    this.#alarm = new Alarm(ctx.storage);
    this.#counters = parseCounters(this.#store.getMeta('counters'));
    this.#executorInstance = this.#store.getMeta('executor_instance') ?? '';
    this.#starts = Number(this.#store.getMeta('starts') ?? '0') + 1;
    this.#store.setMeta('starts', String(this.#starts));
    for (const ws of ctx.getWebSockets()) {
      const info = this.#sockets.infoOf(ws);
      if (info === undefined || !isOpen(ws)) continue;
      if (info.role === 'executor') this.#executor = ws;
      else this.#harness.set(info.key, ws);
    }
    // Sockets that closed while the object was away (a restart drops them all) left their claims behind.
    const now = Date.now();
    for (const socketKey of this.#claims.socketKeys()) {
      if (!this.#harness.has(socketKey)) this.#claims.detachSocket(socketKey, now);
    }
    this.#scheduleSweep();
  }

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/stats') return Response.json(this.#stats());
    if (pathname === '/registration') return Response.json(this.#registrations.current ?? null);
    if (pathname === '/register') {
      const { instance, key } = await request.json<Pick<Registration, 'instance' | 'key'>>();
      return Response.json(this.#registrations.register(instance, key));
    }
    if (pathname !== '/ws') return jsonError(404, 'not_found', `no relay route ${pathname}`);
    const header = (name: string) => request.headers.get(name) ?? '';
    const role = header(RELAY_HEADERS.role);
    if (role !== 'executor' && role !== 'harness') {
      return jsonError(400, 'bad_role', 'role must be executor or harness');
    }
    if (role === 'harness') {
      const open = this.ctx.getWebSockets('harness').filter(isOpen).length;
      const limit = this.#limits.maxHarnessSockets;
      if (open >= limit) {
        const message = `executor ${header(RELAY_HEADERS.executorId)} already has ${open} harness sockets (limit ${limit})`;
        return jsonError(429, 'too_many_harness_sockets', message);
      }
    }
    const expiresAt = Number(header(RELAY_HEADERS.ticketExpires));
    if (!this.#tickets.redeem(header(RELAY_HEADERS.ticketId), expiresAt)) {
      return jsonError(
        401,
        'ticket_already_used',
        'this ticket has opened a socket already; ask for a new one',
      );
    }
    this.#alarm.by(expiresAt * 1000);
    return role === 'executor'
      ? this.#acceptExecutor(header(RELAY_HEADERS.instance))
      : this.#acceptHarness(header(RELAY_HEADERS.subject));
  }

  #acceptExecutor(instance: string): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, ['executor']);
    this.#sockets.attach(server, { role: 'executor', instance });
    for (const old of this.ctx.getWebSockets('executor')) {
      if (old !== server && isOpen(old)) old.close(CloseCode.Replaced, 'replaced');
    }
    this.#executor = server;
    const previous = this.#executorInstance;
    if (previous !== instance) {
      if (previous !== '') this.#resetStreamsOf(previous, ResetReason.ExecutorRestarted);
      this.#claims.setInstanceWhere((claim) => claim.instance === '', instance);
      this.#executorInstance = instance;
      this.#store.setMeta('executor_instance', instance);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  #acceptHarness(identity: string): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, ['harness']);
    const key = crypto.randomUUID();
    this.#sockets.attach(server, { role: 'harness', key, identity });
    this.#harness.set(key, server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message === 'string') {
      countDrop(this.#counters, 'text_frame');
      ws.close(CloseCode.UnsupportedData, 'text frames are not allowed');
      return;
    }
    if (message.byteLength > MAX_FRAME_BYTES) {
      countDrop(this.#counters, 'oversize_frame');
      ws.close(CloseCode.MessageTooBig, 'frame exceeds 1 MiB');
      return;
    }
    const info = this.#sockets.infoOf(ws);
    const header = peekHeader(new Uint8Array(message));
    if (info === undefined) {
      countDrop(this.#counters, 'unknown_socket');
    } else if (!header.ok) {
      countDrop(this.#counters, `invalid_frame:${header.error.code}`);
    } else if (info.role === 'executor') {
      this.#fromExecutor(ws, header.value, message);
    } else {
      this.#fromHarness(ws, info, header.value, message);
    }
    this.#maybeFlushCounters();
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#forget(ws);
    if (ws.readyState === CLOSED) return;
    try {
      ws.close(echoableCode(code), reason);
    } catch {
      // Already closed from our side (e.g. replaced): nothing left to answer.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#forget(ws);
  }

  #fromHarness(ws: WebSocket, info: HarnessSocketInfo, header: FrameHeader, bytes: ArrayBuffer) {
    const { streamId } = header;
    const claim = this.#claims.get(streamId);
    if (claim !== undefined && claim.owner !== info.identity) {
      countDrop(this.#counters, 'foreign_stream');
      return;
    }
    if (claim === undefined && header.kind === 'reset') {
      // Nothing of this harness's to end: a reset claims nothing.
      countDrop(this.#counters, 'unclaimed_stream');
      return;
    }
    // A new stream, or its owner back on a new socket (executor→harness frames follow it).
    const bindsHere =
      claim === undefined ||
      (claim.socketKey !== info.key &&
        (header.kind === 'resume' || !isOpen(this.#harness.get(claim.socketKey))));
    if (bindsHere) {
      const refused = this.#refusal(info.key, claim === undefined);
      if (refused !== undefined) {
        countDrop(this.#counters, refused);
        this.#trySend(
          ws,
          encodeReset(streamId, refused === 'stream_limit' ? ResetReason.TooManyStreams : refused),
        );
        return;
      }
      if (claim !== undefined) {
        this.#claims.rebind(streamId, info.key);
      } else {
        const now = Date.now();
        this.#claims.add(
          streamId,
          { owner: info.identity, socketKey: info.key, instance: this.#executorInstance },
          now,
        );
        this.#alarm.by(now + this.#limits.claimTimeoutMs);
      }
    }
    if (header.kind === 'reset') this.#claims.release(streamId);
    if (
      !isOpen(this.#executor) ||
      !this.#trySend(this.#executor, withOwner(new Uint8Array(bytes), this.#ownerFieldOf(info.identity)))
    ) {
      countDrop(this.#counters, 'executor_absent');
      return;
    }
    this.#counters.frames.harness_to_executor += 1;
    this.#counters.bytes.harness_to_executor += bytes.byteLength;
  }

  #fromExecutor(ws: WebSocket, header: FrameHeader, bytes: ArrayBuffer) {
    if (ws !== this.#executor) {
      countDrop(this.#counters, 'replaced_executor');
      return;
    }
    const claim = this.#claims.get(header.streamId);
    if (claim === undefined) {
      countDrop(this.#counters, 'unclaimed_stream');
      return;
    }
    if (header.kind === 'reset') this.#claims.release(header.streamId);
    else this.#claims.answered(header.streamId);
    const target = this.#harness.get(claim.socketKey);
    if (!isOpen(target) || !this.#trySend(target, bytes)) {
      countDrop(this.#counters, 'harness_absent');
      return;
    }
    this.#counters.frames.executor_to_harness += 1;
    this.#counters.bytes.executor_to_harness += bytes.byteLength;
  }

  /**
   * Why the harness socket may not bind one more stream (`stream_limit`,
   * or for a new stream `stream_rate_limit`), or undefined. Claims of
   * closed sockets are kept for their owner's reconnect, but only while the
   * object as a whole is under its cap (sockets × streams per socket).
   */
  #refusal(socketKey: string, newStream: boolean): 'stream_limit' | 'stream_rate_limit' | undefined {
    const { maxStreamsPerHarnessSocket, maxHarnessSockets } = this.#limits;
    if (this.#claims.countForSocket(socketKey) >= maxStreamsPerHarnessSocket) return 'stream_limit';
    const cap = maxHarnessSockets * maxStreamsPerHarnessSocket;
    if (this.#claims.size >= cap)
      this.#letGo(this.#claims.releaseWhere((claim) => !isOpen(this.#harness.get(claim.socketKey))));
    if (this.#claims.size >= cap) return 'stream_limit';
    if (newStream && !this.#rate.take(socketKey, Date.now())) return ResetReason.StreamRateLimit;
    return undefined;
  }

  #ownerFieldOf(identity: string): Uint8Array {
    let field = this.#ownerFields.get(identity);
    if (field === undefined) {
      if (this.#ownerFields.size >= OWNER_FIELD_CACHE) this.#ownerFields.clear();
      field = ownerField(identity);
      this.#ownerFields.set(identity, field);
    }
    return field;
  }

  /** Expires claims and redeemed tickets whose time has come, then sets the alarm for the next. */
  override async alarm(): Promise<void> {
    this.#alarm.fired();
    const now = Date.now();
    const timeout = this.#limits.claimTimeoutMs;
    const expired = this.#claims.releaseWhere(
      (claim) => (StreamClaims.expiresAt(claim, timeout) ?? now + 1) <= now,
    );
    this.#letGo(expired);
    this.#tickets.forgetExpired(Math.floor(now / 1000));
    this.#scheduleSweep();
  }

  /** Tells the executor of released claims whose harness went away: a legacy stream never ends by itself. */
  #letGo(released: Iterable<[string, Claim]>): void {
    for (const [streamId, claim] of released) {
      if (claim.detachedAt !== null && isOpen(this.#executor)) {
        this.#trySend(this.#executor, encodeReset(streamId, ResetReason.HarnessGone));
      }
    }
  }

  #scheduleSweep(): void {
    const claimAt = this.#claims.nextExpiry(this.#limits.claimTimeoutMs);
    const ticketAt = this.#tickets.nextExpiry();
    if (claimAt !== undefined) this.#alarm.by(claimAt);
    if (ticketAt !== undefined) this.#alarm.by(ticketAt * 1000);
  }

  /** Tells every harness stream opened against `instance` that its executor is gone. */
  #resetStreamsOf(instance: string, reason: string): void {
    const released = this.#claims.releaseWhere((claim) => claim.instance === instance);
    for (const [streamId, claim] of released) {
      const target = this.#harness.get(claim.socketKey);
      if (isOpen(target)) this.#trySend(target, encodeReset(streamId, reason));
    }
  }

  #trySend(ws: WebSocket, bytes: ArrayBuffer | Uint8Array): boolean {
    try {
      ws.send(bytes);
      return true;
    } catch {
      return false;
    }
  }

  #forget(ws: WebSocket): void {
    const info = this.#sockets.infoOf(ws);
    if (info?.role === 'harness' && this.#harness.get(info.key) === ws) {
      this.#harness.delete(info.key);
      this.#rate.forget(info.key);
      // Its claims now expire a timeout from now; every older expiry already has the alarm.
      const now = Date.now();
      if (this.#claims.detachSocket(info.key, now)) this.#alarm.by(now + this.#limits.claimTimeoutMs);
    }
    if (ws === this.#executor) this.#executor = undefined;
    this.#flushCounters();
  }

  #maybeFlushCounters(): void {
    if (Date.now() - this.#countersFlushedAt >= COUNTER_FLUSH_MS) this.#flushCounters();
  }

  #flushCounters(): void {
    this.#store.setMeta('counters', JSON.stringify(this.#counters));
    this.#countersFlushedAt = Date.now();
  }

  #stats(): Omit<RelayStats, 'executor_id'> {
    this.#flushCounters();
    return {
      ...this.#counters,
      sockets: {
        executor: isOpen(this.#executor) ? 1 : 0,
        harness: [...this.#harness.values()].filter(isOpen).length,
      },
      streams: this.#claims.size,
      executor_instance: this.#executorInstance === '' ? null : this.#executorInstance,
      object_starts: this.#starts,
    };
  }
}
