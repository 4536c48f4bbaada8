/**
 * Handshake patterns as data. `hybridIK` is the one the relay uses (clatter
 * 2.2.0 `noise_hybrid_ik`); the classic ones exist to check the shared token
 * machinery against the published Noise test vectors.
 */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'ekem' | 'skem';

export interface HandshakePattern {
  /** As it appears in the protocol name: `IK`, `hybridIK`, … */
  readonly name: string;
  /** Hybrid patterns send an ML-KEM-768 key beside every X25519 key (`e`, `s`). */
  readonly hybrid: boolean;
  /** The `<- s` pre-message: the initiator knows the responder's static key. */
  readonly responderStaticKnown: boolean;
  /** Token lists, initiator's message first, then alternating. */
  readonly messages: readonly (readonly Token[])[];
}

export const HYBRID_IK: HandshakePattern = {
  name: 'hybridIK',
  hybrid: true,
  responderStaticKnown: true,
  messages: [
    ['skem', 'e', 'es', 's', 'ss'],
    ['ekem', 'skem', 'e', 'ee', 'se'],
  ],
};

export const IK: HandshakePattern = {
  name: 'IK',
  hybrid: false,
  responderStaticKnown: true,
  messages: [
    ['e', 'es', 's', 'ss'],
    ['e', 'ee', 'se'],
  ],
};

export const NN: HandshakePattern = {
  name: 'NN',
  hybrid: false,
  responderStaticKnown: false,
  messages: [['e'], ['e', 'ee']],
};

export const XX: HandshakePattern = {
  name: 'XX',
  hybrid: false,
  responderStaticKnown: false,
  messages: [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']],
};

/**
 * The name hashed into h. clatter builds it from component names and calls
 * X25519 `25519`, so the hybrid one is `Noise_hybridIK_25519+MLKEM768_…`,
 * not the public suite tag `…_X25519+MLKEM768_…`.
 */
export function protocolName(pattern: HandshakePattern): string {
  return `Noise_${pattern.name}_25519${pattern.hybrid ? '+MLKEM768' : ''}_AESGCM_SHA256`;
}
