/**
 * ExecutorRelay: one Durable Object per executor id that routes relay frames
 * by stream_id between the executor's one socket and any number of harness
 * sockets (DESIGN.md §4).
 *
 * It uses the WebSocket Hibernation API only and sets no timers. Who a socket
 * is lives in its tag and attachment; stream claims, the executor's last
 * instance and counters live in SQLite storage. The constructor rebuilds the
 * in-memory indexes from those, so routing is the same after a wake-up.
 *
 * Routing reads only the frame header (proto/codec peekHeader) and forwards
 * the message it received, the very same bytes.
 */
import { DurableObject } from 'cloudflare:workers';
import { CloseCode } from '../proto/close-codes.ts';
import { encodeReset } from '../proto/codec/encode.ts';
import { MAX_FRAME_BYTES } from '../proto/codec/frame.ts';
import { type FrameHeader, peekHeader } from '../proto/codec/peek.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { StreamClaims } from './claims.ts';
import { type Env, type RelayLimits, relayLimits } from './config.ts';
import { CLOSED, type HarnessSocketInfo, isOpen, SocketDirectory } from './connection.ts';
import { countDrop, parseCounters, type RelayCounters, type RelayStats } from './counters.ts';
import { jsonError } from './http.ts';
import { RELAY_HEADERS } from './relay-headers.ts';
import { RelayStore } from './store.ts';

/** Counters are written to storage at most this often (and on every close). */
const COUNTER_FLUSH_MS = 1000;

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
  readonly #counters: RelayCounters;
  readonly #harness = new Map<string, WebSocket>();
  readonly #sockets = new SocketDirectory();
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
  }

  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/stats') return Response.json(this.#stats());
    if (pathname !== '/ws') return jsonError(404, 'not_found', `no relay route ${pathname}`);
    const role = request.headers.get(RELAY_HEADERS.role);
    const subject = request.headers.get(RELAY_HEADERS.subject) ?? '';
    const instance = request.headers.get(RELAY_HEADERS.instance) ?? '';
    if (role === 'executor') return this.#acceptExecutor(instance);
    if (role === 'harness') return this.#acceptHarness(subject);
    return jsonError(400, 'bad_role', 'role must be executor or harness');
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
    const open = this.ctx.getWebSockets('harness').filter(isOpen).length;
    if (open >= this.#limits.maxHarnessSockets) {
      return jsonError(
        429,
        'too_many_harness_sockets',
        `executor already has ${open} harness sockets (limit ${this.#limits.maxHarnessSockets})`,
      );
    }
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
    // A new stream, or its owner back on a new socket (executor→harness frames follow it).
    const bindsHere =
      claim === undefined ||
      (claim.socketKey !== info.key &&
        (header.kind === 'resume' || !isOpen(this.#harness.get(claim.socketKey))));
    if (bindsHere) {
      if (!this.#roomForStream(info.key)) {
        countDrop(this.#counters, 'stream_limit');
        this.#trySend(ws, encodeReset(streamId, ResetReason.TooManyStreams));
        return;
      }
      if (claim === undefined) {
        this.#claims.add(streamId, {
          owner: info.identity,
          socketKey: info.key,
          instance: this.#executorInstance,
        });
      } else {
        this.#claims.rebind(streamId, info.key);
      }
    }
    if (header.kind === 'reset') this.#claims.release(streamId);
    if (!isOpen(this.#executor) || !this.#trySend(this.#executor, bytes)) {
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
    const target = this.#harness.get(claim.socketKey);
    if (!isOpen(target) || !this.#trySend(target, bytes)) {
      countDrop(this.#counters, 'harness_absent');
      return;
    }
    this.#counters.frames.executor_to_harness += 1;
    this.#counters.bytes.executor_to_harness += bytes.byteLength;
  }

  /**
   * Whether the harness socket may take one more stream. Claims of closed
   * sockets are kept for their owner's reconnect, but only while the object
   * as a whole is under its cap (sockets × streams per socket).
   */
  #roomForStream(socketKey: string): boolean {
    if (this.#claims.countForSocket(socketKey) >= this.#limits.maxStreamsPerHarnessSocket) return false;
    const cap = this.#limits.maxHarnessSockets * this.#limits.maxStreamsPerHarnessSocket;
    if (this.#claims.size >= cap)
      this.#claims.releaseWhere((claim) => !isOpen(this.#harness.get(claim.socketKey)));
    return this.#claims.size < cap;
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
    if (info?.role === 'harness' && this.#harness.get(info.key) === ws) this.#harness.delete(info.key);
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
