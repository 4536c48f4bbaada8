/**
 * The executor's metrics in the Prometheus text format: the relay endpoint's
 * counters (ENDPOINT_METRICS), RTT and RTO distributions sampled from the open
 * streams, the session table, and Node's process metrics. Everything is read
 * when scraped, except the RTT/RTO sampler's one timer. prom-client loads
 * only when metrics are asked for.
 */
import type { Histogram, Registry } from 'prom-client';
import { ENDPOINT_METRICS, type EndpointMetric, type EndpointStats } from '../endpoint/index.ts';
import type { SessionCounts } from './session-table.ts';

export interface MetricsSources {
  sessions: { counts(): SessionCounts };
  /** The relay endpoint (relay mode only). */
  endpoint?: { stats(): EndpointStats };
}

/** How often the open streams' smoothed RTT and RTO are sampled into their histograms. */
const TIMING_SAMPLE_MS = 1000;
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type PromClient = typeof import('prom-client');

export class ExecutorMetrics {
  readonly #prom: PromClient;
  readonly #registry: Registry;
  readonly #sources: MetricsSources;
  readonly #sampler: NodeJS.Timeout | undefined;
  /** One snapshot per scrape, read by every relay metric's collect. */
  #endpointStats: EndpointStats | undefined;
  #sessions: SessionCounts | undefined;

  static async create(sources: MetricsSources): Promise<ExecutorMetrics> {
    return new ExecutorMetrics(await import('prom-client'), sources);
  }

  private constructor(prom: PromClient, sources: MetricsSources) {
    this.#prom = prom;
    this.#registry = new prom.Registry();
    this.#sources = sources;
    prom.collectDefaultMetrics({ register: this.#registry });
    this.#sessionMetrics();
    const endpoint = sources.endpoint;
    if (endpoint === undefined) return;
    for (const metric of ENDPOINT_METRICS) this.#endpointMetric(metric);
    const rtt = this.#histogram(
      'relaykit_stream_rtt_seconds',
      'Smoothed round-trip time of the open streams',
    );
    const rto = this.#histogram('relaykit_stream_rto_seconds', 'Retransmission timeout of the open streams');
    this.#sampler = setInterval(() => {
      for (const timing of endpoint.stats().timings) {
        if (timing.smoothedRttMs !== undefined) rtt.observe(timing.smoothedRttMs / 1000);
        rto.observe(timing.rtoMs / 1000);
      }
    }, TIMING_SAMPLE_MS).unref();
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  async text(): Promise<string> {
    this.#endpointStats = this.#sources.endpoint?.stats();
    this.#sessions = this.#sources.sessions.counts();
    return this.#registry.metrics();
  }

  stop(): void {
    clearInterval(this.#sampler);
  }

  #endpointMetric(metric: EndpointMetric): void {
    const read = (): EndpointStats => this.#endpointStats as EndpointStats;
    const labelNames = metric.label === undefined ? [] : [metric.label];
    const common = { name: metric.name, help: metric.help, labelNames, registers: [this.#registry] };
    if (metric.type === 'gauge') {
      new this.#prom.Gauge({
        ...common,
        collect() {
          this.set(metric.value(read()) as number);
        },
      });
      return;
    }
    new this.#prom.Counter({
      ...common,
      // The endpoint keeps the totals; each scrape copies them in.
      collect() {
        this.reset();
        const value = metric.value(read());
        if (typeof value === 'number') this.inc(value);
        else for (const [key, n] of Object.entries(value)) this.inc({ [metric.label as string]: key }, n);
      },
    });
  }

  #sessionMetrics(): void {
    const read = (): SessionCounts => this.#sessions as SessionCounts;
    const registers = [this.#registry];
    const { Counter, Gauge } = this.#prom;
    new Gauge({
      name: 'relaykit_sessions',
      help: 'Sessions, attached to a connection or detached (kept for a resume)',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'attached' }, read().attached);
        this.set({ state: 'detached' }, read().detached);
      },
    });
    new Gauge({
      name: 'relaykit_processes_running',
      help: 'Processes started and not yet exited',
      registers,
      collect() {
        this.set(read().processesRunning);
      },
    });
    const totals: [string, string, keyof SessionCounts][] = [
      ['relaykit_sessions_created_total', 'Sessions created', 'created'],
      ['relaykit_session_resumes_total', 'Sessions resumed on a new connection', 'resumed'],
      ['relaykit_sessions_expired_total', 'Sessions ended with their processes', 'expired'],
    ];
    for (const [name, help, key] of totals) {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read()[key]);
        },
      });
    }
  }

  #histogram(name: string, help: string): Histogram {
    return new this.#prom.Histogram({ name, help, buckets: SECONDS_BUCKETS, registers: [this.#registry] });
  }
}
