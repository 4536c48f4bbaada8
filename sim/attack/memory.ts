/** Resident memory of a process, from /proc (Linux), to bound what an attack makes the executor hold. */
import { readFile } from 'node:fs/promises';

export const MiB = 1024 * 1024;

export interface ProcessMemory {
  /** Resident set now, in bytes. */
  rss: number;
  /** Peak resident set since the process started (VmHWM), in bytes. */
  peak: number;
}

function kilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]) * 1024;
}

export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { rss: kilobytes(status, 'VmRSS'), peak: kilobytes(status, 'VmHWM') };
}

/** `bytes` in MiB with one decimal, for reports. */
export const inMiB = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * Runs `attack` while watching `pid`'s resident memory: rejects as soon as
 * it passes `ceiling` (a runaway attack ends the test early instead of the
 * machine), else resolves with the attack's result and the process's peak.
 */
export async function underMemoryCeiling<T>(
  pid: number,
  ceiling: number,
  attack: () => Promise<T>,
): Promise<{ result: T; peak: number }> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setInterval(async () => {
      const { rss } = await processMemory(pid).catch(() => ({ rss: 0 }));
      if (rss > ceiling)
        reject(new Error(`resident memory reached ${inMiB(rss)} (ceiling ${inMiB(ceiling)})`));
    }, 50);
  });
  const running = attack();
  running.catch(() => {});
  try {
    const result = await Promise.race([running, watchdog]);
    const { peak } = await processMemory(pid);
    if (peak > ceiling) throw new Error(`peak resident memory ${inMiB(peak)} (ceiling ${inMiB(ceiling)})`);
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}
