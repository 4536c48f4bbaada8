/**
 * The end-to-end secure channel between harness and executor (DESIGN.md
 * §9): identities and key files, the hybrid Noise IK handshake,
 * transport ciphers and the record framing of the JSON-RPC stream, and
 * local checks of harness authorizations, and the live glue that runs the
 * handshake over a relay stream and carries JSON-RPC messages as records.
 * Pure except for the key and allowed-keys files.
 */
export { AllowedHarnessKeys } from './allowed-keys.ts';
export { SecureMessageChannel } from './channel.ts';
export { SecureChannelError, type SecureErrorCode } from './errors.ts';
export {
  Initiator,
  type InitiatorOptions,
  MAX_AUTHORIZATION_BYTES,
  MESSAGE1_OVERHEAD,
  MESSAGE2_LENGTH,
  Responder,
  type ResponderOptions,
} from './handshake.ts';
export {
  type AuthorizationCheck,
  type AuthorizationFailure,
  type AuthorizationRequest,
  formatTrustAnchor,
  type HarnessGrant,
  parseTrustAnchor,
  signHarnessAuthorization,
  verifyHarnessAuthorization,
} from './harness-authorization.ts';
export { StaticIdentity } from './identity.ts';
export { decodeKeyFile, encodeKeyFile, loadKeyFile, saveKeyFile } from './key-file.ts';
export { authorizeHarnessLocally, type LocalHarnessPolicy } from './local-authorizer.ts';
export { MAX_NOISE_MESSAGE } from './noise/handshake-state.ts';
export { type RandomSource, systemRandom } from './noise/random.ts';
export { PROLOGUE_DOMAIN, type PrologueParts, relayPrologue } from './prologue.ts';
export { NOISE_SUITE, NoisePublicKey, type NoisePublicKeyJson } from './public-key.ts';
export {
  MAX_MESSAGE_BYTES,
  MAX_RECORD_PLAINTEXT,
  RecordDecoder,
  type RecordLimits,
  RecordQueue,
} from './records.ts';
export {
  type AcceptOptions,
  acceptSecureStream,
  type InitiateOptions,
  initiateSecureStream,
} from './relay-handshake.ts';
export { SecureMessageStream } from './secure-stream.ts';
export { type SecureSession, TransportCipher } from './transport.ts';
