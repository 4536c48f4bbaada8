import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { sessionOpening, type UnackingSession, unackingSession } from '../../sim/attack/raw-harness.ts';
import { pollUntil } from '../../sim/poll.ts';
import { attackTarget, duringFlood, useAttackStack } from './attack-support.ts';
import { e2eProfiles, printSeedOnFailure, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const stacks = useAttackStack(seed);
const SEGMENT = 60 * 1024;
const ATTACKERS = 12;

/** How many attackers still hold a message, and the reasons the others were reset with. */
function outcome(attackers: UnackingSession[]): { held: number; reasons: string[] } {
  const reasons = attackers.flatMap(({ stream }) => stream.resetReason ?? []);
  return { held: attackers.length - reasons.length, reasons };
}

describe.skipIf(!e2eProfiles().includes('cleartext'))('reassembly of cleartext segments under attack', () => {
  it('holds unfinished messages of many streams within max-reassembly-bytes, resetting the streams beyond it', {
    timeout: 120_000,
  }, async () => {
    const stack = await stacks.start('cleartext');
    const target = await attackTarget(stack);
    const count = Math.floor(DEFAULT_LIMITS.maxMessageBytes / SEGMENT);
    const payload = new Uint8Array(SEGMENT).fill(0x5b);
    const attackers: UnackingSession[] = [];
    await duringFlood(stack, async () => {
      for (let i = 0; i < ATTACKERS; i++) {
        const attacker = await unackingSession(target);
        attackers.push(attacker);
        const { stream } = attacker;
        for (const message of sessionOpening()) stream.send(message);
        // Every segment but the last: the message never completes.
        for (let index = 0; index < count - 1 && stream.resetReason === undefined; index++) {
          stream.sendSegment(index, count, payload);
          if (index % 16 === 15) await stream.acked(16);
        }
        await stream.acked();
      }
    });
    const { held, reasons } = outcome(attackers);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(Math.ceil(DEFAULT_LIMITS.maxReassemblyBytes / (count * SEGMENT)));
    expect(reasons).toEqual(Array(ATTACKERS - held).fill('protocol_error:reassembly_limit'));
    await Promise.all(attackers.map(({ stream }) => stream.close()));
  });

  it('resets a stream whose message claims more segments than max-message-segments, before holding any', async () => {
    const stack = await stacks.start('cleartext');
    const { stream } = await unackingSession(await attackTarget(stack));
    const one = new Uint8Array([0x20]);
    await duringFlood(stack, async () => {
      for (const message of sessionOpening()) stream.send(message);
      for (let index = 0; index < 64 && stream.resetReason === undefined; index++) {
        stream.sendSegment(index, 1_560_000, one);
        await stream.acked(16);
      }
      await pollUntil('the reset', () => stream.resetReason !== undefined);
    });
    expect(stream.resetReason).toBe('protocol_error:too_many_segments');
    await stream.close();
  });
});

describe.skipIf(!e2eProfiles().includes(SECURE_PROFILE))('reassembly of secure records under attack', () => {
  it('holds messages that authorized harnesses never finish within max-reassembly-bytes, resetting the streams beyond it', {
    timeout: 120_000,
  }, async () => {
    const stack = await stacks.start(SECURE_PROFILE);
    const target = await attackTarget(stack);
    const attackers: UnackingSession[] = [];
    await duringFlood(stack, async () => {
      for (let i = 0; i < ATTACKERS; i++) {
        const attacker = await unackingSession(target);
        attackers.push(attacker);
        const { stream, messages } = attacker;
        for (const message of sessionOpening()) messages.send(message);
        // A message of max-message-bytes whose first 16 records go out and the rest never do.
        stream.sendOnly(16);
        messages.send(new Uint8Array(DEFAULT_LIMITS.maxMessageBytes).fill(0x5b));
        await stream.acked();
      }
    });
    const { held, reasons } = outcome(attackers);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(DEFAULT_LIMITS.maxReassemblyBytes / DEFAULT_LIMITS.maxMessageBytes);
    expect(reasons).toEqual(Array(ATTACKERS - held).fill('secure_relay_protocol_error'));
    await Promise.all(attackers.map(({ stream }) => stream.close()));
  });
});
