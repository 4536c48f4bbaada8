/** Process-tree inspection with `ps`, to prove that nothing a run started is left behind. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProcessInfo {
  pid: number;
  ppid: number;
  args: string;
}

async function listProcesses(): Promise<ProcessInfo[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid=,args='], { maxBuffer: 16 * 1024 * 1024 });
  const processes: ProcessInfo[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line);
    if (match) processes.push({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] ?? '' });
  }
  return processes;
}

/** Every live descendant of `pid` (not `pid` itself), excluding the `ps` call making the list. */
export async function descendantsOf(pid: number): Promise<ProcessInfo[]> {
  const all = await listProcesses();
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found.filter((p) => !/^ps -e -o/.test(p.args));
}

/** Live processes whose command line contains `marker` (the `ps` call itself excluded). */
export async function processesWithMarker(marker: string): Promise<ProcessInfo[]> {
  return (await listProcesses()).filter((p) => p.args.includes(marker) && p.pid !== process.pid);
}
