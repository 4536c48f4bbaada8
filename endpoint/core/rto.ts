import type { RtoConfig } from './config.ts';

/** Clock granularity term of RFC 6298 (the core's clock is in milliseconds). */
const GRANULARITY_MS = 1;

/**
 * Retransmission timeout in the manner of RFC 6298: smoothed RTT and variance
 * from frames sent once (Karn), clamped to min/max, doubled on each timeout
 * until a fresh sample arrives. The fixed mode never adapts or backs off.
 */
export class RtoEstimator {
  readonly #config: RtoConfig;
  #srtt: number | undefined;
  #rttvar = 0;
  #base: number;
  #backoff = 0;

  constructor(config: RtoConfig) {
    this.#config = config;
    this.#base = config.mode === 'fixed' ? config.ms : config.initialMs;
  }

  /** The timeout to arm for a transmission made now. */
  current(): number {
    if (this.#config.mode === 'fixed') return this.#config.ms;
    return Math.min(this.#config.maxMs, this.#base * 2 ** this.#backoff);
  }

  get smoothedRtt(): number | undefined {
    return this.#srtt;
  }

  sample(rttMs: number): void {
    if (this.#config.mode === 'fixed') return;
    const r = Math.max(0, rttMs);
    if (this.#srtt === undefined) {
      this.#srtt = r;
      this.#rttvar = r / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - r);
      this.#srtt = 0.875 * this.#srtt + 0.125 * r;
    }
    const raw = this.#srtt + Math.max(GRANULARITY_MS, 4 * this.#rttvar);
    this.#base = Math.min(this.#config.maxMs, Math.max(this.#config.minMs, raw));
    this.#backoff = 0;
  }

  onTimeout(): void {
    if (this.#config.mode === 'fixed') return;
    if (this.#base * 2 ** this.#backoff < this.#config.maxMs) this.#backoff += 1;
  }
}
