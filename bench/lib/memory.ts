import { readFileSync } from 'node:fs';

/** Current and peak resident set size of a process, in bytes, from /proc (Linux). */
export function procRss(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); clock ticks of 10 ms. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the peak seen (works where VmHWM cannot be reset). */
export class RssSampler {
  peak = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(sample: () => number | undefined, everyMs = 20) {
    const take = () => {
      const v = sample();
      if (v !== undefined && v > this.peak) this.peak = v;
    };
    take();
    this.#timer = setInterval(take, everyMs);
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.peak;
  }
}

export const MiB = 2 ** 20;
