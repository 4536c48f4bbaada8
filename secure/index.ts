/**
 * The end-to-end secure channel between harness and executor (DESIGN.md
 * §9): identities and key files, the hybrid Noise IK handshake,
 * transport ciphers and the record framing of the JSON-RPC stream, and
 * local checks of harness authorizations. Pure except for the key and
 * allowed-keys files.
 */
export { SecureChannelError, type SecureErrorCode } from './errors.ts';
export { MAX_NOISE_MESSAGE } from './noise/handshake-state.ts';
export { type RandomSource, systemRandom } from './noise/random.ts';
export { type SecureSession, TransportCipher } from './transport.ts';
