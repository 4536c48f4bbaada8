import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeFrame, ownerField, withOwner } from '../../proto/codec/index.ts';
import { dataFrame, resetFrame, resetReason, resumeFrame, splitOwner } from '../../sim/raw/frames.ts';
import { eventually } from '../../sim/raw/session.ts';
import { openRelaySocket, UpgradeRejected } from '../../sim/raw/socket.ts';
import { forwarded, useWorker } from './fixture.ts';

const relay = useWorker({
  vars: { NEW_STREAM_BURST: '4', NEW_STREAMS_PER_SECOND: '50', CLAIM_TIMEOUT_SECONDS: '1' },
});

const freshId = () => `exec-${randomUUID()}`;
const claims = async (executorId: string) => (await relay.worker.stats(executorId)).streams;

describe('new streams per harness socket', () => {
  it('refuses a new stream beyond the burst with stream_rate_limit, and takes new ones again as the bucket refills', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const harness = await relay.openHarness(executorId);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) harness.send(resumeFrame(id, 0));
    for (const id of ids.slice(0, 4)) expect(await forwarded(executor)).toEqual(resumeFrame(id, 0));
    expect(resetReason(await harness.nextFrame())).toBe('stream_rate_limit');
    expect((await relay.worker.stats(executorId)).drops.stream_rate_limit).toBe(1);
    await eventually(async () => {
      const later = randomUUID();
      harness.send(resumeFrame(later, 0));
      return (await claims(executorId)) === 5;
    });
  });

  it('takes nothing from the bucket to re-bind streams after a reconnect', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const token = await relay.worker.mintToken('harness', executorId);
    const first = await relay.openHarness(executorId, token);
    const ids = Array.from({ length: 4 }, () => randomUUID());
    for (const id of ids) first.send(resumeFrame(id, 1));
    for (const _ of ids) await forwarded(executor);
    const second = await relay.openHarness(executorId, token);
    for (const id of ids) second.send(resumeFrame(id, 1));
    for (const id of ids) expect(await forwarded(executor)).toEqual(resumeFrame(id, 1));
    expect(second.pending()).toBe(0);
  });
});

describe('claims that outlive their use', () => {
  it('frees a claim the executor never answered, and keeps one it answered while its socket is open', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const harness = await relay.openHarness(executorId);
    const [unanswered, answered] = [randomUUID(), randomUUID()];
    harness.send(resumeFrame(unanswered, 0));
    harness.send(resumeFrame(answered, 1));
    await forwarded(executor);
    await forwarded(executor);
    executor.send(dataFrame(answered, 1));
    await harness.nextFrame();
    await eventually(async () => (await claims(executorId)) === 1);
    const down = dataFrame(answered, 2);
    executor.send(down);
    expect(await harness.nextFrame()).toEqual(down);
  });

  it('frees the claims of a socket that stayed closed, telling the executor harness_gone', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const harness = await relay.openHarness(executorId);
    const stream = randomUUID();
    harness.send(resumeFrame(stream, 1));
    await forwarded(executor);
    executor.send(dataFrame(stream, 1));
    await harness.nextFrame();
    await harness.close();
    const reset = await executor.nextFrame(5000);
    expect(decodeFrame(reset)).toMatchObject({
      ok: true,
      value: { streamId: stream, body: { case: 'reset', value: { reason: 'harness_gone' } } },
    });
    expect(await claims(executorId)).toBe(0);
  });

  it('drops a reset for a stream nobody claimed instead of claiming it', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const harness = await relay.openHarness(executorId);
    harness.send(resetFrame(randomUUID(), 'closed'));
    const stream = randomUUID();
    harness.send(resumeFrame(stream, 0));
    expect(await forwarded(executor)).toEqual(resumeFrame(stream, 0));
    expect((await relay.worker.stats(executorId)).drops.unclaimed_stream).toBe(1);
  });
});

describe('the owner of a stream, as the executor hears it', () => {
  it('appends the harness identity to every frame, over an owner the harness wrote itself', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const token = await relay.worker.mintToken('harness', executorId, { subject: 'alice' });
    const harness = await relay.openHarness(executorId, token);
    const stream = randomUUID();
    const forged = withOwner(dataFrame(stream, 1), ownerField('bob'));
    harness.send(forged);
    const received = await executor.nextFrame();
    expect(splitOwner(received)).toEqual({ frame: forged, owner: 'alice' });
    expect(decodeFrame(received)).toMatchObject({ ok: true, value: { owner: 'alice' } });
  });
});

describe('tickets', () => {
  it('opens one socket per harness ticket: the second open is refused with 401 ticket_already_used', async () => {
    const executorId = freshId();
    await relay.openExecutor(executorId);
    const token = await relay.worker.mintToken('harness', executorId);
    const { url } = await relay.worker.connect(executorId, token);
    await relay.openSocket(url);
    const again = await relay.openSocket(url).catch((err: unknown) => err);
    expect(again).toBeInstanceOf(UpgradeRejected);
    expect((again as UpgradeRejected).status).toBe(401);
    expect(JSON.parse((again as UpgradeRejected).body).error.code).toBe('ticket_already_used');
  });

  it("refuses a second open of an executor ticket and keeps routing to the executor's socket", async () => {
    const executorId = freshId();
    const token = await relay.worker.mintToken('executor', executorId);
    const { url } = await relay.worker.register(executorId, token, 'instance-1');
    const executor = await relay.openSocket(url);
    const again = await openRelaySocket(url).catch((err: unknown) => err);
    expect((again as UpgradeRejected).status).toBe(401);
    const harness = await relay.openHarness(executorId);
    const stream = randomUUID();
    harness.send(resumeFrame(stream, 0));
    expect(await forwarded(executor)).toEqual(resumeFrame(stream, 0));
  });
});
