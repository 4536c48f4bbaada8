/**
 * The rendezvous worker (DESIGN.md §4): the registry HTTP API, ticket checks,
 * and the hand-off of WebSocket upgrades and stats to the executor's Durable
 * Object. It only authenticates and routes requests; frames never pass here.
 */

import { isValidId, type RegistryAnswer } from '../proto/registry.ts';
import { type Env, ticketTtlSeconds } from './config.ts';
import { bearerToken, jsonError } from './http.ts';
import { RELAY_HEADERS } from './relay-headers.ts';
import { type CredentialClaims, mintTicket, type Role, verifyTicket, verifyToken } from './tokens.ts';

export type { Env } from './config.ts';
export { ExecutorRelay } from './relay.ts';

type Action = 'register' | 'connect' | 'stats' | 'ws';
const ACTION_METHOD: Readonly<Record<Action, string>> = {
  register: 'POST',
  connect: 'POST',
  stats: 'GET',
  ws: 'GET',
};
const ROUTE = /^\/cloud\/executor\/([^/]*)\/(register|connect|stats|ws)$/;
/** Upstream's newer path family: the same registry calls, under another name. */
const ENVIRONMENT_ROUTE = /^\/cloud\/environment\/([^/]*)\/(register|connect)$/;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function relayStub(env: Env, executorId: string): DurableObjectStub {
  return env.EXECUTOR_RELAY.get(env.EXECUTOR_RELAY.idFromName(executorId));
}

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

/**
 * The executor's process instance: `?instance=` or a JSON body `{"instance": "…"}`.
 * Upstream's executor registers with no instance at all (often no body): each
 * such registration counts as a new process, which costs it nothing, since a
 * legacy executor has no stream to resume after a reconnect.
 */
async function registerInstance(request: Request, url: URL): Promise<string | Response> {
  let instance = url.searchParams.get('instance');
  if (instance === null) {
    const text = await request.text();
    if (text.trim() !== '') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return jsonError(400, 'bad_request', 'request body is not valid JSON');
      }
      const field = (body as { instance?: unknown } | null)?.instance;
      if (field !== undefined) instance = typeof field === 'string' ? field : '';
    }
  }
  if (instance === null) return crypto.randomUUID();
  if (!isValidId(instance)) {
    return jsonError(
      400,
      'bad_instance',
      'the executor process instance (?instance= or {"instance": …}) must be 1-256 chars of [A-Za-z0-9_-]',
    );
  }
  return instance;
}

async function issueTicket(
  request: Request,
  env: Env,
  url: URL,
  executorId: string,
  claims: CredentialClaims,
): Promise<Response> {
  let instance = '';
  if (claims.role === 'executor') {
    const found = await registerInstance(request, url);
    if (found instanceof Response) return found;
    instance = found;
  }
  const ticket = await mintTicket(env.SIGNING_KEY, {
    role: claims.role,
    executorId,
    subject: claims.subject,
    instance,
    ttlSeconds: ticketTtlSeconds(env),
    now: nowSeconds(),
  });
  const wsUrl = new URL(`/cloud/executor/${executorId}/ws`, url);
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  wsUrl.searchParams.set('role', claims.role);
  if (claims.role === 'executor') wsUrl.searchParams.set('instance', instance);
  wsUrl.searchParams.set('ticket', ticket);
  return Response.json({
    executor_id: executorId,
    environment_id: executorId,
    url: wsUrl.toString(),
  } satisfies RegistryAnswer);
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
  const roles: readonly Role[] =
    action === 'register' ? ['executor'] : action === 'connect' ? ['harness'] : ['executor', 'harness'];
  const claims = await authorize(request, env, executorId, roles);
  if (claims instanceof Response) return claims;
  if (action === 'stats') {
    const stats = await relayStub(env, executorId).fetch('https://relay.internal/stats');
    return Response.json({ executor_id: executorId, ...(await stats.json<object>()) });
  }
  return issueTicket(request, env, url, executorId, claims);
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
