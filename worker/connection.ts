/**
 * Who a relay socket is. The Durable Object keeps this in the socket's
 * attachment, so it survives hibernation and eviction; read back, the
 * attachment is checked field by field, never trusted as a cast.
 */

export type SocketInfo =
  | { role: 'executor'; instance: string }
  /** `key` names this socket for routing; `identity` is the harness token's subject, the stream owner. */
  | { role: 'harness'; key: string; identity: string };

export type HarnessSocketInfo = Extract<SocketInfo, { role: 'harness' }>;

export const OPEN = 1;
export const CLOSED = 3;

export const isOpen = <S extends { readyState: number }>(ws: S | undefined): ws is S =>
  ws !== undefined && ws.readyState === OPEN;

/** The part of a Durable Object's WebSocket this file uses. */
interface AttachableSocket {
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The SocketInfo an attachment holds, or undefined when it holds none or something else. */
export function parseSocketInfo(value: unknown): SocketInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.role === 'executor' && isString(v.instance)) return { role: 'executor', instance: v.instance };
  if (v.role === 'harness' && isString(v.key) && isString(v.identity)) {
    return { role: 'harness', key: v.key, identity: v.identity };
  }
  return undefined;
}

/**
 * Socket identities of one Durable Object: written to each socket's
 * attachment when accepted, read back (and checked) once per socket after a
 * wake-up, then served from memory.
 */
export class SocketDirectory {
  readonly #info = new WeakMap<AttachableSocket, SocketInfo>();

  attach(ws: AttachableSocket, info: SocketInfo): void {
    ws.serializeAttachment(info);
    this.#info.set(ws, info);
  }

  infoOf(ws: AttachableSocket): SocketInfo | undefined {
    let info = this.#info.get(ws);
    if (info === undefined) {
      info = parseSocketInfo(ws.deserializeAttachment());
      if (info !== undefined) this.#info.set(ws, info);
    }
    return info;
  }
}
