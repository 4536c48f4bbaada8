/**
 * WebSocket client frames must be masked (RFC 6455 §5.3) so that a script
 * cannot make plaintext bytes look like something else to a proxy on the
 * path (§10.3). On loopback no proxy sees the bytes, and an all-zero mask lets ws send each payload as it is instead of copying
 * and XOR-ing it (a sixth of the executor's CPU at full output rate).
 */
const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The ws `generateMask` option for a socket to `url`: zero masks on loopback only.
 * Anything leaving the machine keeps random masks, TLS included: a TLS-terminating
 * proxy on the path sees the frames in the clear.
 */
export function maskOptionFor(url: string): { generateMask?: (mask: Buffer) => void } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {};
  }
  return isLoopback(parsed.hostname) ? { generateMask: zeroMask } : {};
}
