/**
 * A method's answer plus work that must start only once that answer is on
 * its way (a streamed body's notifications follow the `http/request` result).
 */
export class AfterReply {
  readonly result: unknown;
  readonly start: () => void;

  constructor(result: unknown, start: () => void) {
    this.result = result;
    this.start = start;
  }
}
