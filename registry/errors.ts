import { FatalConnectError } from '../endpoint/index.ts';
import type { RegistryResult } from './client.ts';

/** A registry failure that may pass (unreachable, 5xx): worth retrying. */
export class RendezvousError extends Error {
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.name = 'RendezvousError';
    this.status = status;
  }
}

/** A failure that retrying cannot fix; a FatalConnectError, so a relay endpoint gives up on it. */
export class RendezvousRejectedError extends FatalConnectError {
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'RendezvousRejectedError';
    this.status = status;
  }
}

/** Who is calling: the token named in errors is this role's. */
export type RegistryRole = 'executor' | 'harness';

/** Statuses that retrying the same request cannot change. */
const FINAL_STATUSES = new Set([400, 401, 403, 404]);

function describeStatus(role: RegistryRole, status: number, executorId: string): string {
  switch (status) {
    case 401:
      return `${role} token rejected`;
    case 403:
      return `${role} token is not valid for executor ${executorId}`;
    case 404:
      return `unknown executor ${executorId}`;
    case 400:
      return 'registry refused the request';
    default:
      return 'registry error';
  }
}

/**
 * The error for a failed registry call, classified once for every caller:
 * RendezvousRejectedError when retrying cannot help (bad id or URL, 400, 401,
 * 403, 404), RendezvousError when it may (unreachable, 5xx, a malformed answer).
 */
export function registryFailure(
  result: Exclude<RegistryResult, { ok: true }>,
  role: RegistryRole,
  target: { registryUrl: string; executorId: string },
): RendezvousError | RendezvousRejectedError {
  switch (result.kind) {
    case 'invalid':
      return new RendezvousRejectedError(result.detail, 400);
    case 'unreachable':
      return new RendezvousError(`rendezvous ${target.registryUrl} is unreachable: ${result.detail}`);
    case 'malformed':
      return new RendezvousError(`rendezvous ${target.registryUrl} answered without a WebSocket url`, 200);
    case 'status': {
      const detail = result.detail ? `: ${result.detail}` : '';
      const message = `${describeStatus(role, result.status, target.executorId)} (${result.status}${detail})`;
      if (FINAL_STATUSES.has(result.status)) return new RendezvousRejectedError(message, result.status);
      return new RendezvousError(`rendezvous ${target.registryUrl} failed: ${message}`, result.status);
    }
  }
}
