import type { Stats } from 'node:fs';

/** What kind of file `found` is, as a phrase for messages ("a directory", "a character device", …). */
export function kindOf(found: Stats): string {
  if (found.isFile()) return 'a regular file';
  if (found.isDirectory()) return 'a directory';
  if (found.isCharacterDevice()) return 'a character device';
  if (found.isBlockDevice()) return 'a block device';
  if (found.isFIFO()) return 'a FIFO';
  if (found.isSocket()) return 'a socket';
  return 'not a regular file';
}
