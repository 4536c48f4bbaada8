import type { ValidatedParams } from '../../proto/rpc/index.ts';
import { invalidParams } from '../rpc-error.ts';

/** An `http/request` checked the way upstream checks it, ready to send. */
export interface HttpRequestSpec {
  method: string;
  url: URL;
  /** In order, repeated names kept. */
  headers: [name: string, value: string][];
  body: Buffer | undefined;
  timeoutMs: number | undefined;
  followRedirects: boolean;
}

/** RFC 9110 `token`: what a method and a header name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Header values: visible characters, spaces and tabs; no CR, LF or NUL. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function httpRequestSpec(p: ValidatedParams<'http/request'>): HttpRequestSpec {
  if (!TOKEN.test(p.method)) throw invalidParams('http/request method is invalid: invalid HTTP method');
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw invalidParams(`http/request url is invalid: ${JSON.stringify(p.url)} is not an absolute URL`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') {
    throw invalidParams(`http/request only supports http and https URLs, got ${scheme}`);
  }
  for (const { name, value } of p.headers) {
    if (!TOKEN.test(name))
      throw invalidParams('http/request header name is invalid: invalid HTTP header name');
    if (!HEADER_VALUE.test(value)) {
      throw invalidParams(`http/request header value is invalid for ${name}: failed to parse header value`);
    }
  }
  return {
    method: p.method,
    url,
    headers: p.headers.map(({ name, value }) => [name, value]),
    body: p.bodyBase64 === undefined ? undefined : Buffer.from(p.bodyBase64, 'base64'),
    timeoutMs: p.timeoutMs,
    followRedirects: p.redirectPolicy === 'follow',
  };
}
