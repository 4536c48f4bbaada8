/**
 * The three registry calls (DESIGN.md §4, §9), after the route and the
 * bearer token were checked: register (a WebSocket ticket, and the
 * executor's registration in its Durable Object), connect (a ticket, and
 * for a secure executor the bundle a harness needs for a handshake) and
 * validate (whether a harness key authorization holds). An authorization is
 * never logged nor echoed.
 */
import {
  type BodyCheck,
  type ConnectAnswer,
  checkConnectRequest,
  checkRegisterRequest,
  checkValidateRequest,
  isValidId,
  type RegisterAnswer,
  type ValidateAnswer,
} from '../proto/registry.ts';
import { SECURE_PROFILE } from '../proto/secure-relay.ts';
import { type Env, ticketTtlSeconds } from './config.ts';
import { harnessAuthorizationHolds, mintHarnessAuthorization } from './harness-authorization.ts';
import { jsonError } from './http.ts';
import type { Registration } from './registrations.ts';
import { type CredentialClaims, mintTicket } from './tokens.ts';

/** The time in whole seconds, as tokens and tickets count it. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** One authenticated registry call: the request, the deployment, its URL, the executor and the caller's claims. */
export interface RegistryCall {
  request: Request;
  env: Env;
  url: URL;
  executorId: string;
  claims: CredentialClaims;
}

export function relayStub(env: Env, executorId: string): DurableObjectStub {
  return env.EXECUTOR_RELAY.get(env.EXECUTOR_RELAY.idFromName(executorId));
}

/** The JSON body checked by `check`; an absent or blank body is `{}`. */
async function body<T>(request: Request, check: (value: unknown) => BodyCheck<T>): Promise<T | Response> {
  const text = await request.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      return jsonError(400, 'bad_request', 'request body is not valid JSON');
    }
  }
  const checked = check(value);
  if (checked.ok) return checked.value;
  return jsonError(400, checked.field === undefined ? 'bad_request' : `bad_${checked.field}`, checked.reason);
}

async function currentRegistration(env: Env, executorId: string): Promise<Registration | null> {
  return (await relayStub(env, executorId).fetch('https://relay.internal/registration')).json();
}

async function ticketAnswer(
  { env, url, executorId, claims }: RegistryCall,
  instance: string,
): Promise<{ executor_id: string; environment_id: string; url: string }> {
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
  return { executor_id: executorId, environment_id: executorId, url: wsUrl.toString() };
}

/**
 * The executor's process instance comes from `?instance=` or the body.
 * Upstream's executor sends none (often no body at all): each such
 * registration counts as a new process, which costs it nothing, since a
 * legacy executor has no stream to resume after a reconnect.
 */
export async function register(call: RegistryCall): Promise<Response> {
  const { request, env, url, executorId } = call;
  const checked = await body(request, checkRegisterRequest);
  if (checked instanceof Response) return checked;
  const instance = url.searchParams.get('instance') ?? checked.instance ?? crypto.randomUUID();
  if (!isValidId(instance)) {
    return jsonError(
      400,
      'bad_instance',
      'the executor process instance must be 1-256 chars of [A-Za-z0-9_-]',
    );
  }
  const registered = await relayStub(env, executorId).fetch('https://relay.internal/register', {
    method: 'POST',
    body: JSON.stringify({ instance, key: checked.executor_public_key ?? null }),
  });
  const registration = await registered.json<Registration>();
  const answer: RegisterAnswer = await ticketAnswer(call, instance);
  if (registration.profile === SECURE_PROFILE) {
    answer.security_profile = SECURE_PROFILE;
    answer.executor_registration_id = registration.id;
  }
  return Response.json(answer);
}

/**
 * A harness that sends its key gets, for a secure executor, the executor's
 * key, its registration and a fresh authorization; a secure executor
 * refuses a harness without one.
 */
export async function connect(call: RegistryCall): Promise<Response> {
  const { request, env, executorId, claims } = call;
  const checked = await body(request, checkConnectRequest);
  if (checked instanceof Response) return checked;
  const harnessKey = checked.harness_public_key;
  const registration = await currentRegistration(env, executorId);
  if (registration === null && harnessKey !== undefined) {
    return jsonError(503, 'executor_not_registered', `executor ${executorId} has not registered yet; retry`);
  }
  const answer: ConnectAnswer = await ticketAnswer(call, '');
  if (registration?.profile !== SECURE_PROFILE || registration.key === null) return Response.json(answer);
  if (harnessKey === undefined) {
    return jsonError(
      400,
      'harness_key_required',
      `executor ${executorId} serves only the secure relay (${SECURE_PROFILE}): send {"harness_public_key"}`,
    );
  }
  answer.security_profile = SECURE_PROFILE;
  answer.executor_public_key = registration.key;
  answer.executor_registration_id = registration.id;
  answer.harness_key_authorization = await mintHarnessAuthorization(
    env.SIGNING_KEY,
    {
      harnessPublicKey: harnessKey,
      executorId,
      registrationId: registration.id,
      harnessIdentity: claims.subject,
    },
    nowSeconds(),
  );
  return Response.json(answer);
}

/** Whether a harness key authorization holds for the executor's current registration. */
export async function validate({ request, env, executorId }: RegistryCall): Promise<Response> {
  const checked = await body(request, checkValidateRequest);
  if (checked instanceof Response) return checked;
  const registration = await currentRegistration(env, executorId);
  const valid =
    registration?.id === checked.executor_registration_id &&
    (await harnessAuthorizationHolds(
      env.SIGNING_KEY,
      checked.harness_key_authorization,
      {
        harnessPublicKey: checked.harness_public_key,
        executorId,
        registrationId: registration.id,
      },
      nowSeconds(),
    ));
  return Response.json({ valid } satisfies ValidateAnswer);
}
