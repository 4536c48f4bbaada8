import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { REQUEST_STRUCTS, violations } from '../fixtures/upstream/structs.ts';

type Params = Record<string, unknown>;
type Send = (message: object) => void;

/** Answers in upstream's result shapes only: no relaykit extensions. */
const HANDLERS: Record<string, (executor: FakeUpstreamExecutor, p: Params, send: Send) => unknown> = {
  initialize: () => ({ sessionId: randomUUID() }),
  'environment/info': () => ({ shell: { name: 'bash', path: '/bin/bash' }, cwd: FakeUpstreamExecutor.CWD }),
  'process/start': (x, p, send) => x.start(p, send),
  'process/write': (x, p, send) => x.write(p, send),
  'process/signal': (x, p, send) => x.signal(p, send),
  'process/read': (x, p) => x.read(p),
  'process/terminate': () => ({ running: false }),
  'fs/writeFile': (x, p) => {
    x.files.set(p.path as string, Buffer.from(p.dataBase64 as string, 'base64'));
    return {};
  },
  'fs/readFile': (x, p) => ({ dataBase64: x.file(p.path).toString('base64') }),
  'fs/getMetadata': (x, p) => ({
    isDirectory: false,
    isFile: true,
    isSymlink: false,
    size: x.file(p.path).length,
    createdAtMs: 0,
    modifiedAtMs: 1_700_000_000_000,
  }),
  'fs/readDirectory': () => ({ entries: [{ fileName: 'a', isDirectory: false, isFile: true }] }),
  'fs/createDirectory': () => ({}),
  'fs/remove': () => ({}),
  'fs/copy': () => ({}),
  'fs/canonicalize': (_x, p) => ({ path: `${p.path}-resolved` }),
  'fs/walk': (_x, p) => ({
    entries: [{ path: `${p.path}/child`, kind: 'file' }],
    errors: [],
    truncated: false,
  }),
  'fs/open': (x, p) => {
    x.handles.set(p.handleId as string, x.file(p.path));
    return { handleId: p.handleId };
  },
  'fs/readBlock': (x, p) => {
    const data = x.handles.get(p.handleId as string) as Buffer;
    const [offset, len] = [p.offset as number, p.len as number];
    return {
      chunk: data.subarray(offset, offset + len).toString('base64'),
      eof: offset + len >= data.length,
    };
  },
  'fs/close': (x, p) => {
    x.handles.delete(p.handleId as string);
    return {};
  },
  'http/request': (_x, p, send) => {
    const body = Buffer.from(`fake body for ${p.method} ${p.url}`);
    const head = { status: 200, headers: [{ name: 'content-type', value: 'text/plain' }] };
    if (p.streamResponse !== true) return { ...head, bodyBase64: body.toString('base64') };
    setImmediate(() => {
      const requestId = p.requestId;
      const deltas = [body.subarray(0, 5), body.subarray(5), Buffer.alloc(0)];
      deltas.forEach((delta, i) => {
        send({
          method: 'http/request/bodyDelta',
          params: {
            requestId,
            seq: i + 1,
            deltaBase64: delta.toString('base64'),
            done: i === 2,
            error: null,
          },
        });
      });
    });
    return { ...head, bodyBase64: '' };
  },
};

interface FakeProcess {
  argv: string[];
  nextSeq: number;
  output: { seq: number; stream: 'stdout'; chunk: string }[];
  exitCode: number | null;
}

/**
 * A stand-in for upstream's executor over a local WebSocket: it checks every
 * request against upstream's param structs (refusing, as serde would, what
 * does not fit), answers in upstream's shapes and runs a few scripted
 * commands (`echo`, `cat`, `sleep`).
 */
export class FakeUpstreamExecutor {
  static readonly CWD = 'file:///work/upstream%20cwd';
  readonly requests: { method: string; params: Params }[] = [];
  /** Requests upstream's executor would have refused. */
  readonly refused: string[] = [];
  readonly files = new Map<string, Buffer>();
  readonly handles = new Map<string, Buffer>();
  readonly #processes = new Map<string, FakeProcess>();
  readonly #server: WebSocketServer;

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on('connection', (ws) => ws.on('message', (data) => this.#receive(ws, data.toString())));
  }

  static async start(): Promise<FakeUpstreamExecutor> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new FakeUpstreamExecutor(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  file(path: unknown): Buffer {
    const data = this.files.get(path as string);
    if (data === undefined)
      throw Object.assign(new Error('No such file or directory (os error 2)'), { code: -32004 });
    return data;
  }

  start(p: Params, send: Send): unknown {
    const proc: FakeProcess = { argv: p.argv as string[], nextSeq: 1, output: [], exitCode: null };
    this.#processes.set(p.processId as string, proc);
    const [command, ...args] = proc.argv;
    if (command === 'echo')
      setImmediate(() => this.#emit(p.processId as string, send, `${args.join(' ')}\n`, 0));
    return { processId: p.processId };
  }

  write(p: Params, send: Send): unknown {
    this.#emit(p.processId as string, send, Buffer.from(p.chunk as string, 'base64').toString(), null);
    return { status: 'accepted' };
  }

  signal(p: Params, send: Send): unknown {
    const exitCode = p.signal === 'interrupt' ? 130 : 0;
    setImmediate(() => this.#emit(p.processId as string, send, '', exitCode));
    return {};
  }

  read(p: Params): unknown {
    const proc = this.#processes.get(p.processId as string) as FakeProcess;
    const after = (p.afterSeq as number | null) ?? 0;
    return {
      chunks: proc.output.filter((c) => c.seq > after),
      nextSeq: proc.nextSeq,
      exited: proc.exitCode !== null,
      exitCode: proc.exitCode,
      closed: proc.exitCode !== null,
      failure: null,
      sandboxDenied: false,
    };
  }

  close(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Output (if any), then, with an exit code, `exited` and `closed`. */
  #emit(processId: string, send: Send, text: string, exitCode: number | null): void {
    const proc = this.#processes.get(processId) as FakeProcess;
    if (text !== '') {
      const chunk = {
        seq: proc.nextSeq++,
        stream: 'stdout' as const,
        chunk: Buffer.from(text).toString('base64'),
      };
      proc.output.push(chunk);
      send({ method: 'process/output', params: { processId, ...chunk } });
    }
    if (exitCode === null) return;
    proc.exitCode = exitCode;
    send({
      method: 'process/exited',
      params: { processId, seq: proc.nextSeq++, exitCode, sandboxDenied: false },
    });
    send({ method: 'process/closed', params: { processId, seq: proc.nextSeq++ } });
  }

  #receive(ws: WebSocket, text: string): void {
    const message = JSON.parse(text) as { id?: number; method: string; params?: Params };
    const send: Send = (m) => ws.send(JSON.stringify(m));
    if (message.id === undefined) return;
    const { id, method } = message;
    const params = message.params ?? {};
    this.requests.push({ method, params });
    const handler = HANDLERS[method];
    if (handler === undefined) {
      send({ id, error: { code: -32601, message: `exec-server stub does not implement \`${method}\` yet` } });
      return;
    }
    const problems =
      method === 'environment/info' ? [] : violations(params, REQUEST_STRUCTS[method] ?? { struct: {} });
    if (problems.length > 0) {
      this.refused.push(`${method}: ${problems.join('; ')}`);
      send({ id, error: { code: -32602, message: problems.join('; ') } });
      return;
    }
    try {
      send({ id, result: handler(this, params, send) });
    } catch (err) {
      const { code = -32603, message } = err as Error & { code?: number };
      send({ id, error: { code, message } });
    }
  }
}
