/** Small helpers the harness suites share. */
import type { ProcessHandle } from '../../harness/index.ts';
import { pollUntil } from '../../sim/poll.ts';

/** Polls `condition` every few ms; fails after `timeoutMs`. */
export function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  return pollUntil(what, condition, timeoutMs, 5);
}

/** Reads a process's whole output; `onChunk` sees the running byte total. */
export async function collectAll(
  handle: ProcessHandle,
  onChunk: (total: number) => void = () => {},
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of handle) {
    parts.push(chunk.data);
    total += chunk.data.length;
    onChunk(total);
  }
  return Buffer.concat(parts);
}

/** A shell loop that prints `lines` numbered lines, and the exact bytes it prints. */
export function numberedLines(lines: number): { loop: string; bytes: Buffer } {
  return {
    loop: `i=0; while [ $i -lt ${lines} ]; do echo "line $i abcdefghijklmnopqrstuvwxyz"; i=$((i+1)); done`,
    bytes: Buffer.from(
      Array.from({ length: lines }, (_, i) => `line ${i} abcdefghijklmnopqrstuvwxyz\n`).join(''),
    ),
  };
}
