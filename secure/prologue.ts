/**
 * The handshake prologue binds a handshake to one executor registration and
 * one relay stream: a message 1 for another stream id fails to decrypt.
 * Each part is a u64 big-endian byte length then the UTF-8 bytes, as in
 * upstream main's `noise_channel_prologue` (DESIGN.md "Secure relay").
 */
export const PROLOGUE_DOMAIN = 'codex-exec-server-relay-noise/v1';

export interface PrologueParts {
  /** Upstream's `environment_id`. */
  executorId: string;
  registrationId: string;
  streamId: string;
}

export function relayPrologue({ executorId, registrationId, streamId }: PrologueParts): Uint8Array {
  const encoder = new TextEncoder();
  const parts = [PROLOGUE_DOMAIN, executorId, registrationId, streamId].map((part) => encoder.encode(part));
  const prologue = Buffer.alloc(parts.reduce((sum, part) => sum + 8 + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    offset = prologue.writeBigUInt64BE(BigInt(part.length), offset);
    prologue.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(prologue);
}
