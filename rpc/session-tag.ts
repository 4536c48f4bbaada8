import { createHash } from 'node:crypto';

/**
 * A session id lets whoever holds it resume the session, so logs and error
 * messages show a tag instead: the same for the same session, not the id.
 */
export function sessionTag(sessionId: string): string {
  return `session-${createHash('sha256').update(sessionId).digest('hex').slice(0, 12)}`;
}

/** `text` with every occurrence of `sessionId` replaced by its tag. */
export function withSessionTag(text: string, sessionId: string): string {
  return sessionId === '' ? text : text.replaceAll(sessionId, sessionTag(sessionId));
}
