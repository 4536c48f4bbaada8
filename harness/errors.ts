import { RpcError, RpcErrorCode } from '../proto/rpc/index.ts';
import { sessionTag, withSessionTag } from '../rpc/index.ts';

export { ConnectionLostError } from '../rpc/errors.ts';
export { RpcError };

/**
 * The executor no longer knows the session (its TTL ran out or the executor
 * restarted). The message names the session by its tag, never by its id.
 */
export class SessionExpiredError extends Error {
  readonly sessionId: string;

  constructor(sessionId: string, detail: string) {
    super(`${sessionTag(sessionId)} expired: ${withSessionTag(detail, sessionId)}`);
    this.name = 'SessionExpiredError';
    this.sessionId = sessionId;
  }
}

/** Output of a process fell out of the executor's retained window while the harness was away. */
export class OutputGapError extends RpcError {
  readonly processId: string;

  constructor(processId: string, message: string, data?: unknown) {
    super(RpcErrorCode.OutputGap, `output of process ${processId} was lost: ${message}`, data);
    this.name = 'OutputGapError';
    this.processId = processId;
  }
}

/** Connecting failed and retrying cannot help (rejected token, unknown executor, bad URL). */
export class HarnessConnectError extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'HarnessConnectError';
    this.retryable = retryable;
  }
}

/** The client was closed by its owner; pending work ends with this. */
export class ClientClosedError extends Error {
  constructor() {
    super('client is closed');
    this.name = 'ClientClosedError';
  }
}

/** `process/write` was refused: the process is gone or its stdin is closed. */
export class ProcessWriteError extends Error {
  readonly processId: string;
  readonly status: string;

  constructor(processId: string, status: string) {
    super(`cannot write to process ${processId}: ${status}`);
    this.name = 'ProcessWriteError';
    this.processId = processId;
    this.status = status;
  }
}
