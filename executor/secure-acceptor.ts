import type { Logger } from 'pino';
import type { RelayEndpoint, RelayStream } from '../endpoint/index.ts';
import type { NoisePublicKeyJson } from '../proto/secure-relay.ts';
import {
  acceptSecureStream,
  authorizeHarnessLocally,
  type LocalHarnessPolicy,
  type NoisePublicKey,
  SecureChannelError,
  type SecureMessageStream,
  type StaticIdentity,
} from '../secure/index.ts';

/** Upstream's limits for one executor socket (DESIGN.md §9). */
export const SECURE_RELAY_LIMITS = {
  /** Registry validations in flight at once; a handshake beyond is refused (not counted as failed). */
  pendingValidations: 32,
  /** Failed handshakes on one socket before the executor drops that socket. */
  failedHandshakes: 8,
} as const;

export interface SecureAcceptorOptions {
  identity: StaticIdentity;
  executorId: string;
  /** The executor's current registration id (it may change when it re-registers). */
  registrationId: () => string;
  /** Trust anchors or allowed keys: harness keys are checked here, never by the registry. */
  localPolicy?: LocalHarnessPolicy;
  /** Asks the registry (bounded in time by the caller) about the registration the handshake bound. */
  validate: (
    harnessPublicKey: NoisePublicKeyJson,
    authorization: string,
    registrationId: string,
  ) => Promise<boolean>;
  endpoint: RelayEndpoint;
  logger: Logger;
}

class TooManyValidations extends Error {}

/**
 * The executor's side of every secure stream: runs its handshake, has the
 * harness key authorized (locally, or by the registry with at most 32
 * validations in flight), and enforces the failure budget of a socket: the
 * 8th failed handshake on one socket drops that socket (it reconnects and
 * its streams resume). A reset by the peer is no failure.
 */
export class SecureAcceptor {
  readonly #options: SecureAcceptorOptions;
  #pendingValidations = 0;
  #failures = 0;

  constructor(options: SecureAcceptorOptions) {
    this.#options = options;
    options.endpoint.onConnectionState((state) => {
      if (state === 'open') this.#failures = 0;
    });
  }

  /**
   * The stream as messages once its handshake completed, with the harness
   * key it authenticated; undefined when it was refused or reset.
   */
  async accept(
    stream: RelayStream,
  ): Promise<{ messages: SecureMessageStream; harnessKey: NoisePublicKey } | undefined> {
    const registrationId = this.#options.registrationId();
    const { identity, executorId } = this.#options;
    let harnessKey: NoisePublicKey | undefined;
    try {
      const messages = await acceptSecureStream(stream, {
        identity,
        executorId,
        registrationId,
        authorize: (key, authorization) => {
          harnessKey = key;
          return this.#authorize(key, authorization, registrationId);
        },
      });
      return { messages, harnessKey: harnessKey as NoisePublicKey };
    } catch (error) {
      this.#refused(stream.streamId, error);
      return undefined;
    }
  }

  async #authorize(key: NoisePublicKey, authorization: string, registrationId: string): Promise<boolean> {
    const { localPolicy, executorId, logger } = this.#options;
    if (localPolicy !== undefined) {
      const request = { authorization, harnessPublicKey: key, executorId, registrationId, now: new Date() };
      const check = authorizeHarnessLocally(localPolicy, request);
      if (!check.ok)
        logger.warn({ harnessKey: key.fingerprint(), reason: check.reason }, 'harness key refused');
      return check.ok;
    }
    if (this.#pendingValidations >= SECURE_RELAY_LIMITS.pendingValidations) throw new TooManyValidations();
    this.#pendingValidations += 1;
    try {
      return await this.#options.validate(key.toJSON(), authorization, registrationId);
    } finally {
      this.#pendingValidations -= 1;
    }
  }

  #refused(streamId: string, error: unknown): void {
    const { logger, endpoint } = this.#options;
    if (error instanceof TooManyValidations) {
      logger.info({ streamId }, 'secure handshake refused: too many validations in flight');
      return;
    }
    if (error instanceof SecureChannelError && error.code === 'stream_reset') return;
    const reason = error instanceof SecureChannelError ? error.code : (error as Error).message;
    logger.warn({ streamId, reason }, 'secure handshake failed');
    this.#failures += 1;
    if (this.#failures < SECURE_RELAY_LIMITS.failedHandshakes) return;
    this.#failures = 0;
    endpoint.dropSocket('too many failed secure handshakes');
  }
}
