import type { RequestMethod, ValidatedParams } from '../proto/rpc/index.ts';
import { withBase64Json } from './encoded-result.ts';
import { environmentInfo } from './environment-info.ts';
import {
  fsCanonicalize,
  fsCopy,
  fsCreateDirectory,
  fsGetMetadata,
  fsReadDirectory,
  fsReadFile,
  fsRemove,
  fsWriteFile,
} from './files/fs-methods.ts';
import { fsWalk } from './files/fs-walk.ts';
import type { HttpRequests } from './http/http-requests.ts';
import { type ExecutorLimits, inlineAnswerBytes, inlineBytesWithin } from './limits.ts';
import {
  closeStdin,
  readProcess,
  resizeProcess,
  signalProcess,
  startProcess,
  terminateProcess,
  writeProcess,
} from './process-methods.ts';
import type { Session } from './session.ts';

/** What a method runs against: the connection's session, its in-flight HTTP requests and the executor's limits. */
export interface MethodContext {
  readonly session: Session;
  readonly http: HttpRequests;
  readonly limits: ExecutorLimits;
  /** The largest answer the connection carries (a legacy relay stream: one frame); unbounded when its transport has no limit of its own. */
  readonly maxAnswerBytes: number;
  /** Aborted when the connection or the session ends: the answer has no one to go to. */
  readonly signal: AbortSignal;
  /**
   * Waits until a large answer of about `bytes` has room (see ReplyFlow); call
   * before producing it. Called again, it changes that room, keeping the turn.
   */
  reserveReply(bytes: number): Promise<void>;
}

/** Upstream's name for a group of methods, used in its lifecycle errors. */
export type MethodFamily = 'exec' | 'filesystem' | 'http' | 'environment info' | 'environment status';

interface Method<M extends RequestMethod> {
  family: MethodFamily;
  run(params: ValidatedParams<M>, context: MethodContext): unknown;
}

/** Every method but `initialize`, which the connection processor handles itself. */
export const METHODS: { [M in Exclude<RequestMethod, 'initialize'>]: Method<M> } = {
  'process/start': { family: 'exec', run: (p, c) => startProcess(c.session, p) },
  'process/read': {
    family: 'exec',
    run: (p, c) => readProcess(c.session, p, c.reserveReply, c.maxAnswerBytes),
  },
  // Decoded here so that the base64 text is not held while the write waits for stdin room.
  'process/write': {
    family: 'exec',
    run: (p, c) => writeProcess(c.session, p.processId, Buffer.from(p.chunk, 'base64'), p.writeId),
  },
  'process/signal': { family: 'exec', run: (p, c) => signalProcess(c.session, p) },
  'process/terminate': { family: 'exec', run: (p, c) => terminateProcess(c.session, p) },
  'process/closeStdin': { family: 'exec', run: (p, c) => closeStdin(c.session, p) },
  'process/resize': { family: 'exec', run: (p, c) => resizeProcess(c.session, p) },
  'fs/readFile': { family: 'filesystem', run: fsReadFile },
  'fs/writeFile': { family: 'filesystem', run: fsWriteFile },
  'fs/readDirectory': { family: 'filesystem', run: fsReadDirectory },
  'fs/getMetadata': { family: 'filesystem', run: fsGetMetadata },
  'fs/createDirectory': { family: 'filesystem', run: fsCreateDirectory },
  'fs/remove': { family: 'filesystem', run: fsRemove },
  'fs/copy': { family: 'filesystem', run: fsCopy },
  'fs/canonicalize': { family: 'filesystem', run: fsCanonicalize },
  'fs/walk': { family: 'filesystem', run: fsWalk },
  'fs/open': {
    family: 'filesystem',
    run: async (p, c) => {
      await c.session.files.open(p.handleId, p.path);
      return { handleId: p.handleId };
    },
  },
  'fs/readBlock': {
    family: 'filesystem',
    run: async (p, c) => {
      const room = inlineBytesWithin(c.maxAnswerBytes);
      await c.reserveReply(inlineAnswerBytes(Math.min(p.len, room)));
      const { chunk, eof } = await c.session.files.readBlock(p.handleId, p.offset, p.len, room);
      return withBase64Json({ chunk: chunk.toString('base64'), eof }, 'chunk');
    },
  },
  'fs/close': {
    family: 'filesystem',
    run: async (p, c) => {
      await c.session.files.close(p.handleId);
      return {};
    },
  },
  'http/request': { family: 'http', run: (p, c) => c.http.request(p, c.reserveReply) },
  'environment/info': { family: 'environment info', run: environmentInfo },
  'environment/status': { family: 'environment status', run: () => ({ status: 'ready' }) },
};
