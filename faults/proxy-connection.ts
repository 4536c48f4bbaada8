/**
 * One proxied WebSocket: the client's socket and its upstream twin, with a
 * fault planner and an order-keeping delay line per direction. Thin plumbing
 * around FramePlanner; every decision about a frame is made there.
 */

import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { rawBytes } from '../endpoint/index.ts';
import { type FrameDecision, FramePlanner } from './fault-plan.ts';
import type { Direction, FaultSettings } from './fault-settings.ts';
import { OrderedDelay } from './ordered-delay.ts';
import type { Prng } from './prng.ts';
import type { DirectionStats, KillMode } from './stats.ts';

export type ConnectionState = 'open' | 'halfOpen' | 'closed';

export interface ConnectionInfo {
  /** Accept order, from 0; also what the connection's PRNG streams are derived from. */
  readonly id: number;
  /** The `role` query parameter of the upgrade URL, if any. */
  readonly role: string | undefined;
  /** Path and query as the client asked for them. */
  readonly path: string;
  readonly state: ConnectionState;
}

/**
 * What the proxy did with one binary frame: a fault plan's outcome, or
 * `discarded` when a blackhole or a killed connection swallowed it.
 */
export type FrameFate = Omit<FrameDecision, 'emit'> | 'discarded';

/** Sees one binary frame as the sender put it on the wire (before any fault), and its fate. */
export type FrameObserver = (
  bytes: Uint8Array,
  direction: Direction,
  connection: ConnectionInfo,
  fate: FrameFate,
) => void;

export interface ConnectionEnv {
  settingsFor(direction: Direction, role: string | undefined): FaultSettings;
  isBlackholed(connection: ConnectionInfo): boolean;
  statsFor(direction: Direction): DirectionStats;
  prngFor(connectionId: number, direction: Direction): Prng;
  onStateChange(connection: ProxyConnection, state: ConnectionState, previous: ConnectionState): void;
  readonly onFrame: FrameObserver | undefined;
}

export interface ConnectionSockets {
  readonly client: WebSocket;
  readonly clientSocket: Duplex;
  readonly upstream: WebSocket;
  readonly upstreamSocket: Duplex;
}

type Outbound =
  | { readonly kind: 'message'; readonly data: Uint8Array; readonly binary: boolean }
  | { readonly kind: 'ping'; readonly data: Buffer }
  | { readonly kind: 'pong'; readonly data: Buffer }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

interface Leg {
  readonly direction: Direction;
  readonly from: WebSocket;
  readonly to: WebSocket;
  readonly planner: FramePlanner;
  readonly delay: OrderedDelay<Outbound>;
  holdTimer: NodeJS.Timeout | undefined;
}

const CLEAN_CLOSE_CODE = 1001;
const CLEAN_CLOSE_REASON = 'fault proxy: clean close';

/** Close codes a peer may put on the wire (1005, 1006 and 1015 are local-only). */
function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Keeps reading a socket but throws everything away: nothing is parsed, so nothing is answered. */
function silence(socket: Duplex): void {
  socket.removeAllListeners('data');
  socket.on('data', () => {});
}

export class ProxyConnection implements ConnectionInfo {
  readonly id: number;
  readonly role: string | undefined;
  readonly path: string;
  #state: ConnectionState = 'open';
  readonly #env: ConnectionEnv;
  readonly #sockets: ConnectionSockets;
  readonly #legs: Record<Direction, Leg>;

