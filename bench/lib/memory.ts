import { readFileSync } from 'node:fs';

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
