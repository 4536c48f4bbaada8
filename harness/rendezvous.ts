import { FatalConnectError } from '../endpoint/api.ts';
import { callRegistry } from '../proto/registry.ts';

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

/**
 * Asks the rendezvous for a harness WebSocket URL (with a fresh ticket):
 * `POST {registry}/cloud/executor/{id}/connect` with the harness token.
 * 400/401/403/404 → RendezvousRejectedError; network failures and 5xx →
 * RendezvousError (worth retrying).
 */
export async function requestConnectUrl(target: RendezvousTarget, signal?: AbortSignal): Promise<string> {
  const result = await callRegistry({ ...target, action: 'connect', ...(signal && { signal }) });
  if (result.ok) return result.url;
  switch (result.kind) {
    case 'invalid':
      throw new RendezvousRejectedError(result.detail, 400);
    case 'unreachable':
      throw new RendezvousError(`rendezvous ${target.registryUrl} is unreachable: ${result.detail}`);
    case 'malformed':
      throw new RendezvousError(`rendezvous ${target.registryUrl} answered without a WebSocket url`, 200);
    case 'status': {
      const detail = result.detail ? `: ${result.detail}` : '';
      const message = `${describeStatus(result.status, target.executorId)} (${result.status}${detail})`;
      if ([400, 401, 403, 404].includes(result.status))
        throw new RendezvousRejectedError(message, result.status);
      throw new RendezvousError(`rendezvous ${target.registryUrl} failed: ${message}`, result.status);
    }
  }
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
