/** The connection a request was sent on ended before the answer came. */
export class ConnectionLostError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(`connection lost: ${reason}`);
    this.name = 'ConnectionLostError';
    this.reason = reason;
  }
}
