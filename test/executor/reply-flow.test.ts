import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ByteBudget } from '../../executor/byte-budget.ts';
import { fsReadDirectory } from '../../executor/files/fs-methods.ts';
import { fsWalk } from '../../executor/files/fs-walk.ts';
import { jsonBytes } from '../../executor/limits.ts';
import type { MethodContext } from '../../executor/method-table.ts';
import { ReplyFlow } from '../../executor/reply-flow.ts';
import { FakeTransport } from './fake-transport.ts';
import { useScratchDir } from './fixture.ts';

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

  it('grows the room of an answer in its turn once the budget can hold it, holding none of it meanwhile', async () => {
    const transport = new FakeTransport();
    const budget = new ByteBudget(1_000);
    const flow = new ReplyFlow(transport, budget, 200);
    const small = await flow.reserve(100);
    budget.add(600);
    const growing = flow.resize(small, 500);
    expect(await settled(growing)).toBe(false);
    expect(budget.used).toBe(600);
    const next = flow.reserve(50);
    budget.release(600);
    const grown = await growing;
    expect(budget.used).toBe(500);
    expect(await settled(next)).toBe(false);
    const shrunk = await flow.resize(grown, 300);
    expect(budget.used).toBe(300);
    flow.send(answer(1, 250), shrunk);
    flow.send(answer(2, 10), await next);
    expect(budget.used).toBe(0);
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

describe('listings as large answers', () => {
  const scratch = useScratchDir('relaykit-listing-');

  /** A method context whose reservations are recorded and granted only once `grant` is called. */
  function pacedContext() {
    const reserved: number[] = [];
    let grant = () => {};
    const granted = new Promise<void>((resolve) => {
      grant = resolve;
    });
    const context = {
      reserveReply: async (bytes: number) => {
        reserved.push(bytes);
        await granted;
      },
    } as unknown as MethodContext;
    return { context, reserved, grant };
  }

  it('reads a directory for fs/readDirectory only in its turn, with room for every entry', async () => {
    await writeFile(join(scratch.path, 'early'), '');
    const { context, reserved, grant } = pacedContext();
    const listing = fsReadDirectory({ path: scratch.path, sandbox: undefined }, context);
    await vi.waitFor(() => expect(reserved.length).toBe(1));
    await writeFile(join(scratch.path, 'late'), '');
    grant();
    const result = await listing;
    expect(result.entries.map((e) => e.fileName)).toEqual(['early', 'late']);
    expect(reserved.at(-1)).toBeGreaterThanOrEqual(jsonBytes(result));
  });

  it('walks for fs/walk only in its turn, growing its room ahead of the answer', async () => {
    const names = Array.from({ length: 600 }, (_, i) => `${String(i).padStart(4, '0')}-${'n'.repeat(120)}`);
    await mkdir(join(scratch.path, 'sub'));
    await Promise.all(names.map((name) => writeFile(join(scratch.path, 'sub', name), '')));
    const { context, reserved, grant } = pacedContext();
    const options = { maxDepth: 4, maxDirectories: 100, maxEntries: 10_000, followDirectorySymlinks: false };
    const walk = fsWalk({ path: scratch.path, options, sandbox: undefined }, context);
    await vi.waitFor(() => expect(reserved.length).toBe(1));
    await writeFile(join(scratch.path, 'late'), '');
    grant();
    const result = await walk;
    expect(result.entries).toHaveLength(names.length + 2);
    expect(result.entries.some((e) => e.path.endsWith('/late'))).toBe(true);
    expect(jsonBytes(result)).toBeGreaterThan(reserved[0] ?? 0);
    expect(reserved.at(-1)).toBeGreaterThanOrEqual(jsonBytes(result));
  });
});
