import { isValidId, type RegistryAction, type RegistryPathFamily, registryPath } from '../proto/registry.ts';

/** What one registry call came back with. */
export type RegistryResult =
  | { ok: true; answer: Record<string, unknown> }
  /** The request could not be made: a bad executor id or registry URL. */
  | { ok: false; kind: 'invalid'; detail: string }
  /** The request never got an answer (refused, DNS, timeout). */
  | { ok: false; kind: 'unreachable'; detail: string }
  /** An HTTP error; `detail` is the body's `error.message` ('' when absent). */
  | { ok: false; kind: 'status'; status: number; detail: string }
  /** 200, but not the answer the contract promises. */
  | { ok: false; kind: 'malformed' };

export interface RegistryRequest {
  registryUrl: string;
  executorId: string;
  token: string;
  action: RegistryAction;
  /** Which path family to call (default `executor`: /cloud/executor/{id}/…). */
  pathFamily?: RegistryPathFamily;
  /** JSON body (register sends the executor instance). */
  body?: object;
  signal?: AbortSignal;
  /** `ignore`: an error answer's body is not read (it may echo a secret of the request). */
  errorBody?: 'read' | 'ignore';
}

/** How long one registry call may take before it counts as unreachable. */
const REGISTRY_TIMEOUT_MS = 15_000;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
    url = new URL(registryPath(request.executorId, request.action, request.pathFamily), base);
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
      method: request.action === 'stats' ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${request.token}`,
        // Answers are a few hundred bytes: compressing them costs both sides more than it saves.
        'accept-encoding': 'identity',
        ...(request.body && { 'content-type': 'application/json' }),
      },
      ...(request.body && { body: JSON.stringify(request.body) }),
      signal: request.signal ?? AbortSignal.timeout(REGISTRY_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      kind: 'unreachable',
      detail: cause?.code ?? cause?.message ?? (err as Error).message,
    };
  }
  if (!response.ok && request.errorBody === 'ignore') {
    await response.body?.cancel();
    return { ok: false, kind: 'status', status: response.status, detail: '' };
  }
  const parsed = parseJson(await response.text()) as Record<string, unknown> | undefined;
  if (!response.ok) {
    const error = parsed?.error as { message?: unknown } | string | undefined;
    const message = typeof error === 'object' ? error?.message : error;
    return {
      ok: false,
      kind: 'status',
      status: response.status,
      detail: typeof message === 'string' ? message.slice(0, 200) : '',
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, kind: 'malformed' };
  return { ok: true, answer: parsed };
}

/** The WebSocket URL of an answer, if it carries a ws(s) one. */
export function socketUrlOf(answer: Record<string, unknown>): string | undefined {
  const url = answer.url;
  return typeof url === 'string' && /^wss?:\/\//.test(url) ? url : undefined;
}
