/**
 * The rendezvous' registry HTTP API (DESIGN.md §4), shared by the worker
 * that serves it and the endpoints that call it:
 *   POST {registry}/cloud/executor/{id}/register  (executor token, body {"instance"})
 *   POST {registry}/cloud/executor/{id}/connect   (harness token)
 *   → 200 {"executor_id", "url"} or {"error": {"code", "message"}}
 */

/** Executor ids (and token subjects, executor instances): 1–256 of [A-Za-z0-9_-]. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export type RegistryAction = 'register' | 'connect';

/** What one registry call came back with. */
export type RegistryResult =
  | { ok: true; url: string }
  /** The request could not be made: a bad executor id or registry URL. */
  | { ok: false; kind: 'invalid'; detail: string }
  /** The request never got an answer (refused, DNS, timeout). */
  | { ok: false; kind: 'unreachable'; detail: string }
  /** An HTTP error; `detail` is the body's `error.message` ('' when absent). */
  | { ok: false; kind: 'status'; status: number; detail: string }
  /** 200, but no ws(s) URL in the answer. */
  | { ok: false; kind: 'malformed' };

export interface RegistryRequest {
  registryUrl: string;
  executorId: string;
  token: string;
  action: RegistryAction;
  /** JSON body (register sends the executor instance). */
  body?: object;
  signal?: AbortSignal;
}

/** Calls the registry once; never throws for HTTP or network failures, only returns them. */
export async function callRegistry(request: RegistryRequest): Promise<RegistryResult> {
  if (!isValidId(request.executorId)) {
    return {
      ok: false,
      kind: 'invalid',
      detail: `invalid executor id ${JSON.stringify(request.executorId)} (1–256 of A-Z a-z 0-9 _ -)`,
    };
  }
  let url: URL;
  try {
    const base = request.registryUrl.endsWith('/') ? request.registryUrl : `${request.registryUrl}/`;
    url = new URL(`cloud/executor/${request.executorId}/${request.action}`, base);
  } catch {
    return {
      ok: false,
      kind: 'invalid',
      detail: `invalid registry URL ${JSON.stringify(request.registryUrl)}`,
    };
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${request.token}`,
        ...(request.body && { 'content-type': 'application/json' }),
      },
      ...(request.body && { body: JSON.stringify(request.body) }),
      signal: request.signal ?? AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      kind: 'unreachable',
      detail: cause?.code ?? cause?.message ?? (err as Error).message,
    };
  }
  const text = await response.text();
  let parsed: { url?: unknown; error?: { message?: unknown } | string } | undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = parsed?.error;
    const message = typeof error === 'object' ? error?.message : error;
    return {
      ok: false,
      kind: 'status',
      status: response.status,
      detail: typeof message === 'string' ? message.slice(0, 200) : '',
    };
  }
  const wsUrl = parsed?.url;
  if (typeof wsUrl !== 'string' || !/^wss?:\/\//.test(wsUrl)) return { ok: false, kind: 'malformed' };
  return { ok: true, url: wsUrl };
}
