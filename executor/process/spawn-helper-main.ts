/**
 * The spawn helper: a small process the executor starts once, which forks
 * the processes that run on pipes and hands their pipes back over IPC. A
 * fork copies the forking process's page tables and, until the child has
 * exec'd, holds its thread: done by the executor (a large heap, many
 * streams) each spawn held its one thread for milliseconds; done here it
 * holds none of it. Imports only node's modules (and pipe-spawn.ts, which
 * imports only node's) to stay small.
 */
import { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { spawnOnPipes } from './pipe-spawn.ts';
import type { ForkFailure, HelperMessage, SpawnRequest, StdioIndex } from './spawn-helper-protocol.ts';

const send = (message: HelperMessage, pipe?: Socket, sent?: () => void) =>
  process.send?.(message, pipe, {}, () => sent?.());

/** A fork that failed; `fatal` when the helper cannot go on (it is stuck in the tree's cgroup). */
type Failure = ForkFailure & { fatal?: true };

/**
 * Forks inside the tree's cgroup when asked, so the child is born there;
 * a failure says which step failed. Not back in its own cgroup, the helper
 * would die with the tree: it ends what it forked and must leave.
 */
function forkInto(request: SpawnRequest): ChildProcess | Failure {
  const { cgroup } = request;
  try {
    if (cgroup !== null) writeFileSync(cgroup.into, String(process.pid));
  } catch (err) {
    return { code: null, message: `cannot enter the process tree: ${(err as Error).message}` };
  }
  let forked: ChildProcess | Failure;
  try {
    forked = spawnOnPipes(request);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    forked = { code: e.code ?? null, message: e.message };
  }
  try {
    if (cgroup !== null) writeFileSync(cgroup.back, String(process.pid));
  } catch (err) {
    if (forked instanceof ChildProcess && forked.pid !== undefined) process.kill(-forked.pid, 'SIGKILL');
    return { code: null, message: `cannot leave the process tree: ${(err as Error).message}`, fatal: true };
  }
  return forked;
}

/**
 * The pipes of a forked process, taken from node: node would otherwise
 * destroy stdin when the process exits, and read what is left in stdout and
 * stderr, while they wait in the hand-over queue.
 */
function takePipes(child: ChildProcess): { pipe: Socket; fd: StdioIndex }[] {
  const pipes = child.stdio.flatMap((pipe, fd) =>
    pipe === null ? [] : [{ pipe: pipe as Socket, fd: fd as StdioIndex }],
  );
  const detached = child as { stdin: unknown; stdout: unknown; stderr: unknown; stdio: unknown[] };
  detached.stdin = null;
  detached.stdout = null;
  detached.stderr = null;
  detached.stdio = [null, null, null];
  for (const { pipe } of pipes) {
    // Node starts reading a child's pipes at once; stopped before any read,
    // every byte stays in the pipe for the executor.
    (pipe as unknown as { _handle: { readStop(): void } })._handle.readStop();
  }
  return pipes;
}

/** Forks the process of `request` and hands its pipes over; `done` once the last is on its way. */
function start(request: SpawnRequest, done: () => void): void {
  const { id } = request;
  const child = forkInto(request);
  if (!(child instanceof ChildProcess)) {
    const { code, message } = child;
    if (child.fatal) send({ id, failed: { code, message } }, undefined, () => process.exit(1));
    else {
      send({ id, failed: { code, message } });
      done();
    }
    return;
  }
  if (child.pid === undefined) {
    child.once('error', (err: NodeJS.ErrnoException) => {
      send({ id, failed: { code: err.code ?? null, message: err.message } });
    });
    done();
    return;
  }
  send({ id, started: child.pid });
  const pipes = takePipes(child);
  for (const [i, { pipe, fd }] of pipes.entries()) {
    send({ id, pipe: fd }, pipe, i === pipes.length - 1 ? done : undefined);
  }
  child.once('exit', (code, signal) => send({ id, exited: { code, signal } }));
}

/**
 * Requests wait while the previous process's pipes are being handed over
 * (each pipe waits for the executor's acknowledgement of the one before):
 * forking ahead of the hand-over would only queue pipes, and the exits
 * queued behind them, while the processes ran.
 */
const waiting: SpawnRequest[] = [];
let handingOver = false;

function next(): void {
  const request = waiting.shift();
  if (request === undefined) {
    handingOver = false;
    return;
  }
  handingOver = true;
  start(request, next);
}

process.on('message', (request: SpawnRequest) => {
  waiting.push(request);
  if (!handingOver) next();
});
// The executor is gone (or let go of the helper): nothing more to start.
process.on('disconnect', () => process.exit(0));
send({ ready: true });
