import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../proto/rpc/index.ts';
import { jsonMessage, rawSession, sessionOpening, UnackingStream } from '../../sim/attack/raw-harness.ts';
import { useScratchDir } from '../executor/fixture.ts';
import { attackTarget, duringFlood, useAttackStack } from './attack-support.ts';
import { printSeedOnFailure, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const stacks = useAttackStack(seed);
const scratch = useScratchDir('relaykit-floods-');

/** The error a rejected promise carries, or a failure when it resolved. */
async function failure(promise: Promise<unknown>): Promise<{ code?: number; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: { code?: number; message: string }) => err,
  );
}

describe('an executor under attack keeps its memory and serves others', () => {
  it('refuses fs/readFile of a device and of a file over max-inline-bytes, pointing to fs/open', async () => {
    const stack = await stacks.start();
    const big = join(scratch.path, 'big');
    await writeFile(big, Buffer.alloc(DEFAULT_LIMITS.maxInlineBytes + 1));
    const attacker = await rawSession(await attackTarget(stack));
    const readFile = (path: string) => attacker.rpc.request('fs/readFile', { path });
    await duringFlood(stack, async () => {
      const zero = await failure(readFile('/dev/zero'));
      expect(zero.code).toBe(-32600);
      expect(zero.message).toMatch(/regular files only: \/dev\/zero is a character device; .*fs\/open/);
      const tooBig = await failure(readFile(big));
      expect(tooBig.message).toMatch(/^file is too large to read: limit is \d+ bytes; read it with fs\/open/);
    });
    await attacker.close();
  });

  it('answers a message nested too deep or with too many values with -32600, without parsing it', async () => {
    const stack = await stacks.start();
    const attacker = await rawSession(await attackTarget(stack));
    const size = DEFAULT_LIMITS.maxMessageBytes - 1024;
    const answers: string[] = [];
    attacker.stream.onMessage((bytes) => answers.push(Buffer.from(bytes).toString()));
    await duringFlood(stack, async () => {
      attacker.stream.send(Buffer.alloc(size, '['));
      const flat = Buffer.alloc(size, '0,');
      flat.write('[', 0);
      flat.write('0]', size - 2);
      attacker.stream.send(flat);
      await expect
        .poll(() => answers.filter((a) => a.includes('"id":-1')).length, { timeout: 30_000 })
        .toBe(2);
    });
    const errors = answers.map((a) => JSON.parse(a)).filter((a) => a.id === -1);
    expect(errors.map((a) => a.error)).toEqual([
      {
        code: -32600,
        message: `JSON-RPC message exceeds the limit of ${MAX_JSON_DEPTH} nested arrays and objects`,
      },
      { code: -32600, message: `JSON-RPC message exceeds the limit of ${MAX_JSON_VALUES} JSON values` },
    ]);
    await attacker.close();
  });

  it('answers a request over max-message-bytes with -32600 for its id, and resets a stream whose message is over twice that', async () => {
    const stack = await stacks.start();
    const attacker = await rawSession(await attackTarget(stack));
    const reset = new Promise<string>((resolve) => attacker.stream.onReset((reason) => resolve(reason)));
    const tooLarge = Buffer.alloc(DEFAULT_LIMITS.maxMessageBytes + 1, 'A').toString();
    await duringFlood(stack, async () => {
      const refused = await failure(
        attacker.rpc.request('fs/writeFile', { path: join(scratch.path, 'never'), dataBase64: tooLarge }),
      );
      expect(refused).toMatchObject({
        code: -32600,
        message: `JSON-RPC message exceeds the limit of ${DEFAULT_LIMITS.maxMessageBytes} bytes`,
      });
      attacker.stream.send(Buffer.alloc(2 * DEFAULT_LIMITS.maxMessageBytes + 1, '['));
      expect(await reset).toBe('protocol_error:message_too_large');
    });
    await attacker.close();
  });

  it('bounds the stdin a process does not read: writes wait, then fail naming max-stdin-bytes', {
    timeout: 120_000,
  }, async () => {
    const stack = await stacks.start();
    const attacker = await rawSession(await attackTarget(stack));
    const processId = 'deaf';
    await attacker.rpc.request('process/start', {
      processId,
      argv: ['sh', '-c', 'sleep 600', stack.marker],
      tty: false,
      pipeStdin: true,
    });
    // The largest write one message can carry.
    const chunkBytes = Math.floor((DEFAULT_LIMITS.maxMessageBytes - 64 * 1024) / 4) * 3;
    const chunk = Buffer.alloc(chunkBytes, 'z').toString('base64');
    const outcomes = await duringFlood(stack, () =>
      Promise.allSettled(
        Array.from({ length: 48 }, (_, i) =>
          attacker.rpc.request('process/write', { processId, chunk, writeId: `w${i}` }),
        ),
      ),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
    expect(accepted.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxStdinBytesTotal / chunkBytes);
    expect(refused.length).toBe(48 - accepted.length);
    expect(refused.every((message) => /max-stdin-bytes/.test(message))).toBe(true);
    await attacker.close();
  });

  it('keeps answers for a peer that never acknowledges within the pending-reply budget', async () => {
    const stack = await stacks.start();
    const file = join(scratch.path, 'answer');
    await writeFile(file, Buffer.alloc(DEFAULT_LIMITS.maxInlineBytes, 'q'));
    const target = await attackTarget(stack);
    const attackers = await Promise.all(Array.from({ length: 4 }, () => UnackingStream.open(target)));
    await duringFlood(stack, async () => {
      for (const attacker of attackers) {
        for (const message of sessionOpening()) attacker.sendMessage(message);
        for (let id = 1; id <= 16; id++) {
          attacker.sendMessage(jsonMessage({ id, method: 'fs/readFile', params: { path: file } }));
        }
      }
      // Long enough for every answer there is room for to be made; the rest of the requests wait unread.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    });
    await Promise.all(attackers.map((attacker) => attacker.close()));
  });
});
