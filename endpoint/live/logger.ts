/** The subset of a pino-style logger the endpoint uses. */
export interface RelayLogger {
  debug?(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
  error?(obj: object, msg: string): void;
}
