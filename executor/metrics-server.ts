import { createServer } from 'node:http';
import { type AddressInfo, isIPv4 } from 'node:net';
import { ExecutorMetrics, type MetricsSources } from './metrics.ts';

export interface MetricsServer {
  /** `http://HOST:PORT/metrics`, with the actual port. */
  readonly url: string;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/** Parses `HOST:PORT` (port 0 = any free port); only loopback hosts: metrics are not for the network. */
export function parseMetricsListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535)
    throw new Error(`--metrics-listen must look like 127.0.0.1:PORT (0 picks a free port), got ${value}`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  if (!isLoopback(host)) {
    throw new Error(
      `--metrics-listen takes a loopback address (127.0.0.1, ::1 or localhost), got ${host}: put a proxy in front to expose metrics`,
    );
  }
  return { host, port };
}

/** Serves the executor's metrics as `GET /metrics` on a loopback address. */
export async function startMetricsServer(
  listen: { host: string; port: number },
  sources: MetricsSources,
): Promise<MetricsServer> {
  const metrics = await ExecutorMetrics.create(sources);
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
      return;
    }
    metrics.text().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      metrics.stop();
      reject(err);
    };
    server.once('error', fail);
    server.listen(listen.port, listen.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        metrics.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
