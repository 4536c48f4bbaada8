/**
 * The rendezvous' registry HTTP API (DESIGN.md §4), as a contract shared by
 * the worker that serves it and the endpoints that call it (registry/):
 *   POST {registry}/cloud/executor/{id}/register  (executor token, body {"instance"} or none)
 *   POST {registry}/cloud/executor/{id}/connect   (harness token)
 *   → 200 {"executor_id", "environment_id", "url"} or {"error": {"code", "message"}}
 *   GET  {registry}/cloud/executor/{id}/stats     (either token) → 200 the rendezvous' counters
 * The same two calls under /cloud/environment/{id}/… (upstream's newer path
 * family) mean the same.
 */

/** Executor ids (and token subjects, executor instances): 1–256 of [A-Za-z0-9_-]. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export type RegistryAction = 'register' | 'connect' | 'stats';

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

/** A successful answer: where to open the WebSocket (its URL carries a short-lived ticket). */
export interface RegistryAnswer {
  executor_id: string;
  /** The same id, under the name upstream's environment paths use. */
  environment_id: string;
  url: string;
}

/** The body of every error answer. */
export interface RegistryErrorBody {
  error: { code: string; message: string };
}
