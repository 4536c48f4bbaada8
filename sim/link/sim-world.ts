import type { StreamEvent, StreamMux } from '../../endpoint/index.ts';
import { type LinkFaults, Rng, SimLink } from './link-simulator.ts';

export interface SideLog {
  messages: Map<string, Uint8Array[]>;
  events: Map<string, StreamEvent[]>;
  opened: string[];
  framesSent: number;
}

function emptyLog(): SideLog {
  return { messages: new Map(), events: new Map(), opened: [], framesSent: 0 };
}

/**
 * Two muxes joined by two simulated links (a→b and b→a) under fake time.
 * Each step jumps to the next frame arrival or core deadline.
 */
export class SimWorld {
  now = 0;
  readonly a: StreamMux;
  readonly b: StreamMux;
  readonly ab: SimLink;
  readonly ba: SimLink;
  readonly logA = emptyLog();
  readonly logB = emptyLog();
  /** Called after every flush; producers feed streams here. */
  onIdle: (world: SimWorld) => void = () => {};
  /** Called after every flush; invariant checks go here. */
  check: (world: SimWorld) => void = () => {};
  #connected = true;

  constructor(
    seed: number,
    a: StreamMux,
    b: StreamMux,
    faultsAB: LinkFaults = {},
    faultsBA: LinkFaults = {},
  ) {
    const rng = new Rng(seed);
    this.a = a;
    this.b = b;
    this.ab = new SimLink(rng, faultsAB);
    this.ba = new SimLink(rng, faultsBA);
  }

  /** Cuts the physical link: both muxes learn it, every frame in flight is lost. */
  disconnect(): void {
    this.#connected = false;
    this.ab.cut();
    this.ba.cut();
    this.a.linkLost(this.now);
    this.b.linkLost(this.now);
    this.flush();
  }

  reconnect(): void {
    this.#connected = true;
    this.a.linkRestored(this.now);
    this.b.linkRestored(this.now);
    this.flush();
  }

  flush(): void {
    for (let round = 0; round < 1000; round += 1) {
      this.onIdle(this);
      const moved = this.#drainSide(this.a, this.ab, this.logA) + this.#drainSide(this.b, this.ba, this.logB);
      this.check(this);
      if (moved === 0) return;
    }
    throw new Error('flush did not settle');
  }

  nextEventTime(): number | undefined {
    const times = [
      this.ab.nextDelivery(),
      this.ba.nextDelivery(),
      this.a.nextDeadline(),
      this.b.nextDeadline(),
    ].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.max(this.now, Math.min(...times));
  }

  /** Advances to the next event (or to `limit`); returns false when nothing is scheduled before it. */
  step(limit = Number.POSITIVE_INFINITY): boolean {
    const next = this.nextEventTime();
    if (next === undefined || next > limit) {
      if (Number.isFinite(limit)) this.now = Math.max(this.now, limit);
      return false;
    }
    this.now = next;
    for (const bytes of this.ab.take(this.now)) this.b.receive(bytes, this.now);
    for (const bytes of this.ba.take(this.now)) this.a.receive(bytes, this.now);
    this.a.tick(this.now);
    this.b.tick(this.now);
    this.flush();
    return true;
  }

  /** Steps until `done()` or until simulated time passes `maxTime`; returns whether done. */
  runUntil(done: () => boolean, maxTime: number): boolean {
    this.flush();
    while (!done()) {
      if (this.now > maxTime) return false;
      if (!this.step(maxTime + 1) && !done()) return false;
    }
    return true;
  }

  /** Advances fake time to `until`, processing everything on the way. */
  runFor(ms: number): void {
    const until = this.now + ms;
    while (this.step(until)) {
      // keep going
    }
  }

  #drainSide(mux: StreamMux, link: SimLink, log: SideLog): number {
    const out = mux.drain();
    for (const frame of out.frames) {
      log.framesSent += 1;
      if (this.#connected) link.send(frame, this.now);
    }
    for (const { streamId } of out.opened) log.opened.push(streamId);
    for (const s of out.streams) {
      if (!log.messages.has(s.streamId)) log.messages.set(s.streamId, []);
      if (!log.events.has(s.streamId)) log.events.set(s.streamId, []);
      log.messages.get(s.streamId)?.push(...s.messages);
      log.events.get(s.streamId)?.push(...s.events);
    }
    return out.frames.length + out.streams.length + out.opened.length;
  }
}
