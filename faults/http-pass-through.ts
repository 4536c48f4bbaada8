/**
 * Forwards a plain HTTP request (register, connect, stats, …) to the target
 * and answers with the target's response. A JSON body's `url` field is
 * pointed at the proxy, so the WebSocket the caller opens next goes through it.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

const HOP_BY_HOP_REQUEST = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
]);
// fetch has already decoded and de-chunked the body.
const HOP_BY_HOP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
]);

/** Same path and query, proxy's host and port, plain `ws:` (the proxy listens without TLS). */
export function rewriteSocketUrl(url: string, proxyHost: string): string {
  const parsed = new URL(url);
  parsed.protocol = parsed.protocol === 'https:' || parsed.protocol === 'http:' ? 'http:' : 'ws:';
  parsed.host = proxyHost;
  return parsed.toString();
}

/** Returns the body with its `url` rewritten, or undefined when it is not a JSON object with a string `url`. */
export function rewriteUrlField(body: string, proxyHost: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  if (typeof record.url !== 'string' || !URL.canParse(record.url)) return undefined;
  return JSON.stringify({ ...record, url: rewriteSocketUrl(record.url, proxyHost) });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function passThrough(
  req: IncomingMessage,
  res: ServerResponse,
  targetOrigin: string,
  proxyHost: string,
): Promise<void> {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP_REQUEST.has(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
    // Concatenated, not resolved: a path like `//host/x` must not send the request elsewhere.
    const response = await fetch(`${targetOrigin}${req.url ?? '/'}`, {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    let payload: Buffer = Buffer.from(await response.arrayBuffer());
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      const rewritten = rewriteUrlField(payload.toString('utf8'), proxyHost);
      if (rewritten !== undefined) payload = Buffer.from(rewritten);
    }
    response.headers.forEach((value, name) => {
      if (!HOP_BY_HOP_RESPONSE.has(name)) res.setHeader(name, value);
    });
    res.setHeader('content-length', payload.length);
    res.writeHead(response.status);
    res.end(payload);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `fault proxy could not reach ${targetOrigin}: ${message}` }));
  }
}
