import type * as NodePty from '@lydell/node-pty';
import type { Logger } from 'pino';

export type PtyModule = typeof NodePty;

/** Whether PTY processes can run here: the loaded module, or why not. */
export type PtySupport = { available: true; pty: PtyModule } | { available: false; reason: string };

let loaded: Promise<PtySupport> | undefined;

/**
 * Loads node-pty's prebuilt binary for this platform once. Where none fits
 * (an unsupported platform, optional dependencies omitted, a binary built
 * for another libc) the executor keeps running without PTYs.
 */
export function ptySupport(): Promise<PtySupport> {
  loaded ??= import('@lydell/node-pty').then(
    (pty): PtySupport => ({ available: true, pty }),
    (err: Error): PtySupport => ({ available: false, reason: err.message.split('\n')[0] ?? String(err) }),
  );
  return loaded;
}

/** The error message for a `tty: true` request on an executor without PTYs. */
export const ptyUnavailableMessage = (reason: string) =>
  `PTY processes are unavailable on this executor (${reason}); run the command without a tty`;

/** Says once, at start-up, that PTY processes cannot run here and why. */
export async function warnIfNoPty(logger: Logger): Promise<void> {
  const pty = await ptySupport();
  if (!pty.available)
    logger.warn(
      { reason: pty.reason },
      'PTY processes are unavailable: requests with tty: true will be refused',
    );
}
