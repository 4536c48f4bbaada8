/**
 * A loopback WebSocket fault proxy between an endpoint and its target (the
 * rendezvous). Each client socket gets an upstream socket to the same path
 * and query on the target; binary frames pass through a seeded fault planner
 * per direction, text frames pass untouched, and plain HTTP requests are
 * forwarded with the returned socket `url` pointed back at the proxy.
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ClientOptions, type ServerOptions, WebSocket, WebSocketServer } from 'ws';
import {
  DIRECTIONS,
  type Direction,
  type FaultSettings,
  NO_FAULTS,
  normalizeFaults,
} from './fault-settings.ts';
import { passThrough } from './http-pass-through.ts';
import { createPrng, deriveSeed, type Prng } from './prng.ts';
import {
  type ConnectionInfo,
  type ConnectionState,
  type FrameObserver,
  ProxyConnection,
} from './proxy-connection.ts';
import { copyStats, emptyStats, type FaultProxyStats, type KillMode } from './stats.ts';

export type ConnectionFilter = { readonly role?: string } | ((connection: ConnectionInfo) => boolean);

/** What happened to the proxy's connections, for a timeline of a run. */
export type ProxyEvent =
  | { readonly kind: 'opened'; readonly connection: ConnectionInfo }
  | { readonly kind: 'state'; readonly connection: ConnectionInfo; readonly state: ConnectionState }
  | { readonly kind: 'kill'; readonly connection: ConnectionInfo; readonly mode: KillMode }
  /** `role` is the filter's role; undefined for every connection or a filter function. */
  | { readonly kind: 'blackhole'; readonly ms: number; readonly role: string | undefined };

export interface FaultProxyOptions {
  /** Base URL of the target: `http://127.0.0.1:8787` (ws/wss/https accepted). Its path is ignored. */
  readonly target: string;
  /** Every fault decision derives from this seed. */
  readonly seed: number;
  /** Initial settings for both directions. */
  readonly faults?: Partial<FaultSettings>;
  readonly host?: string;
  readonly port?: number;
  /** Clock for blackhole windows, in ms (default: performance.now). */
  readonly now?: () => number;
  /** Largest frame passed on (default 64 MiB), so the target sees oversize frames and rejects them itself. */
  readonly maxPayload?: number;
  /** Sees every binary frame as it arrives, before any fault or blackhole touches it. */
  readonly onFrame?: FrameObserver;
  /** Sees connections open and close, kills and blackholes as they happen. */
  readonly onEvent?: (event: ProxyEvent) => void;
}

export interface ScheduledKills {
  readonly everyMs: number;
  /** One mode, or several to pick from with the proxy's seeded PRNG. */
  readonly mode: KillMode | readonly KillMode[];
  readonly filter?: ConnectionFilter;
}

export interface FaultProxy {
  readonly seed: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT`: use it as the registry URL. */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:PORT`: prefix a path to reach the target's socket through the proxy. */
  readonly wsUrl: string;
  /**
   * Replaces the settings of one direction (or both); unspecified fields are
   * off. With a role, only connections of that role use them.
   */
  setFaults(direction: Direction | 'both', settings: Partial<FaultSettings>, role?: string): void;
  faults(direction: Direction, role?: string): FaultSettings;
  /** Back to no faults anywhere. */
  clearFaults(): void;
  /** Kills every open connection matching the filter; returns how many. */
  killAll(mode: KillMode, filter?: ConnectionFilter): number;
  /**
   * Silently discards every frame, ping and pong of matching connections (new
   * ones too) for `ms`. HTTP calls and new upgrades still pass.
   */
  blackhole(ms: number, filter?: ConnectionFilter): void;
  endBlackholes(): void;
  /** Kills matching connections every `everyMs` until the returned function is called. */
  scheduleKills(schedule: ScheduledKills): () => void;
  connections(): ConnectionInfo[];
  stats(): FaultProxyStats;
  /** Tears down every connection, schedule and the listener. */
  close(): Promise<void>;
}

/**
 * Pings and pongs are forwarded, not answered, so liveness is end to end.
 * Frames pass as they are: no permessage-deflate. After both close frames
 * have crossed, a peer's FIN is awaited only briefly (workerd may hold the TCP
 * connection of a socket its Durable Object closed for ~10 s), so a close
 * reaches the other side promptly. `closeTimeout` is a ws option its type
 * definitions do not list.
 */
