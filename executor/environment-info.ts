import { basename } from 'node:path';
import type { EnvironmentInfoResult } from '../proto/rpc/index.ts';

const CAPABILITIES = ['pty', 'pipes', 'fs', 'sessionResume', 'processReadWait'];

export function environmentInfo(): EnvironmentInfoResult {
  const shellPath = process.env.SHELL || '/bin/sh';
  return {
    shell: { name: basename(shellPath), path: shellPath },
    cwd: process.cwd(),
    platform: process.platform,
    capabilities: CAPABILITIES,
  };
}
