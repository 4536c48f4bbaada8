import type { MessageStream } from '../endpoint/index.ts';
import { messageBytes } from './encoded-message.ts';
import type { RpcTransport } from './transport.ts';

/**
 * One relay stream as a JSON-RPC RpcTransport: each message is one
 * UTF-8 JSON relay message; `writable` mirrors the stream's send window;
 * `onClose` fires once when the stream is reset (by either side).
 */
export function streamTransport(stream: MessageStream): RpcTransport {
  const closeListeners = new Set<(reason: string) => void>();
  let closedWith: string | undefined;
  stream.onReset((reason) => {
    if (closedWith !== undefined) return;
    closedWith = reason;
    for (const listener of [...closeListeners]) listener(reason);
  });
  return {
    send(message: object): number {
      const bytes = messageBytes(message);
      stream.send(bytes);
      return bytes.length;
    },
    get maxMessageBytes(): number | undefined {
      return stream.maxMessageBytes;
    },
    get writable(): boolean {
      return stream.writable;
    },
    onWritable: (listener) => stream.onWritable(listener),
    onMessage: (listener) => stream.onMessage(listener),
    pauseReceiving: () => stream.pauseReceiving(),
    resumeReceiving: () => stream.resumeReceiving(),
    onClose(listener: (reason: string) => void): () => void {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close(reason = 'closed'): void {
      stream.reset(reason);
    },
  };
}
