/**
 * The executor's current registration, kept by its Durable Object in
 * storage: which process instance registered, with which key and profile,
 * under which registration id. The id stays the same while the same
 * instance registers the same key again (an executor re-registers on every
 * reconnect), so bundles handed to harnesses stay valid; a new instance or
 * a new key gets a new id.
 */
import {
  canonicalPublicKeyJson,
  checkPublicKeyJson,
  type NoisePublicKeyJson,
  SECURE_PROFILE,
  type SecurityProfile,
} from '../proto/secure-relay.ts';
import type { RelayStore } from './store.ts';

export interface Registration {
  id: string;
  instance: string;
  profile: SecurityProfile;
  /** The executor's static key (secure profile only). */
  key: NoisePublicKeyJson | null;
}

const META_KEY = 'registration';

/** A stored registration read back field by field, never trusted as a cast. */
function parseRegistration(json: string | undefined): Registration | undefined {
  if (json === undefined) return undefined;
  try {
    const value = JSON.parse(json) as Record<string, unknown>;
    const key = value.key === null ? null : checkPublicKeyJson(value.key);
    if (typeof value.id !== 'string' || typeof value.instance !== 'string') return undefined;
    if (key === null) return { id: value.id, instance: value.instance, profile: 'cleartext', key: null };
    return key.ok
      ? { id: value.id, instance: value.instance, profile: SECURE_PROFILE, key: key.key }
      : undefined;
  } catch {
    return undefined;
  }
}

const sameKey = (a: NoisePublicKeyJson | null, b: NoisePublicKeyJson | null) =>
  a === null || b === null ? a === b : canonicalPublicKeyJson(a) === canonicalPublicKeyJson(b);

export class Registrations {
  readonly #store: RelayStore;
  #current: Registration | undefined;

  constructor(store: RelayStore) {
    this.#store = store;
    this.#current = parseRegistration(store.getMeta(META_KEY));
  }

  get current(): Registration | undefined {
    return this.#current;
  }

  register(instance: string, key: NoisePublicKeyJson | null): Registration {
    const current = this.#current;
    if (current?.instance === instance && sameKey(current.key, key)) return current;
    const registration: Registration = {
      id: crypto.randomUUID(),
      instance,
      profile: key === null ? 'cleartext' : SECURE_PROFILE,
      key,
    };
    this.#store.setMeta(META_KEY, JSON.stringify(registration));
    this.#current = registration;
    return registration;
  }
}
