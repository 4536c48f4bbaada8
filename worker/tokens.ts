/**
 * Bearer tokens and WebSocket tickets of the rendezvous (DESIGN.md §4).
 *
 * Both are HS256 JWTs signed with the deployment's SIGNING_KEY, told apart by
 * their protected `typ` header so a token never passes as a ticket and vice
 * versa. Claims: `role` (executor | harness), `eid` (the one executor id the
 * credential is scoped to), `sub` (the identity: a random id per minted
 * token, carried over into every ticket issued for it), `exp`; tickets also
 * carry `ins` (the executor's process instance) and `jti` (a random id: the
 * rendezvous lets each ticket open one socket).
 *
 * Pure: uses only jose and Web Crypto, takes the current time as an argument,
 * and is imported by both the worker and the Node CLI.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { isValidId } from '../proto/registry.ts';

export type Role = 'executor' | 'harness';

const TOKEN_TYPE = 'relaykit-token+jwt';
const TICKET_TYPE = 'relaykit-ticket+jwt';

export interface CredentialClaims {
  role: Role;
  executorId: string;
  /** Who holds the credential; for a harness this is the stream-claim identity. */
  subject: string;
  /** Unix seconds. */
  expiresAt: number;
}

export interface TicketClaims extends CredentialClaims {
  /** The executor process instance the ticket was issued for ('' for a harness). */
  instance: string;
  /** The ticket's own id (`jti`). */
  ticketId: string;
}

export type VerifyFailure = { ok: false; code: 'invalid_token' | 'expired_token'; message: string };
export type VerifyResult<T> = { ok: true; claims: T } | VerifyFailure;

export interface MintOptions {
  role: Role;
  executorId: string;
  ttlSeconds: number;
  /** Unix seconds. */
  now: number;
  /** Defaults to a fresh random UUID: every minted token is its own identity. */
  subject?: string;
}

const utf8 = new TextEncoder();

/** The HS256 key of every credential this deployment signs. */
export function signingKeyBytes(signingKey: string): Uint8Array {
  if (signingKey.length === 0) throw new Error('SIGNING_KEY is empty');
  return utf8.encode(signingKey);
}

function checkMintOptions(opts: MintOptions): void {
  if (!isValidId(opts.executorId)) throw new Error(`invalid executor id ${JSON.stringify(opts.executorId)}`);
  if (!Number.isInteger(opts.ttlSeconds) || opts.ttlSeconds <= 0) {
    throw new Error(`ttl must be a positive whole number of seconds, got ${opts.ttlSeconds}`);
  }
  if (opts.subject !== undefined && !isValidId(opts.subject)) {
    throw new Error(`invalid subject ${JSON.stringify(opts.subject)}`);
  }
}

async function sign(
  signingKey: string,
  typ: string,
  opts: MintOptions,
  extra: Record<string, string>,
): Promise<string> {
  checkMintOptions(opts);
  const jwt = new SignJWT({ role: opts.role, eid: opts.executorId, ...extra });
  return jwt
    .setProtectedHeader({ alg: 'HS256', typ })
    .setSubject(opts.subject ?? crypto.randomUUID())
    .setIssuedAt(opts.now)
    .setExpirationTime(opts.now + opts.ttlSeconds)
    .sign(signingKeyBytes(signingKey));
}

/** Mints a long-lived bearer token (`relaykit token …`). */
export function mintToken(signingKey: string, opts: MintOptions): Promise<string> {
  return sign(signingKey, TOKEN_TYPE, opts, {});
}

/** Mints a short-lived WebSocket ticket for one role, one executor id and one identity. */
export function mintTicket(
  signingKey: string,
  opts: MintOptions & { subject: string; instance: string },
): Promise<string> {
  return sign(signingKey, TICKET_TYPE, opts, { ins: opts.instance, jti: crypto.randomUUID() });
}

async function verify(
  signingKey: string,
  typ: string,
  jwt: string,
  now: number,
): Promise<VerifyResult<TicketClaims>> {
  try {
    const { payload } = await jwtVerify(jwt, signingKeyBytes(signingKey), {
      algorithms: ['HS256'],
      typ,
      currentDate: new Date(now * 1000),
      requiredClaims: typ === TICKET_TYPE ? ['exp', 'sub', 'jti'] : ['exp', 'sub'],
    });
    const { role, eid, sub, exp, ins, jti } = payload;
    if (role !== 'executor' && role !== 'harness') {
      return { ok: false, code: 'invalid_token', message: 'credential has no valid role claim' };
    }
    if (typeof eid !== 'string' || !isValidId(eid)) {
      return { ok: false, code: 'invalid_token', message: 'credential has no valid executor id claim' };
    }
    if (typeof sub !== 'string' || !isValidId(sub) || typeof exp !== 'number') {
      return { ok: false, code: 'invalid_token', message: 'credential has no valid subject or expiry' };
    }
    const instance = typeof ins === 'string' ? ins : '';
    const ticketId = typeof jti === 'string' ? jti : '';
    return { ok: true, claims: { role, executorId: eid, subject: sub, expiresAt: exp, instance, ticketId } };
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      return { ok: false, code: 'expired_token', message: 'credential has expired' };
    }
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, code: 'invalid_token', message: `credential is not valid: ${detail}` };
  }
}

/** Verifies a bearer token; `now` in unix seconds. Never throws on bad input. */
export async function verifyToken(
  signingKey: string,
  token: string,
  now: number,
): Promise<VerifyResult<CredentialClaims>> {
  const result = await verify(signingKey, TOKEN_TYPE, token, now);
  if (!result.ok) return result;
  const { instance: _instance, ticketId: _ticketId, ...claims } = result.claims;
  return { ok: true, claims };
}

/** Verifies a WebSocket ticket; `now` in unix seconds. Never throws on bad input. */
export function verifyTicket(
  signingKey: string,
  ticket: string,
  now: number,
): Promise<VerifyResult<TicketClaims>> {
  return verify(signingKey, TICKET_TYPE, ticket, now);
}

/** Parses a duration such as `90s`, `15m`, `24h`, `7d` (or bare seconds) into seconds. */
export function parseTtl(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}
