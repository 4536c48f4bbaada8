import type { MessageStream } from '../endpoint/index.ts';
import { messageJson } from './encoded-message.ts';
import { messageText } from './message-text.ts';
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
    send(message: object): void {
      // Buffer.from encodes UTF-8 faster than TextEncoder, with the same bytes.
      stream.send(Buffer.from(messageJson(message), 'utf8'));
    },
    get maxMessageBytes(): number | undefined {
      return stream.maxMessageBytes;
    },
    get writable(): boolean {
      return stream.writable;
    },
    onWritable: (listener) => stream.onWritable(listener),
    onMessage: (listener) => stream.onMessage((bytes) => listener(messageText(bytes))),
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
