/** Thrown by `send` on a stream that was reset; `reason` is the reset's. */
export class StreamClosedError extends Error {
  readonly reason: string;

  constructor(streamId: string, reason: string) {
    super(`stream ${streamId} is closed: ${reason}`);
    this.name = 'StreamClosedError';
    this.reason = reason;
  }
}

/** Thrown by `send` for a message above the stream's `maxMessageBytes`. */
export class MessageTooLargeError extends RangeError {
  constructor(size: number, limit: number) {
    super(`message of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.name = 'MessageTooLargeError';
  }
}
