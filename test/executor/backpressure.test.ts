import * as pty from '@lydell/node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionProcessor } from '../../executor/connection-processor.ts';
import { startContainment } from '../../executor/containment/start-containment.ts';
import { createSessionTable } from '../../executor/local-executor.ts';
import { silentLogger } from '../../executor/logger.ts';
import { PtyDriver } from '../../executor/process/pty-driver.ts';
import { SessionOwners, type SessionTable } from '../../executor/session-table.ts';
import { FakeTransport } from './fake-transport.ts';
import { until, waitGone } from './rpc-client.ts';

const NODE = process.execPath;
const registries: SessionTable[] = [];
const drivers: PtyDriver[] = [];

afterEach(async () => {
  for (const r of registries.splice(0)) await r.shutdown();
  for (const d of drivers.splice(0)) {
    try {
      process.kill(-d.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function processorOn(transport: FakeTransport): Promise<void> {
  const registry = await createSessionTable(silentLogger());
  registries.push(registry);
  new ConnectionProcessor(transport, registry, silentLogger(), SessionOwners.local);
  transport.receive({ id: 0, method: 'initialize', params: { clientName: 'test' } });
  transport.receive({ method: 'initialized' });
}

describe('output backpressure', () => {
  for (const tty of [false, true]) {
    it(`pauses a ${tty ? 'PTY' : 'piped'} process while the transport is backed up and resumes it losslessly`, async () => {
      const transport = new FakeTransport();
      await processorOn(transport);
      const total = 8 * 1024 * 1024;
      const script = `const b=Buffer.alloc(65536,97);let n=${total / 65536};(function w(){while(n>0){n--;if(!process.stdout.write(b))return process.stdout.once('drain',w)}})()`;
      transport.receive({
        id: 1,
        method: 'process/start',
        params: { processId: 'big', argv: [NODE, '-e', script], tty },
      });
      await until(() => (transport.outputBytes('big') > 0 ? true : undefined), 'first output');
      transport.setWritable(false);
      const atBackup = transport.outputBytes('big');
      // Ample time for an unpaused reader to forward megabytes; a paused one forwards at most a few reads.
      await new Promise((r) => setTimeout(r, 300));
      expect(transport.outputBytes('big') - atBackup).toBeLessThan(1024 * 1024);
      expect(transport.closedSeen('big')).toBe(false);
      transport.setWritable(true);
      await until(() => (transport.closedSeen('big') ? true : undefined), 'closed');
      // Only 'a' bytes and no newlines: a PTY forwards them unchanged.
      expect(transport.outputBytes('big')).toBe(total);
    });
  }

  it('keeps every byte a PTY child wrote right before exiting while reading was paused', async () => {
    // Small enough to fit in the kernel's PTY buffer, so the child can exit while nothing reads.
    for (const size of [2 * 1024, 8 * 1024]) {
      const containment = await startContainment({ stateDirectory: null, logger: silentLogger() });
      const driver = new PtyDriver(
        pty,
        {
          file: NODE,
          args: ['-e', `process.stdout.write('x'.repeat(${size}) + 'END', () => process.exit(0))`],
          cwd: process.cwd(),
          env: process.env as Record<string, string>,
          pipeStdin: false,
          cols: 80,
          rows: 24,
        },
        await containment.newTree(),
      );
      drivers.push(driver);
      driver.pause();
      const chunks: Buffer[] = [];
      driver.onData((_s, data) => chunks.push(data));
      const closed = new Promise<void>((resolve) => driver.onClose(resolve));
      expect(await waitGone(driver.pid), 'child exited').toBe(true);
      // Stay paused past node-pty's 200 ms post-exit socket teardown.
      await new Promise((r) => setTimeout(r, 500));
      driver.resume();
      await closed;
      await containment.close();
      const out = Buffer.concat(chunks).toString();
      expect(out.length).toBe(size + 3);
      expect(out.endsWith('END')).toBe(true);
    }
  });
});
