import { FatalConnectError } from '../endpoint/api.ts';

export interface RendezvousTarget {
  registryUrl: string;
  executorId: string;
  token: string;
}

/** A rendezvous failure that may pass (unreachable, 5xx): worth retrying. */
export class RendezvousError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'RendezvousError';
    this.status = status;
  }
}

/** A failure that retrying cannot fix; `FatalConnectError` so the relay endpoint gives up on it. */
export class RendezvousRejectedError extends FatalConnectError {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'RendezvousRejectedError';
    this.status = status;
  }
}

const EXECUTOR_ID = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Asks the rendezvous for a harness WebSocket URL (with a fresh ticket):
 * `POST {registry}/cloud/executor/{id}/connect` with the harness token.
 * 400/401/403/404 → RendezvousRejectedError; network failures and 5xx →
 * RendezvousError (worth retrying).
 */
export async function requestConnectUrl(target: RendezvousTarget, signal?: AbortSignal): Promise<string> {
  if (!EXECUTOR_ID.test(target.executorId)) {
    throw new RendezvousRejectedError(
      `invalid executor id ${JSON.stringify(target.executorId)} (1–256 of A-Z a-z 0-9 _ -)`,
      400,
    );
  }
  let endpoint: URL;
  try {
    endpoint = new URL(`cloud/executor/${target.executorId}/connect`, withTrailingSlash(target.registryUrl));
  } catch {
    throw new RendezvousRejectedError(`invalid registry URL ${JSON.stringify(target.registryUrl)}`, 400);
  }
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}` },
      signal: signal ?? AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new RendezvousError(`rendezvous ${target.registryUrl} is unreachable: ${detail}`);
  }
  const body = await response.text();
  if (!response.ok) {
    const message = `${describeStatus(response.status, target.executorId)} (${response.status}${errorDetail(body)})`;
    if ([400, 401, 403, 404].includes(response.status))
      throw new RendezvousRejectedError(message, response.status);
    throw new RendezvousError(`rendezvous ${target.registryUrl} failed: ${message}`, response.status);
  }
  let url: unknown;
  try {
    url = (JSON.parse(body) as { url?: unknown }).url;
  } catch {
    url = undefined;
  }
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) {
    throw new RendezvousError(
      `rendezvous ${target.registryUrl} answered without a WebSocket url`,
      response.status,
    );
  }
  return url;
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function describeStatus(status: number, executorId: string): string {
  switch (status) {
    case 401:
      return 'harness token rejected';
    case 403:
      return `harness token is not valid for executor ${executorId}`;
    case 404:
      return `unknown executor ${executorId}`;
    case 400:
      return 'rendezvous refused the request';
    default:
      return 'rendezvous error';
  }
}

function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string };
    const detail = typeof parsed.error === 'object' ? parsed.error?.message : parsed.error;
    if (typeof detail === 'string' && detail.length > 0) return `: ${detail}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}
