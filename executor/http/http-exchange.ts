import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpHeader } from '../../proto/rpc/index.ts';
import type { HttpRequestSpec } from './http-request-spec.ts';

/** As reqwest's default redirect policy. */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Not sent on to another origin. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'cookie',
  'cookie2',
  'proxy-authorization',
  'www-authenticate',
]);
/** Dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding']);

/** Response headers in order, repeated names kept, names lower-cased as upstream's HTTP client gives them. */
export function responseHeaders(response: IncomingMessage): HttpHeader[] {
  const headers: HttpHeader[] = [];
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    headers.push({ name: (raw[i] as string).toLowerCase(), value: raw[i + 1] as string });
  }
  return headers;
}

/** Repeated names become one array value, which Node sends as repeated header lines. */
function headerObject(headers: [string, string][]): Record<string, string[]> {
  const object: Record<string, string[]> = {};
  for (const [name, value] of headers) {
    const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    object[key] = [...(object[key] ?? []), value];
  }
  return object;
}

function send(spec: HttpRequestSpec, signal: AbortSignal): Promise<IncomingMessage> {
  const request = spec.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers = headerObject(spec.headers);
    const req = request(spec.url, { method: spec.method, headers, signal }, resolve);
    req.once('error', reject);
    req.end(spec.body);
  });
}

/** The request a redirect leads to, or a reason it cannot be followed. */
function redirected(spec: HttpRequestSpec, response: IncomingMessage): HttpRequestSpec | string {
  let url: URL;
  try {
    url = new URL(response.headers.location as string, spec.url);
  } catch {
    return `invalid redirect location ${JSON.stringify(response.headers.location)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `redirect to an unsupported URL: ${url.href}`;
  const status = response.statusCode as number;
  const toGet =
    status === 303 ? spec.method !== 'HEAD' : (status === 301 || status === 302) && spec.method === 'POST';
  const sameOrigin = url.origin === spec.url.origin;
  const headers = spec.headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !(toGet && BODY_HEADERS.has(lower)) && (sameOrigin || !CREDENTIAL_HEADERS.has(lower));
  });
  return { ...spec, url, headers, method: toGet ? 'GET' : spec.method, body: toGet ? undefined : spec.body };
}

/**
 * Sends the request, following redirects unless told not to, and resolves
 * with the final response, its body not yet read (the stream is paused).
 * Aborting `signal` ends the request and its body.
 */
export async function exchange(spec: HttpRequestSpec, signal: AbortSignal): Promise<IncomingMessage> {
  let current = spec;
  for (let hops = 0; ; hops++) {
    const response = await send(current, signal);
    const location = response.headers.location;
    if (
      !current.followRedirects ||
      !REDIRECT_STATUSES.has(response.statusCode ?? 0) ||
      location === undefined
    ) {
      return response;
    }
    response.resume();
    if (hops === MAX_REDIRECTS) throw new Error('too many redirects');
    const next = redirected(current, response);
    if (typeof next === 'string') throw new Error(next);
    current = next;
  }
}
