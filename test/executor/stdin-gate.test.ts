import { afterEach, describe, expect, it, vi } from 'vitest';
import { ByteBudget } from '../../executor/byte-budget.ts';
import { STDIN_WAIT_MS, StdinGate } from '../../executor/process/stdin-gate.ts';

/** A stdin whose reader the test plays: each write's callback runs when the test says it was read. */
function fakeStdin() {
  const unread: (() => void)[] = [];
  let open = true;
  return {
    write: (_data: Buffer, written: () => void) => unread.push(written),
    readOne: () => unread.shift()?.(),
    open: () => open,
    close: () => {
      open = false;
    },
    get unread() {
      return unread.length;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('stdin a process has not read', () => {
  it('passes a write that fits at once, and holds the next until the process reads', async () => {
    const stdin = fakeStdin();
    const budget = new ByteBudget(100);
    const gate = new StdinGate(10, budget);
    expect(await gate.pass(Buffer.alloc(8), stdin.write, stdin.open)).toBe(true);
    const second = gate.pass(Buffer.alloc(8), stdin.write, stdin.open);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stdin.unread).toBe(1);
    expect(budget.used).toBe(16);
    stdin.readOne();
    expect(await second).toBe(true);
    stdin.readOne();
    expect(budget.used).toBe(0);
  });

  it("refuses at once a write the executor's budget cannot hold, naming max-stdin-bytes-total", async () => {
    const stdin = fakeStdin();
    const budget = new ByteBudget(10);
    await new StdinGate(10, budget).pass(Buffer.alloc(8), stdin.write, stdin.open);
    await expect(new StdinGate(10, budget).pass(Buffer.alloc(8), stdin.write, stdin.open)).rejects.toThrow(
      /max-stdin-bytes-total 10/,
    );
    expect(budget.used).toBe(8);
  });

  it('refuses a write the process has not made room for within the wait, naming max-stdin-bytes', async () => {
    vi.useFakeTimers();
    const stdin = fakeStdin();
    const budget = new ByteBudget(100);
    const gate = new StdinGate(10, budget);
    await gate.pass(Buffer.alloc(8), stdin.write, stdin.open);
    const waiting = gate.pass(Buffer.alloc(8), stdin.write, stdin.open);
    const refused = expect(waiting).rejects.toThrow(/within 10000 ms \(max-stdin-bytes 10\)/);
    await vi.advanceTimersByTimeAsync(STDIN_WAIT_MS);
    await refused;
    expect(budget.used).toBe(8);
  });

  it('stops a waiting write without writing it when stdin closes', async () => {
    const stdin = fakeStdin();
    const budget = new ByteBudget(100);
    const gate = new StdinGate(10, budget);
    await gate.pass(Buffer.alloc(8), stdin.write, stdin.open);
    const waiting = gate.pass(Buffer.alloc(8), stdin.write, stdin.open);
    stdin.close();
    gate.closed();
    expect(await waiting).toBe(false);
    expect(stdin.unread).toBe(1);
    expect(budget.used).toBe(8);
  });
});
