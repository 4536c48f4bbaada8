import { createHash } from 'node:crypto';

/**
 * Logs and error messages show a session by a tag, the same for the same
 * session, never by its id: where sessions are not bound to a harness (local
 * mode, a rendezvous that names no owner) the id alone resumes one.
 */
export function sessionTag(sessionId: string): string {
  return `session-${createHash('sha256').update(sessionId).digest('hex').slice(0, 12)}`;
}

/** `text` with every occurrence of `sessionId` replaced by its tag. */
export function withSessionTag(text: string, sessionId: string): string {
  return sessionId === '' ? text : text.replaceAll(sessionId, sessionTag(sessionId));
}
