import { readdir, readFile } from 'node:fs/promises';

/** The environment variable that marks every process of a tree in process-group mode. */
export const TREE_VARIABLE = 'RELAYKIT_PROCESS_TREE';

/**
 * Live processes whose environment has an entry starting with `prefix`
 * (`RELAYKIT_PROCESS_TREE=<instance>/`), by that entry's whole text: one
 * read of every /proc/PID/environ. Linux only.
 */
export async function markedPids(prefix: string): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  const needle = `\0${prefix}`;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map(async (name) => {
        const environ = `\0${await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '')}\0`;
        const at = environ.indexOf(needle);
        if (at < 0) return;
        const marker = environ.slice(at + 1, environ.indexOf('\0', at + 1));
        const pids = found.get(marker);
        if (pids) pids.push(Number(name));
        else found.set(marker, [Number(name)]);
      }),
  );
  return found;
}
