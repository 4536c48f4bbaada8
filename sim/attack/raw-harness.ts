/**
 * Harness-side tools that do what the harness library never would: send any
 * bytes as one message, cut messages into segments of any size, leave
 * messages unfinished, and never acknowledge what the executor sends — in
 * either profile. A secure one is an authorized harness like any other: its
 * own identity, the connect bundle the rendezvous hands it, a handshake per
 * stream; the attack happens inside the channel.
 */
import { connectRelay, type MessageStream } from '../../endpoint/index.ts';
import { SECURE_PROFILE, type SecurityProfile } from '../../proto/secure-relay.ts';
import { type RendezvousTarget, requestConnect } from '../../registry/index.ts';
import { RpcClient, streamTransport } from '../../rpc/index.ts';
import {
  type InitiateOptions,
  initiateSecureStream,
  NoisePublicKey,
  StaticIdentity,
} from '../../secure/index.ts';
import { openRelaySocket } from '../raw/socket.ts';
import { UnackingStream } from './unacking-stream.ts';

/** The executor as an attacker reaches it: its rendezvous, a harness token and the relay it serves. */
export interface AttackTarget extends RendezvousTarget {
  securityProfile: SecurityProfile;
}

/** One JSON-RPC message as UTF-8 bytes. */
export const jsonMessage = (message: object) => Buffer.from(JSON.stringify(message), 'utf8');

/** The requests that open a session, as messages. */
export function sessionOpening(clientName = 'relaykit-attack'): Uint8Array[] {
  return [
    jsonMessage({ id: 0, method: 'initialize', params: { clientName } }),
    jsonMessage({ method: 'initialized', params: {} }),
  ];
}

/** A socket URL with a fresh ticket and, for the secure relay, what a stream's handshake needs. */
interface Admission {
  url: string;
  handshake?: InitiateOptions;
}

/** Connects as the harness library does: with a key of its own when the executor is secure. */
async function admit(target: AttackTarget, identity: StaticIdentity): Promise<Admission> {
  if (target.securityProfile !== SECURE_PROFILE) return requestConnect(target);
  const answer = await requestConnect(target, { harnessPublicKey: identity.publicKey.toJSON() });
  if (answer.secure === undefined) throw new Error(`executor ${target.executorId} is not secure`);
  const { executorPublicKey, registrationId, authorization } = answer.secure;
  return {
    url: answer.url,
    handshake: {
      identity,
      executorId: target.executorId,
      executorPublicKey: NoisePublicKey.fromJSON(executorPublicKey),
      registrationId,
      authorization,
    },
  };
}

/** A session on a stream of its own: JSON-RPC as the attacker writes it, or any bytes as one message. */
export interface RawSession {
  readonly rpc: RpcClient;
  /** The stream's messages (a secure stream's, inside the channel). */
  readonly stream: MessageStream;
  close(): Promise<void>;
}

/** Opens a relay socket with one stream (secure when the executor is) and a session on it. */
export async function rawSession(target: AttackTarget): Promise<RawSession> {
  const identity = StaticIdentity.generate();
  const first = await admit(target, identity);
  let prefetched: string | undefined = first.url;
  const endpoint = connectRelay({
    role: 'harness',
    resolveUrl: async () => {
      const url = prefetched;
      prefetched = undefined;
      return url ?? (await admit(target, identity)).url;
    },
  });
  const relayStream = endpoint.openStream(undefined, first.handshake && 'secure');
  const stream = first.handshake ? await initiateSecureStream(relayStream, first.handshake) : relayStream;
  const rpc = new RpcClient(streamTransport(stream));
  await rpc.request('initialize', { clientName: 'relaykit-attack' });
  rpc.notify('initialized', {});
  return { rpc, stream, close: () => endpoint.close() };
}

/** A stream that never acknowledges, and its messages: inside the secure channel when the executor is secure. */
export interface UnackingSession {
  readonly stream: UnackingStream;
  readonly messages: MessageStream;
}

/** Opens a raw socket with one never-acknowledging stream, its handshake done if the executor is secure. */
export async function unackingSession(target: AttackTarget): Promise<UnackingSession> {
  const admission = await admit(target, StaticIdentity.generate());
  const socket = await openRelaySocket(admission.url);
  if (admission.handshake === undefined) {
    const stream = new UnackingStream(socket, 'reliable');
    return { stream, messages: stream };
  }
  const stream = new UnackingStream(socket, 'secure');
  return { stream, messages: await initiateSecureStream(stream, admission.handshake) };
}
