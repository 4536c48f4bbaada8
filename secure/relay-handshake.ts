/**
 * The handshake of a secure relay stream, driven over the endpoint's
 * handshake frames (DESIGN.md §9): the harness initiates on a stream it
 * opened, the executor accepts a stream the harness opened, and both get a
 * SecureMessageStream. Every failure resets the stream with
 * `secure_relay_protocol_error`; a reset from the other side (its reason
 * is not authenticated) is reported as `stream_reset`, never with its text.
 */
import type { RelayStream } from '../endpoint/index.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { SecureChannelError } from './errors.ts';
import { Initiator, Responder } from './handshake.ts';
import type { StaticIdentity } from './identity.ts';
import type { RandomSource } from './noise/random.ts';
import { relayPrologue } from './prologue.ts';
import type { NoisePublicKey } from './public-key.ts';
import { SecureMessageStream } from './secure-stream.ts';

export interface InitiateOptions {
  identity: StaticIdentity;
  /** The executor's key, from the registry's answer (or pinned). */
  executorPublicKey: NoisePublicKey;
  /** Upstream's `environment_id`. */
  executorId: string;
  registrationId: string;
  /** The harness key authorization, carried in message 1. */
  authorization: string;
  random?: RandomSource;
}

export interface AcceptOptions {
  identity: StaticIdentity;
  executorId: string;
  registrationId: string;
  /**
   * Decides whether the harness key (authenticated by message 1) may use
   * this executor. False refuses it; a throw refuses it with that error.
   */
  authorize(harnessPublicKey: NoisePublicKey, authorization: string): Promise<boolean>;
  random?: RandomSource;
}

function resetBySide(): SecureChannelError {
  return new SecureChannelError('stream_reset', 'the secure relay stream was reset during the handshake');
}

/**
 * Calls `onPayload` with the stream's first handshake message, synchronously
 * in its dispatch (records may follow in the same one), or `onReset`.
 */
function onFirstHandshake(
  stream: RelayStream,
  onPayload: (payload: Uint8Array) => void,
  onReset: (error: SecureChannelError) => void,
): void {
  if (stream.state === 'reset') {
    onReset(resetBySide());
    return;
  }
  const offHandshake = stream.onHandshake((payload) => {
    offHandshake();
    offReset();
    onPayload(payload);
  });
  const offReset = stream.onReset(() => {
    offHandshake();
    offReset();
    onReset(resetBySide());
  });
}

/** Fails the handshake: the stream is reset, the error passed on. */
function refuse(stream: RelayStream, error: unknown): never {
  stream.reset(ResetReason.SecureRelayProtocolError);
  throw error;
}

function prologueOf(stream: RelayStream, options: { executorId: string; registrationId: string }) {
  const { executorId, registrationId } = options;
  return relayPrologue({ executorId, registrationId, streamId: stream.streamId });
}

/** Harness side, on a secure stream it just opened: message 1 out, message 2 in. */
export function initiateSecureStream(
  stream: RelayStream,
  options: InitiateOptions,
): Promise<SecureMessageStream> {
  return new Promise((resolve, reject) => {
    let started: ReturnType<typeof Initiator.start>;
    try {
      started = Initiator.start({ ...options, prologue: prologueOf(stream, options) });
    } catch (error) {
      stream.reset(ResetReason.SecureRelayProtocolError);
      return reject(error);
    }
    onFirstHandshake(
      stream,
      (message2) => {
        try {
          resolve(new SecureMessageStream(stream, started.initiator.finish(message2)));
        } catch (error) {
          stream.reset(ResetReason.SecureRelayProtocolError);
          reject(error);
        }
      },
      reject,
    );
    if (stream.state !== 'reset') stream.sendHandshake(started.message1);
  });
}

/**
 * Executor side, on a secure stream the harness opened (call it when the
 * stream appears, before its first event is dispatched): reads message 1,
 * has the harness key authorized, answers with message 2.
 */
export async function acceptSecureStream(
  stream: RelayStream,
  options: AcceptOptions,
): Promise<SecureMessageStream> {
  const message1 = await new Promise<Uint8Array>((resolve, reject) =>
    onFirstHandshake(stream, resolve, reject),
  );
  let responder: Responder;
  try {
    responder = Responder.read({
      identity: options.identity,
      prologue: prologueOf(stream, options),
      message1,
      random: options.random,
    });
  } catch (error) {
    refuse(stream, error);
  }
  let authorized: boolean;
  try {
    authorized = await options.authorize(responder.harnessPublicKey, responder.authorization);
  } catch (error) {
    refuse(stream, error);
  }
  if (!authorized) refuse(stream, new SecureChannelError('unauthorized', 'harness key is not authorized'));
  if (stream.state === 'reset') throw resetBySide();
  const { message2, session } = responder.complete();
  // Built first: it must be listening when the first record arrives.
  const secured = new SecureMessageStream(stream, session);
  stream.sendHandshake(message2);
  return secured;
}
