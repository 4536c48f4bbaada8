import { type Logger, pino } from 'pino';
import { sessionTag } from '../rpc/index.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured JSON logs to stderr (stdout is left for the command's own output). */
export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      name: 'relaykit-executor',
      level,
      // Tokens and authorizations never belong in logs, whatever object they ride on. A session
      // id lets whoever holds it resume the session: logs get a tag that tells sessions apart.
      redact: {
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'sessionId',
          '*.sessionId',
        ],
        censor: (value, path) =>
          path.at(-1) === 'sessionId' && typeof value === 'string' ? sessionTag(value) : '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
