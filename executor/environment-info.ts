import { basename } from 'node:path';
import type { EnvironmentInfoResult } from '../proto/rpc/index.ts';
import { ptySupport } from './process/pty-support.ts';

const CAPABILITIES = ['pty', 'pipes', 'fs', 'sessionResume', 'processReadWait'];

export async function environmentInfo(): Promise<EnvironmentInfoResult> {
  const { available } = await ptySupport();
  const shellPath = process.env.SHELL || '/bin/sh';
  return {
    shell: { name: basename(shellPath), path: shellPath },
    cwd: process.cwd(),
    platform: process.platform,
    capabilities: available ? CAPABILITIES : CAPABILITIES.filter((c) => c !== 'pty'),
  };
}
