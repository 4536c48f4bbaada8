import { messageBytes, type RpcTransport } from '../../rpc/index.ts';

/** An in-memory RpcTransport whose writability the test controls. */
export class FakeTransport implements RpcTransport {
  readonly sent: Record<string, unknown>[] = [];
  /** Whether the processor asked to stop taking messages. */
  receivingPaused = false;
  #writable = true;
  readonly #writableListeners = new Set<() => void>();
  readonly #messageListeners = new Set<(message: Uint8Array) => void>();
  readonly #closeListeners = new Set<(reason: string) => void>();

  get writable(): boolean {
    return this.#writable;
  }

  setWritable(writable: boolean): void {
    this.#writable = writable;
    if (writable) for (const l of [...this.#writableListeners]) l();
  }

  send(message: object): number {
    this.sent.push(message as Record<string, unknown>);
    return messageBytes(message).length;
  }
  onWritable(listener: () => void): () => void {
    this.#writableListeners.add(listener);
    return () => this.#writableListeners.delete(listener);
  }
  onMessage(listener: (message: Uint8Array) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }
  onClose(listener: (reason: string) => void): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }
  pauseReceiving(): void {
    this.receivingPaused = true;
  }
  resumeReceiving(): void {
    this.receivingPaused = false;
  }
  close(reason = 'closed'): void {
    for (const l of [...this.#closeListeners]) l(reason);
  }

  /** Delivers one inbound message, as the peer would. */
  receive(message: object): void {
    for (const l of [...this.#messageListeners]) l(Buffer.from(JSON.stringify(message)));
  }

  outputBytes(processId: string): number {
    return this.sent
      .filter(
        (m) => m.method === 'process/output' && (m.params as { processId: string }).processId === processId,
      )
      .reduce((n, m) => n + Buffer.from((m.params as { chunk: string }).chunk, 'base64').length, 0);
  }

  closedSeen(processId: string): boolean {
    return this.sent.some(
      (m) => m.method === 'process/closed' && (m.params as { processId: string }).processId === processId,
    );
  }
}
