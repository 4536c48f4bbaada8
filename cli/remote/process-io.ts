import { once } from 'node:events';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import type { ExitStatus } from '../../harness/output-sequencer.ts';
import type { ProcessHandle } from '../../harness/process-handle.ts';

/** Remote exit status → local exit code: the code itself, or 128+n for signal n. */
export function exitCodeOf(status: ExitStatus): number {
  if (status.exitCode !== null) return status.exitCode;
  if (status.signal !== null) {
    const n = (constants.signals as Record<string, number | undefined>)[status.signal];
    if (n !== undefined) return 128 + n;
  }
  return 1;
}

/** Copies the process's output to the local stdout/stderr, waiting for them to drain. */
export async function pumpOutput(handle: ProcessHandle): Promise<void> {
  for await (const chunk of handle) {
    const target: Writable = chunk.stream === 'stderr' ? process.stderr : process.stdout;
    if (!target.write(chunk.data)) await once(target, 'drain');
  }
}

/**
 * Forwards local stdin to the process: every chunk in order, pausing the
 * local stream while a write is in flight, then EOF. Once the process stops
 * taking input (exited, stdin closed) forwarding stops quietly.
 */
export function forwardStdin(handle: ProcessHandle): () => void {
  const stdin = process.stdin;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
  };
  const onData = (data: Buffer) => {
    stdin.pause();
    handle.write(data).then(() => {
      if (!stopped) stdin.resume();
    }, stop);
  };
  const onEnd = () => {
    handle.closeStdin().catch(() => {});
    stop();
  };
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.resume();
  return stop;
}

/** Writes nothing but resolves once everything written before has been handed to the OS. */
export async function flushStdio(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))),
  );
}