  constructor(id: number, path: string, sockets: ConnectionSockets, env: ConnectionEnv) {
    this.id = id;
    this.path = path;
    this.role = new URL(path, 'ws://placeholder').searchParams.get('role') ?? undefined;
    this.#env = env;
    this.#sockets = sockets;
    this.#legs = {
      upstream: this.#makeLeg('upstream', sockets.client, sockets.upstream),
      downstream: this.#makeLeg('downstream', sockets.upstream, sockets.client),
    };
    for (const leg of Object.values(this.#legs)) this.#wire(leg);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Applies a kill to an open connection (a no-op on any other). */
  kill(mode: KillMode): void {
    if (this.#state !== 'open') return;
    this.#stopLegs();
    const { client, upstream, clientSocket, upstreamSocket } = this.#sockets;
    if (mode === 'halfOpen') {
      silence(clientSocket);
      silence(upstreamSocket);
      this.#setState('halfOpen');
      return;
    }
    this.#setState('closed');
    if (mode === 'clean') {
      client.close(CLEAN_CLOSE_CODE, CLEAN_CLOSE_REASON);
      upstream.close(CLEAN_CLOSE_CODE, CLEAN_CLOSE_REASON);
    } else {
      client.terminate();
      upstream.terminate();
    }
  }

  /** Tears both sides down at once, whatever the state (proxy shutdown). */
  destroy(): void {
    this.#stopLegs();
    if (this.#state !== 'closed') this.#setState('closed');
    this.#sockets.client.terminate();
    this.#sockets.upstream.terminate();
    this.#sockets.clientSocket.destroy();
    this.#sockets.upstreamSocket.destroy();
  }

  #makeLeg(direction: Direction, from: WebSocket, to: WebSocket): Leg {
    const stats = this.#env.statsFor(direction);
    const deliver = (out: Outbound): void => {
      if (to.readyState !== to.OPEN) return;
      if (out.kind === 'message') {
        to.send(out.data, { binary: out.binary });
        stats.forwarded += 1;
      } else if (out.kind === 'ping') {
        to.ping(out.data);
      } else if (out.kind === 'pong') {
        to.pong(out.data);
      } else if (isSendableCloseCode(out.code)) {
        to.close(out.code, out.reason);
      } else {
        to.close();
      }
    };
    const planner = new FramePlanner(this.#env.prngFor(this.id, direction));
    return { direction, from, to, planner, delay: new OrderedDelay(deliver), holdTimer: undefined };
  }

  #wire(leg: Leg): void {
    const { from } = leg;
    const stats = this.#env.statsFor(leg.direction);
    from.on('error', () => {
      // Followed by 'close' (code 1006), which does the work.
    });
    from.on('message', (data, isBinary) => this.#onMessage(leg, rawBytes(data), isBinary));
    from.on('ping', (data) => {
      if (!this.#passes(leg)) return;
      stats.pings += 1;
      leg.delay.push({ kind: 'ping', data }, this.#settings(leg).delayMs);
    });
    from.on('pong', (data) => {
      if (!this.#passes(leg)) return;
      stats.pongs += 1;
      leg.delay.push({ kind: 'pong', data }, this.#settings(leg).delayMs);
    });
    from.on('close', (code, reason) => this.#onClose(leg, code, reason.toString('utf8')));
  }

  #settings(leg: Leg): FaultSettings {
    return this.#env.settingsFor(leg.direction, this.role);
  }

  /** Open and not blackholed; counts what a blackhole swallows. */
  #passes(leg: Leg): boolean {
    if (this.#state !== 'open') return false;
    if (!this.#env.isBlackholed(this)) return true;
    this.#env.statsFor(leg.direction).blackholed += 1;
    return false;
  }

  #onMessage(leg: Leg, bytes: Uint8Array, isBinary: boolean): void {
    if (!this.#passes(leg)) {
      if (isBinary) this.#env.onFrame?.(bytes, leg.direction, this, 'discarded');
      return;
    }
    const stats = this.#env.statsFor(leg.direction);
    if (!isBinary) {
      // Text is a protocol error the target must see as sent: no faults.
      stats.text += 1;
      leg.delay.push({ kind: 'message', data: bytes, binary: false }, 0);
      return;
    }
    stats.seen += 1;
    const settings = this.#settings(leg);
    const decision = leg.planner.plan(bytes, settings);
    this.#env.onFrame?.(bytes, leg.direction, this, decision);
    if (decision.dropped) stats.dropped += 1;
    if (decision.duplicated) stats.duplicated += 1;
    if (decision.held) stats.reordered += 1;
    if (decision.corrupted) stats.corrupted += 1;
    if (decision.truncated) stats.truncated += 1;
    for (const e of decision.emit)
      leg.delay.push({ kind: 'message', data: e.bytes, binary: true }, e.delayMs);
    if (leg.planner.heldCount > 0 && leg.holdTimer === undefined) {
      leg.holdTimer = setTimeout(() => {
        leg.holdTimer = undefined;
        this.#releaseHeld(leg);
      }, settings.reorderMaxHoldMs);
    }
  }

  #releaseHeld(leg: Leg): void {
    for (const e of leg.planner.releaseHeld(this.#settings(leg))) {
      leg.delay.push({ kind: 'message', data: e.bytes, binary: true }, e.delayMs);
    }
  }

  /** One side closed: pass the close on, after whatever is still in flight towards the other side. */
  #onClose(leg: Leg, code: number, reason: string): void {
    if (this.#state !== 'open') return;
    this.#setState('closed');
    const other = leg.direction === 'upstream' ? this.#legs.downstream : this.#legs.upstream;
    other.delay.clear();
    this.#clearHoldTimers();
    if (code === 1006) {
      // Abnormal closure: the peer vanished, so the other side loses it just as abruptly.
      leg.delay.clear();
      leg.to.terminate();
      return;
    }
    this.#releaseHeld(leg);
    leg.delay.push({ kind: 'close', code, reason }, 0);
  }

  #stopLegs(): void {
    this.#clearHoldTimers();
    for (const leg of Object.values(this.#legs)) leg.delay.clear();
  }

  #clearHoldTimers(): void {
    for (const leg of Object.values(this.#legs)) {
      if (leg.holdTimer !== undefined) clearTimeout(leg.holdTimer);
      leg.holdTimer = undefined;
    }
  }

  #setState(state: ConnectionState): void {
    const previous = this.#state;
    this.#state = state;
    this.#env.onStateChange(this, state, previous);
  }
}
