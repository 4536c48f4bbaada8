/** WebSocket close codes relaykit sends (RFC 6455 §7.4 and the application range 4000–4999). */
export const CloseCode = {
  Normal: 1000,
  /** A message of the wrong kind: text on a relay socket, binary on a local JSON-RPC socket. */
  UnsupportedData: 1003,
  /** The endpoint gives up on a socket that broke its rules (too many failed secure handshakes). */
  PolicyViolation: 1008,
  /** A message larger than the receiver accepts. */
  MessageTooBig: 1009,
  /** The rendezvous closes an executor socket when a newer socket for the same id arrives. */
  Replaced: 4000,
} as const;