const SOCKET_OPTIONS = { autoPong: false, perMessageDeflate: false, closeTimeout: 250 };

function matches(filter: ConnectionFilter | undefined, connection: ConnectionInfo): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(connection);
  return filter.role === undefined || filter.role === connection.role;
}

function toOrigins(target: string): { http: string; ws: string } {
  const url = new URL(target);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  return { http: `${secure ? 'https' : 'http'}://${url.host}`, ws: `${secure ? 'wss' : 'ws'}://${url.host}` };
}

/** Answers a refused upgrade with the target's own status and body, so the client sees the real refusal. */
function relayRefusal(
  socket: Duplex,
  status: number,
  statusText: string,
  headers: string[],
  body: Buffer,
): void {
  const lines = [`HTTP/1.1 ${status} ${statusText}`];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    lines.push(`${headers[i]}: ${headers[i + 1]}`);
  }
  lines.push(`content-length: ${body.length}`, 'connection: close', '', '');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]));
}

/** The seed of one connection's planner in one direction: replays a run's decisions from its seed. */
export function connectionSeed(seed: number, connectionId: number, direction: Direction): number {
  return deriveSeed(seed >>> 0, `connection:${connectionId}:${direction}`);
}

function settingsKey(direction: Direction, role: string | undefined): string {
  return role === undefined ? direction : `${direction}|${role}`;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const origins = toOrigins(options.target);
  const now = options.now ?? (() => performance.now());
  const maxPayload = options.maxPayload ?? 64 * 1024 * 1024;
  const seed = options.seed >>> 0;
  const controlPrng = createPrng(deriveSeed(seed, 'control'));
  const stats = emptyStats();
  const settings = new Map<string, FaultSettings>();
  const live = new Set<ProxyConnection>();
  const pendingUpgrades = new Set<{ socket: Duplex; upstream: WebSocket }>();
  const blackholes: { until: number; filter: ConnectionFilter | undefined }[] = [];
  const schedules = new Set<NodeJS.Timeout>();
  let nextConnectionId = 0;
  let proxyHost = '';

  const setFaults = (direction: Direction | 'both', partial: Partial<FaultSettings>, role?: string): void => {
    const normalized = normalizeFaults(partial);
    for (const d of direction === 'both' ? DIRECTIONS : [direction])
      settings.set(settingsKey(d, role), normalized);
  };
  if (options.faults !== undefined) setFaults('both', options.faults);

  const settingsFor = (direction: Direction, role: string | undefined): FaultSettings =>
    (role === undefined ? undefined : settings.get(settingsKey(direction, role))) ??
    settings.get(direction) ??
    NO_FAULTS;

  const isBlackholed = (connection: ConnectionInfo): boolean => {
    const t = now();
    for (let i = blackholes.length - 1; i >= 0; i--) {
      if ((blackholes[i] as { until: number }).until <= t) blackholes.splice(i, 1);
    }
    return blackholes.some((b) => matches(b.filter, connection));
  };

  const env = {
    settingsFor,
    isBlackholed,
    statsFor: (direction: Direction) => stats[direction],
    prngFor: (connectionId: number, direction: Direction): Prng =>
      createPrng(connectionSeed(seed, connectionId, direction)),
    onFrame: options.onFrame,
    onStateChange: (connection: ProxyConnection, state: ConnectionState, previous: ConnectionState) => {
      if (previous === 'open') stats.connections.active -= 1;
      if (state === 'closed') live.delete(connection);
      options.onEvent?.({ kind: 'state', connection, state });
    },
  };

  const wss = new WebSocketServer({ noServer: true, ...SOCKET_OPTIONS, maxPayload } as ServerOptions);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = req.url ?? '/';
    const headers: Record<string, string> = {};
    const authorization = req.headers.authorization;
    if (authorization !== undefined) headers.authorization = authorization;
    // Concatenated, not resolved: a path like `//host/x` must not redirect the upstream elsewhere.
    const upstream = new WebSocket(`${origins.ws}${path}`, {
      ...SOCKET_OPTIONS,
      maxPayload,
      headers,
    } as ClientOptions);
    const pending = { socket, upstream };
    pendingUpgrades.add(pending);
    let upstreamSocket: Duplex | undefined;
    const abandon = (): void => {
      pendingUpgrades.delete(pending);
      upstream.terminate();
    };
    socket.once('close', abandon);
    socket.on('error', () => {
      // Followed by 'close'.
    });
    upstream.once('upgrade', (response) => {
      upstreamSocket = response.socket;
    });
    upstream.once('unexpected-response', (_request, response) => {
      stats.connections.rejected += 1;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        pendingUpgrades.delete(pending);
        socket.off('close', abandon);
        upstream.terminate();
        relayRefusal(
          socket,
          response.statusCode ?? 502,
          response.statusMessage ?? '',
          response.rawHeaders,
          Buffer.concat(chunks),
        );
      });
      response.on('error', () => socket.destroy());
    });
    upstream.on('error', (error) => {
      if (!pendingUpgrades.has(pending)) return;
      // Reached only when the target could not be reached at all (a refusal comes as unexpected-response).
      stats.connections.rejected += 1;
      pendingUpgrades.delete(pending);
      socket.off('close', abandon);
      const body = Buffer.from(
        JSON.stringify({ error: `fault proxy could not reach target: ${error.message}` }),
      );
      relayRefusal(socket, 502, 'Bad Gateway', ['content-type', 'application/json'], body);
    });
    upstream.once('open', () => {
      pendingUpgrades.delete(pending);
      socket.off('close', abandon);
      if (upstreamSocket === undefined || socket.destroyed) {
        upstream.terminate();
        socket.destroy();
        return;
      }
      const acceptedUpstreamSocket = upstreamSocket;
      wss.handleUpgrade(req, socket, head, (client) => {
        const connection = new ProxyConnection(
          nextConnectionId++,
          path,
          { client, clientSocket: socket, upstream, upstreamSocket: acceptedUpstreamSocket },
          env,
        );
        live.add(connection);
        stats.connections.opened += 1;
        stats.connections.active += 1;
        options.onEvent?.({ kind: 'opened', connection });
      });
    });
  };

  const server: Server = createServer((req, res) => {
    stats.httpRequests += 1;
    void passThrough(req, res, origins.http, proxyHost);
  });
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  proxyHost = `${host}:${address.port}`;

  const killAll = (mode: KillMode, filter?: ConnectionFilter): number => {
    let killed = 0;
    for (const connection of [...live]) {
      if (!matches(filter, connection) || connection.state !== 'open') continue;
      // Told before the kill, so the kill comes before the state change it causes.
      options.onEvent?.({ kind: 'kill', connection, mode });
      connection.kill(mode);
      killed += 1;
      stats.kills[mode] += 1;
    }
    return killed;
  };

  return {
    seed,
    port: address.port,
    httpUrl: `http://${proxyHost}`,
    wsUrl: `ws://${proxyHost}`,
    setFaults,
    faults: (direction, role) => settingsFor(direction, role),
    clearFaults: () => settings.clear(),
    killAll,
    blackhole(ms, filter) {
      if (!(Number.isFinite(ms) && ms >= 0))
        throw new RangeError(`blackhole needs a duration in ms, got ${ms}`);
      blackholes.push({ until: now() + ms, filter });
      options.onEvent?.({
        kind: 'blackhole',
        ms,
        role: typeof filter === 'object' ? filter.role : undefined,
      });
    },
    endBlackholes: () => {
      blackholes.length = 0;
    },
    scheduleKills(schedule) {
      if (!(Number.isFinite(schedule.everyMs) && schedule.everyMs > 0)) {
        throw new RangeError(`scheduleKills needs everyMs > 0, got ${schedule.everyMs}`);
      }
      const modes: readonly KillMode[] = typeof schedule.mode === 'string' ? [schedule.mode] : schedule.mode;
      if (modes.length === 0) throw new RangeError('scheduleKills needs at least one kill mode');
      const timer = setInterval(() => {
        const mode = modes[modes.length === 1 ? 0 : controlPrng.int(modes.length)] as KillMode;
        killAll(mode, schedule.filter);
      }, schedule.everyMs);
      schedules.add(timer);
      return () => {
        clearInterval(timer);
        schedules.delete(timer);
      };
    },
    connections: () => [...live].map((c) => ({ id: c.id, role: c.role, path: c.path, state: c.state })),
    stats: () => copyStats(stats),
    async close() {
      for (const timer of schedules) clearInterval(timer);
      schedules.clear();
      for (const pending of pendingUpgrades) {
        pending.upstream.terminate();
        pending.socket.destroy();
      }
      pendingUpgrades.clear();
      for (const connection of [...live]) connection.destroy();
      live.clear();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
