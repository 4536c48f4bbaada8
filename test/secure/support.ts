import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecureChannelError, type SecureErrorCode } from '../../secure/index.ts';
import type { RandomSource } from '../../secure/noise/random.ts';
import { fromHex } from '../fixtures/hex.ts';

const fixtures = join(import.meta.dirname, '../fixtures/noise');

export function readNoiseFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;
}

/** A random source that hands out exactly the given chunks, in order, and checks each length. */
export function scriptedRandom(...chunksHex: string[]): RandomSource & { remaining(): number } {
  const chunks = chunksHex.map(fromHex);
  const source = (length: number) => {
    const next = chunks.shift();
    if (next === undefined) throw new Error(`scripted randomness exhausted (asked for ${length} bytes)`);
    if (next.length !== length)
      throw new Error(`scripted chunk of ${next.length} bytes, asked for ${length}`);
    return next;
  };
  return Object.assign(source, { remaining: () => chunks.length });
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The code of the `SecureChannelError` that `run` throws; any other error fails the test. */
export function errorCode(run: () => unknown): SecureErrorCode | 'no error' {
  try {
    run();
  } catch (error) {
    if (error instanceof SecureChannelError) return error.code;
    throw error;
  }
  return 'no error';
}
