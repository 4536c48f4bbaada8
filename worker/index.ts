/**
 * The rendezvous worker (DESIGN.md §4): the registry HTTP API, ticket checks,
 * and the hand-off of WebSocket upgrades and stats to the executor's Durable
 * Object. It only authenticates and routes requests; frames never pass here.
 */

import { isValidId } from '../proto/registry.ts';
import type { Env } from './config.ts';
import { bearerToken, jsonError } from './http.ts';
import { connect, nowSeconds, register, relayStub, validate } from './registry-calls.ts';
import { RELAY_HEADERS } from './relay-headers.ts';
import { type CredentialClaims, type Role, verifyTicket, verifyToken } from './tokens.ts';

export type { Env } from './config.ts';
export { ExecutorRelay } from './relay.ts';

type Action = 'register' | 'connect' | 'validate' | 'stats' | 'ws';
const ACTION_METHOD: Readonly<Record<Action, string>> = {
  register: 'POST',
  connect: 'POST',
  validate: 'POST',
  stats: 'GET',
  ws: 'GET',
};
const ACTION_ROLES: Readonly<Record<Exclude<Action, 'ws'>, readonly Role[]>> = {
  register: ['executor'],
  connect: ['harness'],
  validate: ['executor'],
  stats: ['executor', 'harness'],
};
const ROUTE = /^\/cloud\/executor\/([^/]*)\/(register|connect|validate|stats|ws)$/;
/** Upstream's newer path family: the same registry calls and stats, under another name. */
const ENVIRONMENT_ROUTE = /^\/cloud\/environment\/([^/]*)\/(register|connect|validate|stats)$/;

/** Checks the bearer token; returns its claims or the error response. */
async function authorize(
  request: Request,
  env: Env,
  executorId: string,
  roles: readonly Role[],
): Promise<CredentialClaims | Response> {
  const token = bearerToken(request);
  if (token === undefined)
    return jsonError(401, 'missing_token', 'Authorization: Bearer <token> is required');
  const verified = await verifyToken(env.SIGNING_KEY, token, nowSeconds());
  if (!verified.ok) return jsonError(401, verified.code, verified.message);
  const { claims } = verified;
  if (!roles.includes(claims.role)) {
    return jsonError(
      403,
      'wrong_role',
      `a ${claims.role} token cannot do this; it needs a ${roles.join(' or ')} token`,
    );
  }
  if (claims.executorId !== executorId) {
    return jsonError(
      403,
      'wrong_executor',
      `token is scoped to executor ${claims.executorId}, not ${executorId}`,
    );
  }
  return claims;
}

async function openSocket(request: Request, env: Env, url: URL, executorId: string): Promise<Response> {
  const ticket = url.searchParams.get('ticket');
  if (ticket === null || ticket === '')
    return jsonError(401, 'missing_ticket', 'the ?ticket= parameter is required');
  const verified = await verifyTicket(env.SIGNING_KEY, ticket, nowSeconds());
  if (!verified.ok) return jsonError(401, verified.code.replace('token', 'ticket'), verified.message);
  const { claims } = verified;
  const role = url.searchParams.get('role');
  if (role !== claims.role) {
    return jsonError(403, 'wrong_role', `ticket is for role ${claims.role}, not ${role ?? '(none)'}`);
  }
  if (claims.executorId !== executorId) {
    return jsonError(403, 'wrong_executor', `ticket is for executor ${claims.executorId}, not ${executorId}`);
  }
  if (claims.role === 'executor' && url.searchParams.get('instance') !== claims.instance) {
    return jsonError(403, 'wrong_instance', 'the ?instance= parameter does not match the ticket');
  }
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    return jsonError(426, 'upgrade_required', 'this endpoint only accepts WebSocket upgrades');
  }
  const headers = new Headers(request.headers);
  headers.set(RELAY_HEADERS.role, claims.role);
  headers.set(RELAY_HEADERS.subject, claims.subject);
  headers.set(RELAY_HEADERS.instance, claims.instance);
  headers.set(RELAY_HEADERS.executorId, executorId);
  headers.set(RELAY_HEADERS.ticketId, claims.ticketId);
  headers.set(RELAY_HEADERS.ticketExpires, String(claims.expiresAt));
  return relayStub(env, executorId).fetch('https://relay.internal/ws', { headers });
}

async function handle(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/healthz') {
    if (request.method !== 'GET') return jsonError(405, 'method_not_allowed', 'use GET');
    return Response.json({ ok: true });
  }
  const match = ROUTE.exec(url.pathname) ?? ENVIRONMENT_ROUTE.exec(url.pathname);
  if (!match) return jsonError(404, 'not_found', `no route for ${url.pathname}`);
  const executorId = match[1] as string;
  const action = match[2] as Action;
  if (!isValidId(executorId)) {
    return jsonError(400, 'bad_executor_id', 'executor id must be 1-256 chars of [A-Za-z0-9_-]');
  }
  if (request.method !== ACTION_METHOD[action]) {
    return jsonError(405, 'method_not_allowed', `use ${ACTION_METHOD[action]} for ${action}`);
  }
  if (action === 'ws') return openSocket(request, env, url, executorId);
  const claims = await authorize(request, env, executorId, ACTION_ROLES[action]);
  if (claims instanceof Response) return claims;
  const call = { request, env, url, executorId, claims };
  switch (action) {
    case 'stats': {
      const stats = await relayStub(env, executorId).fetch('https://relay.internal/stats');
      return Response.json({ executor_id: executorId, ...(await stats.json<object>()) });
    }
    case 'register':
      return register(call);
    case 'connect':
      return connect(call);
    case 'validate':
      return validate(call);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return jsonError(500, 'internal_error', message);
    }
  },
} satisfies ExportedHandler<Env>;
