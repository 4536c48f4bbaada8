import { randomBytes } from 'node:crypto';
import { ConnectionLostError } from './errors.ts';
import type { ResumableSession } from './resumable-session.ts';
import { wirePath } from './wire-path.ts';

/** The largest block `fs/readBlock` returns. */
export const MAX_BLOCK_BYTES = 1024 * 1024;

/**
 * A file's contents in blocks of at most `blockBytes` (default and maximum
 * 1 MiB), read through an `fs/open` handle that is closed when the iteration
 * ends, early or not.
 */
export async function* readFileBlocks(
  session: ResumableSession,
  path: string,
  options: { blockBytes?: number } = {},
): AsyncGenerator<Buffer> {
  const len = Math.min(options.blockBytes ?? MAX_BLOCK_BYTES, MAX_BLOCK_BYTES);
  const handleId = randomBytes(16).toString('hex');
  await openHandle(session, handleId, wirePath(path));
  try {
    for (let offset = 0; ; ) {
      const block = await session.request('fs/readBlock', { handleId, offset, len });
      const chunk = Buffer.from(block.chunk, 'base64');
      offset += chunk.length;
      if (chunk.length > 0) yield chunk;
      if (block.eof) return;
    }
  } finally {
    await session.request('fs/close', { handleId }).catch(() => {});
  }
}

/** `fs/open` is not idempotent: after a lost answer the handle is closed (closing is) and opened again. */
async function openHandle(session: ResumableSession, handleId: string, path: string): Promise<void> {
  for (;;) {
    try {
      await session.requestOnce('fs/open', { handleId, path, sandbox: null });
      return;
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
    }
    await session.request('fs/close', { handleId });
  }
}
