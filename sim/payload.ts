/**
 * Deterministic payloads: the bytes a remote command prints are generated
 * from a seed, so the harness side can check a whole transfer against a
 * hash computed locally without keeping a copy.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const BLOCK_BYTES = 64 * 1024;

/** The emitter script: `node sim/emit-payload.ts SEED BYTES [MARKER]` prints payloadBlocks(SEED, BYTES). */
const EMITTER_PATH = fileURLToPath(new URL('./emit-payload.ts', import.meta.url));

/** The payload in blocks of up to 64 KiB: an xorshift32 stream seeded with `seed`. */
export function* payloadBlocks(seed: number, size: number): Generator<Uint8Array> {
  let state = (seed >>> 0) ^ 0x9e3779b9 || 1;
  for (let offset = 0; offset < size; offset += BLOCK_BYTES) {
    const length = Math.min(BLOCK_BYTES, size - offset);
    const words = new Uint32Array(Math.ceil(length / 4));
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[i] = state >>> 0;
    }
    yield new Uint8Array(words.buffer, 0, length);
  }
}

export function payloadSha256(seed: number, size: number): string {
  const hash = createHash('sha256');
  for (const block of payloadBlocks(seed, size)) hash.update(block);
  return hash.digest('hex');
}

/**
 * argv that prints the payload on the executor's machine. `marker` rides in
 * the command line so a test can find leftover processes with `ps`.
 */
export function emitPayloadArgv(seed: number, size: number, marker: string): string[] {
  return [process.execPath, EMITTER_PATH, String(seed >>> 0), String(size), marker];
}

/** Parses sizes like `512`, `64k`, `20MiB`, `1.5m` into bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new RangeError(`not a size: ${JSON.stringify(text)} (use e.g. 512k, 4MiB)`);
  const unit = (match[2] ?? '').toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const bytes = Math.round(Number(match[1]) * scale);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`size out of range: ${text}`);
  return bytes;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
