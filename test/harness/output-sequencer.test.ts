import { describe, expect, it } from 'vitest';
import { type OutputEvent, OutputSequencer } from '../../harness/output-sequencer.ts';
import type { ProcessReadResult } from '../../proto/rpc/index.ts';

const out = (seq: number, text = `c${seq}`): OutputEvent => ({
  kind: 'output',
  seq,
  stream: 'stdout',
  data: Buffer.from(text),
});
const texts = (events: OutputEvent[]) =>
  events.map((e) => (e.kind === 'output' ? Buffer.from(e.data).toString() : e.kind));

function read(partial: Partial<ProcessReadResult> & { nextSeq: number }): ProcessReadResult {
  return { chunks: [], exited: false, exitCode: null, signal: null, closed: false, ...partial };
}
const chunk = (seq: number) => ({
  seq,
  stream: 'stdout' as const,
  chunk: Buffer.from(`c${seq}`).toString('base64'),
});

describe('OutputSequencer', () => {
  it('publishes live events in seq order and holds back those that arrive early', () => {
    const s = new OutputSequencer();
    expect(texts(s.accept(out(2)))).toEqual([]);
    expect(texts(s.accept(out(3)))).toEqual([]);
    expect(texts(s.accept(out(1)))).toEqual(['c1', 'c2', 'c3']);
    expect(s.lastSeq).toBe(3);
    expect(s.bufferedCount).toBe(0);
  });

  it('publishes each seq once however often it arrives', () => {
    const s = new OutputSequencer();
    expect(texts(s.accept(out(1)))).toEqual(['c1']);
    expect(texts(s.accept(out(1, 'again')))).toEqual([]);
    expect(texts(s.accept(out(3)))).toEqual([]);
    expect(texts(s.accept(out(3, 'again')))).toEqual([]);
    expect(texts(s.accept(out(2)))).toEqual(['c2', 'c3']);
  });

  it('reports the exit once and closes only after every earlier seq', () => {
    const s = new OutputSequencer();
    s.accept(out(1));
    expect(texts(s.accept({ kind: 'closed', seq: 4 }))).toEqual([]);
    expect(texts(s.accept({ kind: 'exited', seq: 3, status: { exitCode: 0, signal: null } }))).toEqual([]);
    expect(texts(s.accept(out(2)))).toEqual(['c2', 'exited', 'closed']);
    expect(s.closed).toBe(true);
    expect(texts(s.accept(out(5)))).toEqual([]);
  });

  it('fills a gap left by a lost connection from a catch-up read and drops the overlap', () => {
    const s = new OutputSequencer();
    s.accept(out(1));
    // Live events that came on the new connection before the read answered.
    s.accept(out(5));
    s.accept(out(6));
    const published = s.acceptRead(read({ chunks: [chunk(2), chunk(3), chunk(4), chunk(5)], nextSeq: 6 }));
    expect(texts(published)).toEqual(['c2', 'c3', 'c4', 'c5', 'c6']);
    expect(s.lastSeq).toBe(6);
  });

  it('moves past the exit event of a read and takes the exit status from the read', () => {
    const s = new OutputSequencer();
    // seq 1 output, seq 2 exited, seq 3 output written by a child after the exit.
    const published = s.acceptRead(
      read({ chunks: [chunk(1), chunk(3)], nextSeq: 4, exited: true, exitCode: 7 }),
    );
    expect(published.map((e) => e.kind)).toEqual(['output', 'exited', 'output']);
    expect(published[1]).toMatchObject({ kind: 'exited', status: { exitCode: 7, signal: null } });
    expect(s.closed).toBe(false);
    expect(s.lastSeq).toBe(3);
  });

  it('closes on a read that reached past the close event and not on one cut short', () => {
    const s = new OutputSequencer();
    const first = s.acceptRead(read({ chunks: [chunk(1)], nextSeq: 2, exited: true, exitCode: 0 }));
    expect(first.map((e) => e.kind)).toEqual(['output', 'exited']);
    expect(s.closed).toBe(false);
    const last = s.acceptRead(
      read({ chunks: [chunk(2)], nextSeq: 5, exited: true, exitCode: 0, closed: true }),
    );
    expect(last.map((e) => e.kind)).toEqual(['output', 'closed']);
    expect(s.closed).toBe(true);
  });

  it('does not report a second exit when the live exit and the read both carry it', () => {
    const s = new OutputSequencer();
    s.accept(out(1));
    expect(texts(s.accept({ kind: 'exited', seq: 2, status: { exitCode: 1, signal: null } }))).toEqual([
      'exited',
    ]);
    const published = s.acceptRead(read({ nextSeq: 4, exited: true, exitCode: 1, closed: true }));
    expect(texts(published)).toEqual(['closed']);
  });
});
