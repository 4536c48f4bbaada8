import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../endpoint/mux/deadline-queue.ts';

describe('the deadline queue of a mux', () => {
  it('gives the earliest deadline of any stream', () => {
    const queue = new DeadlineQueue();
    queue.set('a', 30);
    queue.set('b', 10);
    queue.set('c', 20);
    expect(queue.peek()).toBe(10);
  });

  it('forgets a deadline that was moved or removed', () => {
    const queue = new DeadlineQueue();
    queue.set('a', 10);
    queue.set('b', 20);
    queue.set('a', 40);
    expect(queue.peek()).toBe(20);
    queue.set('b', undefined);
    expect(queue.peek()).toBe(40);
    queue.set('a', undefined);
    expect(queue.peek()).toBeUndefined();
  });

  it('takes the streams that are due, earliest first, and only those', () => {
    const queue = new DeadlineQueue();
    for (const [id, at] of [
      ['a', 5],
      ['b', 1],
      ['c', 9],
      ['d', 3],
    ] as const)
      queue.set(id, at);
    expect(queue.takeDue(5)).toEqual(['b', 'd', 'a']);
    expect(queue.takeDue(5)).toEqual([]);
    expect(queue.peek()).toBe(9);
  });

  it('stays correct through many moves of the same deadlines', () => {
    const queue = new DeadlineQueue();
    const expected = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = `s${i % 50}`;
      const at = (i * 7919) % 1000;
      queue.set(id, at);
      expected.set(id, at);
    }
    expect(queue.peek()).toBe(Math.min(...expected.values()));
    const due = queue.takeDue(500);
    expect(new Set(due)).toEqual(new Set([...expected].filter(([, at]) => at <= 500).map(([id]) => id)));
  });
});
