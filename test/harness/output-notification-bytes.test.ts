import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputNotification } from '../../executor/output-notification.ts';
import { ENCODED_UTF8, outputChunk, readOutputNotification } from '../../rpc/index.ts';
import { outputNotificationFields } from '../executor/output-notification-cases.ts';

const bytesOf = (message: object) => Buffer.from(JSON.stringify(message), 'utf8');

describe('readOutputNotification', () => {
  it('reads what the executor writes as JSON.parse would, with the chunk already decoded', () => {
    fc.assert(
      fc.property(...outputNotificationFields, (processId, seq, stream, data) => {
        const bytes = outputNotification(processId, seq, stream, Buffer.from(data))[ENCODED_UTF8];
        const read = readOutputNotification(bytes);
        expect(read).toBeDefined();
        if (read?.method !== 'process/output') return;
        expect(JSON.parse(JSON.stringify(read))).toEqual(JSON.parse(bytes.toString('utf8')));
        expect(outputChunk(read.params).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('decodes chunks larger than one slice of its base64', () => {
    for (const size of [49_152, 65_536, 65_537, 512 * 1024 + 1]) {
      const data = randomBytes(size);
      const read = readOutputNotification(outputNotification('p', 1, 'stdout', data)[ENCODED_UTF8]);
      if (read?.method !== 'process/output') throw new Error(`${size} bytes not read`);
      expect(outputChunk(read.params).equals(data), `${size} bytes`).toBe(true);
    }
  });

  it('leaves every other message and layout to the text parser', () => {
    const chunk = Buffer.from('hello').toString('base64');
    for (const message of [
      { id: 1, result: {} },
      { method: 'process/exited', params: { processId: 'p', seq: 2, exitCode: 0 } },
      {
        jsonrpc: '2.0',
        method: 'process/output',
        params: { processId: 'p', seq: 1, stream: 'stdout', chunk },
      },
      { method: 'process/output', params: { seq: 1, processId: 'p', stream: 'stdout', chunk } },
      { method: 'process/output', params: { processId: 'p', seq: 0, stream: 'stdout', chunk } },
      { method: 'process/output', params: { processId: 'p', seq: 1.5, stream: 'stdout', chunk } },
      { method: 'process/output', params: { processId: 'p', seq: 1, stream: 'other', chunk } },
      { method: 'process/output', params: { processId: 'p', seq: 1, stream: 'stdout', chunk: 'aGk' } },
      { method: 'process/output', params: { processId: 'p', seq: 1, stream: 'stdout', chunk: 'a"b\\' } },
      { method: 'process/output', params: { processId: 'p', seq: 1, stream: 'stdout', chunk, extra: 1 } },
    ]) {
      expect(readOutputNotification(bytesOf(message)), JSON.stringify(message)).toBeUndefined();
    }
    expect(
      readOutputNotification(Buffer.from('{"method":"process/output","params":{"processId":"p')),
    ).toBeUndefined();
  });

  it('reads process ids with escapes as JSON does', () => {
    const message = {
      method: 'process/output',
      params: { processId: 'a"b\\c\n\u2028é', seq: 7, stream: 'pty', chunk: 'aGk=' },
    };
    const read = readOutputNotification(bytesOf(message));
    expect(read?.params).toMatchObject({
      processId: 'a"b\\c\n\u2028é',
      seq: 7,
      stream: 'pty',
      chunk: 'aGk=',
    });
  });
});
