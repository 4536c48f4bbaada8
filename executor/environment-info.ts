import { basename } from 'node:path';
import { type EnvironmentInfoResult, pathToUri } from '../proto/rpc/index.ts';
import { ptySupport } from './process/pty-support.ts';

/** Optional features, as named bools: a client reads the ones it knows (upstream's read as false). */
const CAPABILITIES = {
  pty: true,
  pipes: true,
  sessionResume: true,
  processReadWait: true,
  fileReadHandles: true,
  httpRequest: true,
};

export async function environmentInfo(): Promise<EnvironmentInfoResult> {
  const { available } = await ptySupport();
  const shellPath = process.env.SHELL || '/bin/sh';
  return {
    shell: { name: basename(shellPath), path: shellPath },
    cwd: pathToUri(process.cwd()),
    platform: process.platform,
    capabilities: { ...CAPABILITIES, pty: available },
  };
}
