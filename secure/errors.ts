/**
 * Every failure of the secure channel is a `SecureChannelError` with a short
 * machine code; library errors never escape raw (they ride as `cause`).
 */
export type SecureErrorCode =
  | 'invalid_public_key'
  | 'invalid_key_file'
  | 'invalid_trust_anchor'
  | 'invalid_allowed_keys'
  | 'invalid_state'
  | 'message_too_large'
  | 'malformed_handshake'
  | 'handshake_failed'
  | 'authorization_too_long'
  | 'authorization_not_utf8'
  | 'response_payload_not_empty'
  | 'nonce_exhausted'
  | 'ciphertext_too_short'
  | 'decrypt_failed'
  | 'record_too_large'
  | 'invalid_message_length'
  | 'reassembly_limit'
  | 'unauthorized'
  | 'stream_reset';

export class SecureChannelError extends Error {
  readonly code: SecureErrorCode;

  constructor(code: SecureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecureChannelError';
    this.code = code;
  }
}
