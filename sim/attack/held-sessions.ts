/**
 * A harness written as an attacker writes it: one relay socket, sessions on
 * as many streams as it likes (a handshake first on a secure executor),
 * opened all at once with no queue of its own, kept alive by the endpoint's
 * heartbeats until closed, and any `initialize` it wants to send.
 */
import {
  connectRelay,
  FatalConnectError,
  type RelayEndpoint,
  type RelayStream,
} from '../../endpoint/index.ts';
import type { InitializeParams } from '../../proto/rpc/index.ts';
import { type RendezvousTarget, requestConnect, type SecureBundle } from '../../registry/index.ts';
import { RpcClient, streamTransport } from '../../rpc/index.ts';
import { initiateSecureStream, NoisePublicKey, StaticIdentity } from '../../secure/index.ts';

/** How long one stream may take to open its session before it counts as refused. */
const OPEN_TIMEOUT_MS = 20_000;

/** Why a stream got no session: its reset reason, `timeout`, or the executor's JSON-RPC error. */
export class SessionRefused extends Error {
  readonly reason: string;
  readonly code: number | undefined;

  constructor(reason: string, message: string, code?: number) {
    super(message);
    this.reason = reason;
    this.code = code;
  }
}

export class RawHarness {
  readonly #endpoint: RelayEndpoint;
  readonly #target: RendezvousTarget;
  readonly #secure: { identity: StaticIdentity; bundle: SecureBundle } | undefined;
  /** Path and query of every socket URL it used. */
  readonly #paths: Set<string>;
  readonly #abandoned: { value: boolean };

  private constructor(
    endpoint: RelayEndpoint,
    target: RendezvousTarget,
    secure: { identity: StaticIdentity; bundle: SecureBundle } | undefined,
    paths: Set<string>,
    abandoned: { value: boolean },
  ) {
    this.#endpoint = endpoint;
    this.#target = target;
    this.#secure = secure;
    this.#paths = paths;
    this.#abandoned = abandoned;
  }

  /** One socket of `target`'s identity; on a secure executor, `identity` is its static key. */
  static async open(target: RendezvousTarget, identity?: StaticIdentity): Promise<RawHarness> {
    const key = identity === undefined ? {} : { harnessPublicKey: identity.publicKey.toJSON() };
    const first = await requestConnect(target, key);
    let prefetched: string | undefined = first.url;
    const paths = new Set<string>();
    const abandoned = { value: false };
    const endpoint = connectRelay({
      role: 'harness',
      resolveUrl: async () => {
        if (abandoned.value) throw new FatalConnectError('abandoned');
        const url = new URL(prefetched ?? (await requestConnect(target, key)).url);
        prefetched = undefined;
        paths.add(url.pathname + url.search);
        return url.toString();
      },
    });
    const secure = identity && first.secure ? { identity, bundle: first.secure } : undefined;
    return new RawHarness(endpoint, target, secure, paths, abandoned);
  }

  /** Never connects again once its socket is gone, and says nothing to anyone: a harness that went away. */
  abandon(): void {
    this.#abandoned.value = true;
  }

  /** Whether a socket with this path and query is one of its own. */
  owns(path: string): boolean {
    return this.#paths.has(path);
  }

  /** A session on a fresh stream, or SessionRefused. */
  async session(params: Partial<InitializeParams> = {}): Promise<{ rpc: RpcClient; sessionId: string }> {
    const stream: RelayStream = this.#endpoint.openStream(undefined, this.#secure ? 'secure' : undefined);
    let resetReason = 'timeout';
    stream.onReset((reason) => {
      resetReason = reason;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), OPEN_TIMEOUT_MS);
    });
    try {
      const messages = this.#secure ? await Promise.race([this.#handshake(stream), timeout]) : stream;
      const rpc = new RpcClient(streamTransport(messages));
      const { sessionId } = await Promise.race([
        rpc.request('initialize', { clientName: 'relaykit-attack', resumeSessionId: null, ...params }),
        timeout,
      ]);
      rpc.notify('initialized', {});
      return { rpc, sessionId };
    } catch (error) {
      if (stream.state !== 'reset') stream.reset('closed');
      const { message, code } = error as { message: string; code?: unknown };
      if (typeof code !== 'number') throw new SessionRefused(resetReason, message);
      throw new SessionRefused('rpc_error', message, code);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.#endpoint.close();
  }

  #handshake(stream: RelayStream) {
    const { identity, bundle } = this.#secure as { identity: StaticIdentity; bundle: SecureBundle };
    return initiateSecureStream(stream, {
      identity,
      executorId: this.#target.executorId,
      executorPublicKey: NoisePublicKey.fromJSON(bundle.executorPublicKey),
      registrationId: bundle.registrationId,
      authorization: bundle.authorization,
    });
  }
}

export interface HeldSessions {
  /** Streams that got a session. */
  readonly opened: number;
  /** Streams that did not, by reset reason (`timeout` when nothing came back). */
  readonly refused: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Handshakes run at once: an executor refuses handshakes beyond 32 registry
 * validations in flight, which would cut the hold short.
 */
const HANDSHAKES_AT_ONCE = 16;

/** Opens `count` sessions on one socket of `target`'s identity (secure when `secure` is set), all at once or as fast as handshakes go. */
export async function holdSessions(
  target: RendezvousTarget,
  options: { count: number; secure: boolean },
): Promise<HeldSessions> {
  const harness = await RawHarness.open(target, options.secure ? StaticIdentity.generate() : undefined);
  const batch = options.secure ? HANDSHAKES_AT_ONCE : options.count;
  const outcomes: string[] = [];
  while (outcomes.length < options.count) {
    const size = Math.min(batch, options.count - outcomes.length);
    const opened = Array.from({ length: size }, () =>
      harness.session().then(
        () => 'opened',
        (error: SessionRefused) => error.reason,
      ),
    );
    outcomes.push(...(await Promise.all(opened)));
  }
  const refused: Record<string, number> = {};
  for (const outcome of outcomes) if (outcome !== 'opened') refused[outcome] = (refused[outcome] ?? 0) + 1;
  return {
    opened: outcomes.filter((o) => o === 'opened').length,
    refused,
    close: () => harness.close(),
  };
}
