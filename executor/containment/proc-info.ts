import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const onLinux = process.platform === 'linux';

/**
 * When `pid` started, as the OS tells it (Linux: clock ticks since boot;
 * elsewhere `ps`'s start time), or null when no such process runs. A pid
 * plus its start time names one process even after pids are reused.
 */
export async function startTimeOf(pid: number): Promise<string | null> {
  try {
    if (onLinux) {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[19] ?? null;
    }
    const { stdout } = await run('ps', ['-o', 'lstart=', '-p', String(pid)]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Whether the process group `pgid` still has a member. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live members of process group `pgid` and their descendants, from `ps` (where /proc is not at hand). */
export async function descendantsAndGroup(pgid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,ppid=,pgid=']).catch(() => ({ stdout: '' }));
  const rows = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((row) => row.length === 3 && row.every(Number.isInteger)) as [number, number, number][];
  const tree = new Set(rows.filter(([, , group]) => group === pgid).map(([pid]) => pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of rows) {
      if (!tree.has(child) && tree.has(parent)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** `process.kill` that ignores a process that is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals | 0): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already, or never ours to signal.
  }
}
