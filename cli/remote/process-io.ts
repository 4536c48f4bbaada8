import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ProcessHandle } from '../../harness/process-handle.ts';

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
