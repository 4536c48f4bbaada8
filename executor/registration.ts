import { randomUUID } from 'node:crypto';
import { FatalConnectError } from '../endpoint/api.ts';

export interface RegistrationOptions {
  registryUrl: string;
  executorId: string;
  token: string;
  /** Identifies this executor process to the rendezvous (one per process). */
  instance?: string;
  fetch?: typeof fetch;
}

/** Random id of this executor process: the rendezvous tells a restart from a reconnect by it. */
export const PROCESS_INSTANCE_ID = randomUUID();

const EXECUTOR_ID_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

export function registerUrl(registryUrl: string, executorId: string): string {
  if (!EXECUTOR_ID_PATTERN.test(executorId)) {
    throw new FatalConnectError(
      `invalid executor id ${JSON.stringify(executorId)}: use 1-256 of [A-Za-z0-9_-]`,
    );
  }
  return `${registryUrl.replace(/\/+$/, '')}/cloud/executor/${encodeURIComponent(executorId)}/register`;
}

/**
 * Registers with the registry and returns the WebSocket URL (with its
 * ticket). Rejections that retrying cannot fix throw FatalConnectError;
 * network failures and server errors throw plain errors (retried).
 */
export async function registerExecutor(options: RegistrationOptions): Promise<string> {
  const url = registerUrl(options.registryUrl, options.executorId);
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instance: options.instance ?? PROCESS_INSTANCE_ID }),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `registry ${options.registryUrl} unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  const body = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new FatalConnectError(
      `registry rejected the executor token (${response.status}${errorDetail(body)}) for executor ${options.executorId}`,
    );
  }
  if (response.status === 404 || response.status === 400) {
    throw new FatalConnectError(
      `registry refused executor ${options.executorId} (${response.status}${errorDetail(body)}) at ${url}`,
    );
  }
  if (!response.ok) throw new Error(`registry answered ${response.status}${errorDetail(body)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('registry answered with malformed JSON');
  }
  const wsUrl = (parsed as { url?: unknown }).url;
  if (typeof wsUrl !== 'string' || !/^wss?:\/\//.test(wsUrl)) {
    throw new Error('registry answer has no ws(s):// url');
  }
  return wsUrl;
}

function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const detail = parsed.error ?? parsed.message;
    if (typeof detail === 'string' && detail.length > 0) return `: ${detail.slice(0, 200)}`;
  } catch {
    // not JSON: no detail
  }
  return '';
}
