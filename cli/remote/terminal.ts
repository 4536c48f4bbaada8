import type { ProcessHandle } from '../../harness/process-handle.ts';

/** The local terminal's size, or undefined when stdout is not a terminal. */
export function terminalSize(): { cols: number; rows: number } | undefined {
  const { columns, rows } = process.stdout;
  return process.stdout.isTTY && columns > 0 && rows > 0 ? { cols: columns, rows } : undefined;
}

/**
 * Connects the local terminal to a remote PTY: raw mode (so Ctrl-C and
 * friends go to the remote as bytes), every keystroke forwarded in order,
 * and the remote resized whenever the local window is (SIGWINCH). Returns
 * the function that restores the terminal; it also runs on process exit.
 */
export function attachTerminal(handle: ProcessHandle): () => void {
  const stdin = process.stdin;
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  const onData = (data: Buffer) => {
    // A keystroke after the process ended has nowhere to go.
    handle.write(data).catch(() => {});
  };
  const onResize = () => {
    const size = terminalSize();
    if (size) handle.resize(size.cols, size.rows).catch(() => {});
  };
  stdin.on('data', onData);
  stdin.resume();
  process.stdout.on('resize', onResize);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdin.off('data', onData);
    process.stdout.off('resize', onResize);
    process.off('exit', restore);
    stdin.setRawMode(wasRaw);
    stdin.pause();
  };
  process.on('exit', restore);
  return restore;
}
