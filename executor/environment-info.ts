import { basename } from 'node:path';
import { type EnvironmentInfoResult, pathToUri } from '../proto/rpc/index.ts';

/** Optional features, as named bools: a client reads the ones it knows (upstream's read as false). */
const CAPABILITIES = {
  pty: true,
  pipes: true,
  sessionResume: true,
  processReadWait: true,
  fileReadHandles: true,
  httpRequest: true,
};

export function environmentInfo(): EnvironmentInfoResult {
  const shellPath = process.env.SHELL || '/bin/sh';
  return {
    shell: { name: basename(shellPath), path: shellPath },
    cwd: pathToUri(process.cwd()),
    platform: process.platform,
    capabilities: CAPABILITIES,
  };
}
