import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import { MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../../proto/rpc/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { jsonMessage, rawSession, sessionOpening, unackingSession } from '../../sim/attack/raw-harness.ts';
import { pollUntil } from '../../sim/poll.ts';
import { processesWithMarker } from '../../sim/processes.ts';
import { useScratchDir } from '../executor/fixture.ts';
import { attackTarget, duringFlood, useAttackStack } from './attack-support.ts';
import { e2eProfiles, printSeedOnFailure, suiteSeed } from './support.ts';

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

describe.each(e2eProfiles())(
  'an executor under attack keeps its memory and serves others (%s)',
  (profile) => {
    it('refuses fs/readFile of a device and of a file over max-inline-bytes, pointing to fs/open', async () => {
      const stack = await stacks.start(profile);
      const big = join(scratch.path, 'big');
      await writeFile(big, Buffer.alloc(DEFAULT_LIMITS.maxInlineBytes + 1));
      const attacker = await rawSession(await attackTarget(stack));
      const readFile = (path: string) => attacker.rpc.request('fs/readFile', { path });
      await duringFlood(stack, async () => {
        const zero = await failure(readFile('/dev/zero'));
        expect(zero.code).toBe(-32600);
        expect(zero.message).toMatch(/regular files only: \/dev\/zero is a character device; .*fs\/open/);
        const tooBig = await failure(readFile(big));
        expect(tooBig.message).toMatch(
          /^file is too large to read: limit is \d+ bytes; read it with fs\/open/,
        );
      });
      await attacker.close();
    });

    it('answers a message nested too deep or with too many values with -32600, without parsing it', async () => {
      const stack = await stacks.start(profile);
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
      const stack = await stacks.start(profile);
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
        // A secure stream's every failure has the one reason, which names no cause.
        expect(await reset).toBe(
          profile === SECURE_PROFILE ? 'secure_relay_protocol_error' : 'protocol_error:message_too_large',
        );
      });
      await attacker.close();
    });

    it('bounds the stdin a process does not read: writes wait, then fail naming max-stdin-bytes', {
      timeout: 120_000,
    }, async () => {
      const stack = await stacks.start(profile);
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
      const stack = await stacks.start(profile);
      const file = join(scratch.path, 'answer');
      await writeFile(file, Buffer.alloc(DEFAULT_LIMITS.maxInlineBytes, 'q'));
      const target = await attackTarget(stack);
      const attackers = await Promise.all(Array.from({ length: 4 }, () => unackingSession(target)));
      await duringFlood(stack, async () => {
        for (const { messages } of attackers) {
          for (const message of sessionOpening()) messages.send(message);
          for (let id = 1; id <= 16; id++) {
            messages.send(jsonMessage({ id, method: 'fs/readFile', params: { path: file } }));
          }
        }
        // Long enough for every answer there is room for to be made; the rest of the requests wait unread.
        await new Promise((resolve) => setTimeout(resolve, 3000));
      });
      await Promise.all(attackers.map(({ stream }) => stream.close()));
    });

    it('makes large process/read answers one at a time for a peer that never acknowledges, however many requests it packs together', async () => {
      const stack = await stacks.start(profile);
      const { stream, messages } = await unackingSession(await attackTarget(stack));
      for (const message of sessionOpening()) messages.send(message);
      const processId = 'talker';
      const argv = ['sh', '-c', `head -c 900000 /dev/zero; sleep 600; : ${stack.marker}`];
      messages.send(jsonMessage({ id: 1, method: 'process/start', params: { processId, argv, tty: false } }));
      await pollUntil(
        'the output, retained',
        async () => (await processesWithMarker(stack.marker)).length > 0,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await duringFlood(stack, async () => {
        // Each asks for all of the output (an answer of about 1.2 MiB). Corked, a
        // secure channel packs them into whole records, some 700 to a record;
        // a cleartext stream takes a window's worth, then is reset.
        stream.cork();
        for (let id = 2; id < 1500; id++) {
          messages.send(jsonMessage({ id, method: 'process/read', params: { processId, afterSeq: 0 } }));
        }
        stream.uncork();
        await new Promise((resolve) => setTimeout(resolve, 2000));
      });
      await stream.close();
    });
  },
);
