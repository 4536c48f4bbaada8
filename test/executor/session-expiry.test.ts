import { describe, expect, it } from 'vitest';
import { RendezvousContact } from '../../endpoint/ws/rendezvous-contact.ts';
import { ExpiryClock, expiresAt } from '../../executor/session-expiry.ts';
import { ManualClock } from '../endpoint/manual-clock.ts';

const rules = { sessionTtlMs: 30_000, outageAllowanceMs: 600_000 };

/** An executor's contact with the rendezvous (pongs every 30 s) and its sessions' clock, on manual time. */
function executorAt() {
  const clock = new ManualClock();
  const contact = new RendezvousContact(60_000, clock.now());
  const source = {
    reachability: () => contact.state(clock.now()),
    onReachability: (listener: () => void) => contact.onChange(listener),
  };
  const expiry = new ExpiryClock(rules, source, clock);
  const expired: string[] = [];
  const wait = (name: string) => expiry.start(() => expired.push(name));
  /** A socket opens and its first pong comes back. */
  const connect = () => {
    contact.opened();
    contact.heard(clock.now());
  };
  return { clock, contact, expired, wait, connect };
}

describe('how long a session waits for its harness', () => {
  it('is the TTL from the wait or from when harnesses could reach the executor again, whichever is later', () => {
    expect(expiresAt(1000, rules, { reachable: true, since: 0 })).toBe(31_000);
    expect(expiresAt(1000, rules, { reachable: true, since: 5000 })).toBe(35_000);
  });

  it('is the outage allowance from when the executor last heard from the rendezvous, while it cannot reach it', () => {
    expect(expiresAt(1000, rules, { reachable: false, since: 500 })).toBe(600_500);
    expect(expiresAt(1000, { ...rules, outageAllowanceMs: 10 }, { reachable: false, since: 500 })).toBe(
      31_000,
    );
  });

  it('ends a session whose harness went away after the TTL while the executor is connected', () => {
    const executor = executorAt();
    executor.connect();
    executor.wait('gone');
    executor.clock.advance(29_000);
    executor.contact.heard(executor.clock.now());
    expect(executor.expired).toEqual([]);
    executor.clock.advance(1000);
    expect(executor.expired).toEqual(['gone']);
  });

  it('keeps sessions through an outage of the executor longer than the TTL, then counts the TTL from the reconnect', () => {
    const executor = executorAt();
    executor.connect();
    // The rendezvous goes silent at 0; the stream, silent too, is suspended 45 s later.
    executor.clock.advance(45_000);
    executor.wait('kept');
    executor.clock.advance(15_000);
    executor.contact.closed();
    executor.clock.advance(240_000);
    expect(executor.expired).toEqual([]);
    executor.connect();
    executor.clock.advance(29_000);
    expect(executor.expired).toEqual([]);
    executor.clock.advance(1000);
    expect(executor.expired).toEqual(['kept']);
  });

  it('ends sessions once an outage outlasts the allowance', () => {
    const executor = executorAt();
    executor.connect();
    executor.wait('outlived');
    executor.contact.closed();
    executor.clock.advance(599_000);
    expect(executor.expired).toEqual([]);
    executor.clock.advance(1000);
    expect(executor.expired).toEqual(['outlived']);
  });

  it('counts the TTL from the reconnect after an outage shorter than the silence that marks one', () => {
    const executor = executorAt();
    executor.connect();
    executor.wait('kept');
    executor.contact.closed();
    executor.clock.advance(35_000);
    executor.contact.opened();
    expect(executor.contact.state(executor.clock.now())).toEqual({ reachable: false, since: 0 });
    executor.contact.heard(executor.clock.now());
    expect(executor.contact.state(executor.clock.now())).toEqual({ reachable: true, since: 35_000 });
    executor.clock.advance(29_000);
    expect(executor.expired).toEqual([]);
    executor.clock.advance(1000);
    expect(executor.expired).toEqual(['kept']);
  });

  it('counts a socket that opens but hears nothing as no contact, and waits the allowance from the last thing heard', () => {
    const executor = executorAt();
    executor.contact.opened();
    executor.clock.advance(61_000);
    expect(executor.contact.state(executor.clock.now())).toEqual({ reachable: false, since: 0 });
    executor.wait('half-open');
    executor.clock.advance(538_000);
    expect(executor.expired).toEqual([]);
    executor.clock.advance(1000);
    expect(executor.expired).toEqual(['half-open']);
  });

  it('forgets a wait that was cancelled', () => {
    const executor = executorAt();
    executor.connect();
    const cancel = executor.wait('resumed');
    executor.clock.advance(10_000);
    cancel();
    executor.clock.advance(60_000);
    expect(executor.expired).toEqual([]);
  });
});
