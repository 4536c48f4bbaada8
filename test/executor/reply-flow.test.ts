import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../executor/byte-budget.ts';
import { ReplyFlow } from '../../executor/reply-flow.ts';
import { FakeTransport } from './fake-transport.ts';

const answer = (id: number, bytes: number) => ({ id, result: 'x'.repeat(bytes) });

/** Whether `promise` has settled after the pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('answers paced by the send window', () => {
  it('counts answers sent while the transport is backed up, and stops taking requests past the limit until it drains', () => {
    const transport = new FakeTransport();
    const budget = new ByteBudget(10_000);
    const flow = new ReplyFlow(transport, budget, 200);
    flow.send(answer(1, 150));
    expect(budget.used).toBe(0);
    transport.setWritable(false);
    flow.send(answer(2, 150));
    expect(budget.used).toBeGreaterThan(150);
    expect(transport.receivingPaused).toBe(false);
    flow.send(answer(3, 150));
    expect(transport.receivingPaused).toBe(true);
    transport.setWritable(true);
    expect(budget.used).toBe(0);
    expect(transport.receivingPaused).toBe(false);
  });

  it('lets a large answer be made only once the transport has room and the budget can hold it', async () => {
    const transport = new FakeTransport();
    const budget = new ByteBudget(1_000);
    const flow = new ReplyFlow(transport, budget, 200);
    transport.setWritable(false);
    budget.add(900);
    const reserving = flow.reserve(500);
    expect(await settled(reserving)).toBe(false);
    transport.setWritable(true);
    expect(await settled(reserving)).toBe(false);
    budget.release(900);
    const reservation = await reserving;
    expect(budget.used).toBe(500);
    flow.send(answer(1, 400), reservation);
    expect(budget.used).toBe(0);
  });

  it('makes one large answer at a time per connection, the next once the previous is sent', async () => {
    const transport = new FakeTransport();
    const budget = new ByteBudget(10_000);
    const flow = new ReplyFlow(transport, budget, 200);
    const first = await flow.reserve(100);
    const second = flow.reserve(100);
    expect(await settled(second)).toBe(false);
    flow.send(answer(1, 50), first);
    expect(await settled(second)).toBe(true);
    flow.send(answer(2, 50), await second);
    expect(transport.sent.map((m) => (m as { id: number }).id)).toEqual([1, 2]);
    expect(budget.used).toBe(0);
  });

  it('gives back the room and the turn of an answer its ended connection will never send', async () => {
    const transport = new FakeTransport();
    const budget = new ByteBudget(1_000);
    const flow = new ReplyFlow(transport, budget, 200);
    const reservation = await flow.reserve(600);
    flow.close();
    flow.cancel(reservation);
    expect(budget.used).toBe(0);
    const other = new ReplyFlow(new FakeTransport(), budget, 200);
    expect((await other.reserve(900)).bytes).toBe(900);
  });

  it('gives up waiting for room when the connection ends', async () => {
    const transport = new FakeTransport();
    const budget = new ByteBudget(1_000);
    const flow = new ReplyFlow(transport, budget, 200);
    transport.setWritable(false);
    const reserving = flow.reserve(100);
    flow.close();
    await expect(reserving).rejects.toThrow('the connection ended before the answer was made');
    expect(budget.used).toBe(0);
  });
});
