import { RpcError, RpcErrorCode } from '../../proto/rpc/index.ts';

/**
 * An fs failure as upstream maps it: a missing path → -32004, invalid input
 * or a permission problem → -32600, anything else → -32603; the message
 * names the path and carries the OS reason.
 */
export function fsError(err: unknown, path: string): RpcError {
  const e = err as NodeJS.ErrnoException;
  const where = e.path ?? path;
  if (e.code === 'ENOENT') return new RpcError(RpcErrorCode.NotFound, `no such file or directory: ${where}`);
  const reason = `${where}: ${e.code && !e.message?.startsWith(e.code) ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
  const invalid = e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EINVAL';
  return new RpcError(invalid ? RpcErrorCode.InvalidRequest : RpcErrorCode.InternalError, reason);
}

/** Runs one fs operation on `path`, mapping its failure with fsError. */
export async function onPath<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RpcError) throw err;
    throw fsError(err, path);
  }
}
