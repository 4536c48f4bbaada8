/** Bounds what an attack makes a process hold: its resident memory, read from /proc (Linux), against a ceiling. */
import { MiB, procRss } from '../memory.ts';

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
      const rss = procRss(pid)?.rss ?? 0;
      if (rss > ceiling)
        reject(new Error(`resident memory reached ${inMiB(rss)} (ceiling ${inMiB(ceiling)})`));
    }, 50);
  });
  const running = attack();
  running.catch(() => {});
  try {
    const result = await Promise.race([running, watchdog]);
    const memory = procRss(pid);
    if (memory === undefined) throw new Error(`process ${pid} is gone`);
    const { peak } = memory;
    if (peak > ceiling) throw new Error(`peak resident memory ${inMiB(peak)} (ceiling ${inMiB(ceiling)})`);
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}
