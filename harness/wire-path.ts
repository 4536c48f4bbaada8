import { parsePathUri, pathToUri } from '../proto/rpc/index.ts';

/** A path as the executor takes it: an absolute path becomes a `file:` URI; anything else goes as it is. */
export function wirePath(path: string): string {
  return path.startsWith('/') ? pathToUri(path) : path;
}

/** The native path of a `file:` URI the executor answered with. */
export function nativePath(uri: string): string {
  const parsed = parsePathUri(uri);
  if (!parsed.ok) throw new Error(`the executor answered the path ${JSON.stringify(uri)}: ${parsed.message}`);
  return parsed.path;
}
