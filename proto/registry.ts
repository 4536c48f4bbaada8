/**
 * The rendezvous' registry HTTP API (DESIGN.md §4, §9), as a contract shared
 * by the worker that serves it and the endpoints that call it (registry/):
 *   POST {registry}/cloud/executor/{id}/register  (executor token, RegisterRequest or no body)
 *   POST {registry}/cloud/executor/{id}/connect   (harness token, ConnectRequest or no body)
 *   POST {registry}/cloud/executor/{id}/validate  (executor token, ValidateRequest)
 *   → 200 with the answer, or {"error": {"code", "message"}}
 *   GET  {registry}/cloud/executor/{id}/stats     (either token) → 200 the rendezvous' counters
 * The same calls but stats under /cloud/environment/{id}/… (upstream's
 * newer path family) mean the same. Field names are upstream's (snake_case).
 */
import {
  checkPublicKeyJson,
  MAX_AUTHORIZATION_BYTES,
  type NoisePublicKeyJson,
  SECURE_PROFILE,
} from './secure-relay.ts';

/** Executor ids (and token subjects, executor instances): 1–256 of [A-Za-z0-9_-]. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export type RegistryAction = 'register' | 'connect' | 'validate' | 'stats';

/** `executor`: the seed's paths, relaykit's default; `environment`: upstream's newer ones. */
export type RegistryPathFamily = 'executor' | 'environment';

/** The path of a registry call, relative to the registry base URL. */
export function registryPath(
  executorId: string,
  action: RegistryAction,
  family: RegistryPathFamily = 'executor',
): string {
  return `cloud/${family}/${executorId}/${action}`;
}

/** Register: the executor's process instance, and its static key when it serves the secure relay. */
export interface RegisterRequest {
  instance?: string;
  security_profile?: typeof SECURE_PROFILE;
  executor_public_key?: NoisePublicKeyJson;
}

/** Connect: the harness's static key when it wants the secure relay. */
export interface ConnectRequest {
  harness_public_key?: NoisePublicKeyJson;
}

/** Validate: the executor asks whether a harness key's authorization holds for its registration. */
export interface ValidateRequest {
  executor_registration_id: string;
  harness_public_key: NoisePublicKeyJson;
  harness_key_authorization: string;
}

export interface ValidateAnswer {
  valid: boolean;
}

/** A successful register or connect answer: where to open the WebSocket (its URL carries a short-lived ticket). */
export interface RegistryAnswer {
  executor_id: string;
  /** The same id, under the name upstream's environment paths use. */
  environment_id: string;
  url: string;
}

/** What a register answer adds for a secure executor. */
export interface SecureRegistration {
  security_profile: typeof SECURE_PROFILE;
  /** Stable while the same process registers the same key; prologues and authorizations bind it. */
  executor_registration_id: string;
}

/** What a connect answer adds when the executor registered for the secure relay. */
export interface SecureConnectBundle extends SecureRegistration {
  executor_public_key: NoisePublicKeyJson;
  /** Short-lived, opaque to the harness: it goes into handshake message 1 as it is. */
  harness_key_authorization: string;
}

export type RegisterAnswer = RegistryAnswer & Partial<SecureRegistration>;
export type ConnectAnswer = RegistryAnswer & Partial<SecureConnectBundle>;

/** The body of every error answer. */
export interface RegistryErrorBody {
  error: { code: string; message: string };
}

/** A checked request body; a failure may name the one field at fault. */
export type BodyCheck<T> = { ok: true; value: T } | { ok: false; reason: string; field?: string };

function fieldsOf(body: unknown, allowed: readonly string[]): Record<string, unknown> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'the body is not a JSON object';
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !allowed.includes(key));
  return unknown === undefined ? record : `unknown field \`${unknown}\``;
}

function publicKeyField(record: Record<string, unknown>, field: string): NoisePublicKeyJson | string {
  const checked = checkPublicKeyJson(record[field]);
  return checked.ok ? checked.key : `\`${field}\`: ${checked.reason}`;
}

/** A register body: nothing unknown, and a key exactly when the secure profile is asked for. */
export function checkRegisterRequest(body: unknown): BodyCheck<RegisterRequest> {
  const record = fieldsOf(body, ['instance', 'security_profile', 'executor_public_key']);
  if (typeof record === 'string') return { ok: false, reason: record };
  const { instance, security_profile: profile } = record;
  if (instance !== undefined && (typeof instance !== 'string' || !isValidId(instance))) {
    return { ok: false, field: 'instance', reason: '`instance` must be 1-256 chars of [A-Za-z0-9_-]' };
  }
  if (profile === undefined && record.executor_public_key === undefined) {
    return { ok: true, value: instance === undefined ? {} : { instance } };
  }
  if (profile !== SECURE_PROFILE) {
    return { ok: false, reason: `unsupported \`security_profile\` ${JSON.stringify(profile)}` };
  }
  const key = publicKeyField(record, 'executor_public_key');
  if (typeof key === 'string') return { ok: false, reason: key };
  return {
    ok: true,
    value: {
      ...(instance !== undefined && { instance }),
      security_profile: profile,
      executor_public_key: key,
    },
  };
}

export function checkConnectRequest(body: unknown): BodyCheck<ConnectRequest> {
  const record = fieldsOf(body, ['harness_public_key']);
  if (typeof record === 'string') return { ok: false, reason: record };
  if (record.harness_public_key === undefined) return { ok: true, value: {} };
  const key = publicKeyField(record, 'harness_public_key');
  return typeof key === 'string'
    ? { ok: false, reason: key }
    : { ok: true, value: { harness_public_key: key } };
}

export function checkValidateRequest(body: unknown): BodyCheck<ValidateRequest> {
  const fields = ['executor_registration_id', 'harness_public_key', 'harness_key_authorization'];
  const record = fieldsOf(body, fields);
  if (typeof record === 'string') return { ok: false, reason: record };
  const { executor_registration_id: registration, harness_key_authorization: authorization } = record;
  if (typeof registration !== 'string' || registration === '') {
    return { ok: false, reason: '`executor_registration_id` must be a non-empty string' };
  }
  if (
    typeof authorization !== 'string' ||
    authorization === '' ||
    new TextEncoder().encode(authorization).length > MAX_AUTHORIZATION_BYTES
  ) {
    return {
      ok: false,
      reason: `\`harness_key_authorization\` must be a string of 1-${MAX_AUTHORIZATION_BYTES} bytes`,
    };
  }
  const key = publicKeyField(record, 'harness_public_key');
  if (typeof key === 'string') return { ok: false, reason: key };
  return {
    ok: true,
    value: {
      executor_registration_id: registration,
      harness_public_key: key,
      harness_key_authorization: authorization,
    },
  };
}
