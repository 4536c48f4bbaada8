import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outputNotification } from '../../executor/output-notification.ts';
import { ENCODED_UTF8, messageBytes, messageJson } from '../../rpc/index.ts';
import { outputNotificationFields } from './output-notification-cases.ts';

function stringified(processId: string, seq: number, stream: string, data: Buffer): string {
  return JSON.stringify({
    method: 'process/output',
    params: { processId, seq, stream, chunk: data.toString('base64') },
  });
}

describe('outputNotification', () => {
  it('carries exactly the UTF-8 of the text JSON.stringify gives for the notification, for any process id and chunk', () => {
    fc.assert(
      fc.property(...outputNotificationFields, (processId, seq, stream, bytes) => {
        const data = Buffer.from(bytes);
        const message = outputNotification(processId, seq, stream, data);
        const expected = stringified(processId, seq, stream, data);
        expect(message[ENCODED_UTF8].equals(Buffer.from(expected, 'utf8'))).toBe(true);
        expect(messageBytes(message).equals(Buffer.from(expected, 'utf8'))).toBe(true);
        expect(messageJson(message)).toBe(expected);
        // The object itself still serializes to the same text (symbol keys are skipped).
        expect(JSON.stringify(message)).toBe(expected);
      }),
    );
  });

  it('encodes full pipe reads and larger chunks the same way', () => {
    const processId = 'é"\\\n\u2028\ud800';
    for (const size of [65_536, 65_537, 49_152, 49_153, 256 * 1024 + 1, 512 * 1024]) {
      const data = randomBytes(size);
      expect(
        outputNotification(processId, 3, 'stderr', data)[ENCODED_UTF8].toString('utf8'),
        `${size} bytes`,
      ).toBe(stringified(processId, 3, 'stderr', data));
    }
  });

  it('lets transports serialize plain messages themselves', () => {
    const plain = { id: 1, result: { ok: 'ü' } };
    expect(messageJson(plain)).toBe(JSON.stringify(plain));
  });
});
