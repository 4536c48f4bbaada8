import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import { sessionOpening, UnackingStream } from '../../sim/attack/raw-harness.ts';
import { pollUntil } from '../../sim/poll.ts';
import { attackTarget, duringFlood, useAttackStack } from './attack-support.ts';
import { printSeedOnFailure, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const stacks = useAttackStack(seed);
const SEGMENT = 60 * 1024;

describe('reassembly under attack', () => {
  it('holds unfinished messages of many streams within max-reassembly-bytes, resetting the streams beyond it', {
    timeout: 120_000,
  }, async () => {
    const stack = await stacks.start();
    const target = await attackTarget(stack);
    const count = Math.floor(DEFAULT_LIMITS.maxMessageBytes / SEGMENT);
    const payload = new Uint8Array(SEGMENT).fill(0x5b);
    const attackers: UnackingStream[] = [];
    await duringFlood(stack, async () => {
      for (let i = 0; i < 12; i++) {
        const attacker = await UnackingStream.open(target);
        attackers.push(attacker);
        for (const message of sessionOpening()) attacker.sendMessage(message);
        // Every segment but the last: the message never completes.
        for (let index = 0; index < count - 1 && attacker.resetReason === undefined; index++) {
          attacker.sendSegment(index, count, payload);
          if (index % 16 === 15) await attacker.acked(16);
        }
        await attacker.acked();
      }
    });
    const reasons = attackers.map((attacker) => attacker.resetReason);
    const held = reasons.filter((reason) => reason === undefined).length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(Math.ceil(DEFAULT_LIMITS.maxReassemblyBytes / (count * SEGMENT)));
    expect(reasons.filter((reason) => reason !== undefined)).toEqual(
      Array(12 - held).fill('protocol_error:reassembly_limit'),
    );
    await Promise.all(attackers.map((attacker) => attacker.close()));
  });

  it('resets a stream whose message claims more segments than max-message-segments, before holding any', async () => {
    const stack = await stacks.start();
    const attacker = await UnackingStream.open(await attackTarget(stack));
    const one = new Uint8Array([0x20]);
    await duringFlood(stack, async () => {
      for (const message of sessionOpening()) attacker.sendMessage(message);
      for (let index = 0; index < 64 && attacker.resetReason === undefined; index++) {
        attacker.sendSegment(index, 1_560_000, one);
        await attacker.acked(16);
      }
      await pollUntil('the reset', () => attacker.resetReason !== undefined);
    });
    expect(attacker.resetReason).toBe('protocol_error:too_many_segments');
    await attacker.close();
  });
});
