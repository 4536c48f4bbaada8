import { FatalConnectError } from '../endpoint/index.ts';
import type { ConnectAnswer, SecureBundle } from '../registry/index.ts';
import { NoisePublicKey, StaticIdentity } from '../secure/index.ts';

/**
 * How a harness treats the secure relay: `auto` (the default) follows the
 * connect answer, and once an executor offered the secure relay it never
 * falls back to cleartext; `secure` refuses a cleartext answer; `cleartext`
 * sends no key, for executors that serve cleartext only.
 */
export type RelaySecurity = 'auto' | 'secure' | 'cleartext';

export interface RelaySecurityOptions {
  /** Default `auto`. */
  security?: RelaySecurity;
  /** The harness's static identity (default: one per process). */
  identity?: StaticIdentity;
  /**
   * The harness key authorization to present instead of the registry's, for
   * an executor that checks authorizations itself (`relaykit authorize-harness`).
   */
  authorization?: string;
  /** The executor key to expect: a connect answer with another key is refused. */
  executorPublicKey?: NoisePublicKey;
}

/** The executor or the rendezvous offered a relay this client refuses; retrying cannot help. */
export class RelaySecurityError extends FatalConnectError {
  constructor(message: string) {
    super(message);
    this.name = 'RelaySecurityError';
  }
}

let processIdentity: StaticIdentity | undefined;

/** One static identity per harness process, made on first use. */
export function harnessIdentity(options: RelaySecurityOptions): StaticIdentity {
  if (options.identity !== undefined) return options.identity;
  processIdentity ??= StaticIdentity.generate();
  return processIdentity;
}

/** What a harness needs for one handshake: the bundle, with the key parsed and its own authorization if given. */
export interface HandshakeBundle extends Omit<SecureBundle, 'executorPublicKey'> {
  executorPublicKey: NoisePublicKey;
}

/**
 * Applies the client's policy to one connect answer: the handshake bundle
 * for a secure executor, undefined for a cleartext one the policy allows,
 * a RelaySecurityError otherwise. `secureSeen`: an earlier answer was secure.
 */
export function admitAnswer(
  answer: ConnectAnswer,
  options: RelaySecurityOptions,
  label: string,
  secureSeen: boolean,
): HandshakeBundle | undefined {
  const security = options.security ?? 'auto';
  if (answer.secure === undefined) {
    if (security === 'cleartext' || (security === 'auto' && !secureSeen)) return undefined;
    throw new RelaySecurityError(`${label} does not offer the secure relay; refusing a cleartext relay`);
  }
  const executorPublicKey = NoisePublicKey.fromJSON(answer.secure.executorPublicKey);
  if (options.executorPublicKey !== undefined && !options.executorPublicKey.equals(executorPublicKey)) {
    throw new RelaySecurityError(`${label} answered with another executor key than the one expected`);
  }
  return {
    ...answer.secure,
    executorPublicKey,
    authorization: options.authorization ?? answer.secure.authorization,
  };
}
