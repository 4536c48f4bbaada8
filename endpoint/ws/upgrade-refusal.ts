import type { IncomingMessage } from 'node:http';
import type { Clock } from '../live/clock.ts';
import { FatalConnectError } from './relay-endpoint.ts';

/** How much of a refusal's body is read: the rendezvous answers `{"error":{"code","message"}}`. */
const MAX_BODY_BYTES = 4096;
/** How long a refusal's body may take: a peer that never ends it does not hold the reconnect. */
const BODY_TIMEOUT_MS = 5000;

/** The rendezvous answered a WebSocket upgrade with an HTTP status instead of 101. */
export interface UpgradeRefusal {
  status: number;
  /** `error.code` of the body, '' when it has none. */
  code: string;
  /** `error.message` of the body, '' when it has none. */
  message: string;
}

/** Reads the refusal in `response` (the body up to 4 KiB, for at most BODY_TIMEOUT_MS on `clock`). */
export function readRefusal(response: IncomingMessage, clock: Clock): Promise<UpgradeRefusal> {
  return new Promise((resolve) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < MAX_BODY_BYTES) body += chunk;
    });
    const cancelTimer = clock.after(BODY_TIMEOUT_MS, () => response.destroy());
    const done = () => {
      cancelTimer();
      let error: { code?: unknown; message?: unknown } | undefined;
      try {
        error = (JSON.parse(body) as { error?: typeof error }).error;
      } catch {
        error = undefined;
      }
      const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 256) : '');
      resolve({ status: response.statusCode ?? 0, code: text(error?.code), message: text(error?.message) });
    };
    response.on('end', done);
    response.on('error', done);
    response.on('close', done);
  });
}

/**
 * The rendezvous kept refusing the relay socket at a limit:
 * `rendezvous refused the relay socket (429 too_many_harness_sockets): executor … (limit 64)`.
 */
export class SocketRefusedError extends FatalConnectError {
  readonly status: number;
  readonly code: string;

  constructor(refusal: UpgradeRefusal) {
    const code = refusal.code === '' ? '' : ` ${refusal.code}`;
    const message = refusal.message === '' ? '' : `: ${refusal.message}`;
    super(`rendezvous refused the relay socket (${refusal.status}${code})${message}`);
    this.name = 'SocketRefusedError';
    this.status = refusal.status;
    this.code = refusal.code;
  }
}
