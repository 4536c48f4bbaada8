import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { RpcError, RpcErrorCode } from '../../proto/rpc/index.ts';
import { invalidRequest } from '../rpc-error.ts';
import { fsError } from './fs-error.ts';

/** Opened without blocking: a FIFO without a peer must not hold one of libuv's few threads. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export const MAX_OPEN_FILE_READS = 128;
export const MAX_HANDLE_ID_BYTES = 32;
export const MAX_READ_BLOCK_BYTES = 1024 * 1024;

function checkHandleId(handleId: string): void {
  if (Buffer.byteLength(handleId) > MAX_HANDLE_ID_BYTES) {
    throw invalidRequest(`file read handle ID must not exceed ${MAX_HANDLE_ID_BYTES} bytes`);
  }
}

/**
 * The open file reads of one session (`fs/open`, `fs/readBlock`,
 * `fs/close`): client-chosen ids, a bounded number, positioned reads of at
 * most 1 MiB. A read that fails closes its handle; every handle closes when
 * the session ends.
 */
export class FileHandles {
  /** Pending opens are in the table too, so an id cannot be taken twice while one is opening. */
  readonly #handles = new Map<string, Promise<FileHandle>>();
  #ended = false;

  async open(handleId: string, path: string): Promise<void> {
    checkHandleId(handleId);
    if (this.#handles.has(handleId)) throw invalidRequest(`file read handle \`${handleId}\` already exists`);
    if (this.#handles.size >= MAX_OPEN_FILE_READS) {
      throw invalidRequest(`at most ${MAX_OPEN_FILE_READS} file reads may be open per session`);
    }
    const opening = open(path, READ_FLAGS);
    this.#handles.set(handleId, opening);
    try {
      const handle = await opening;
      if (this.#ended) await handle.close();
    } catch (err) {
      this.#handles.delete(handleId);
      throw fsError(err, path);
    }
  }

  /** Up to `requested` bytes at `offset`; a block over `room` (what one answer of the connection carries) is read short, `eof` still telling the end. */
  async readBlock(
    handleId: string,
    offset: number,
    requested: number,
    room = Number.POSITIVE_INFINITY,
  ): Promise<{ chunk: Buffer; eof: boolean }> {
    checkHandleId(handleId);
    const opening = this.#handles.get(handleId);
    if (opening === undefined) {
      throw new RpcError(RpcErrorCode.NotFound, `unknown file read handle \`${handleId}\``);
    }
    if (requested < 1 || requested > MAX_READ_BLOCK_BYTES) {
      throw invalidRequest(`file read block length must be between 1 and ${MAX_READ_BLOCK_BYTES}`);
    }
    const len = Math.max(1, Math.min(requested, room));
    if (offset + len > Number.MAX_SAFE_INTEGER) throw invalidRequest('file read offset overflowed');
    const chunk = Buffer.alloc(len);
    let filled = 0;
    try {
      const handle = await opening;
      for (;;) {
        const { bytesRead } = await handle.read(chunk, filled, len - filled, offset + filled);
        filled += bytesRead;
        if (bytesRead === 0 || filled === len) break;
      }
    } catch (err) {
      await this.close(handleId);
      throw fsError(err, `file read handle ${handleId}`);
    }
    return { chunk: chunk.subarray(0, filled), eof: filled < len };
  }

  /** Closing an unknown handle succeeds, as upstream's does. */
  async close(handleId: string): Promise<void> {
    checkHandleId(handleId);
    const opening = this.#handles.get(handleId);
    if (opening === undefined) return;
    this.#handles.delete(handleId);
    await opening.then(
      (handle) => handle.close(),
      () => {},
    );
  }

  /** The session ended: every handle closes, and an open still in flight closes when it lands. */
  closeAll(): void {
    this.#ended = true;
    for (const opening of this.#handles.values()) {
      opening.then((handle) => handle.close()).catch(() => {});
    }
    this.#handles.clear();
  }
}
