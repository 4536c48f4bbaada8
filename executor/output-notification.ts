import { withFrameHeadroom } from '../proto/codec/index.ts';
import type { OutputStream } from '../proto/rpc/index.ts';
import { base64Length, ENCODED_UTF8, OutputParams, writeBase64 } from '../rpc/index.ts';

export interface OutputNotification {
  method: 'process/output';
  params: OutputParams;
  [ENCODED_UTF8]: Buffer;
}

const TAIL = '"}}';

/** From this size a notification gets a buffer of its own anyway (Buffer's pool serves only smaller ones). */
const BULK_NOTIFICATION_BYTES = 4096;

/** A notification's bytes with room for a relay frame's header in front: in cleartext its frame is made where it lies. */
function bulkBuffer(length: number): Buffer {
  const view = withFrameHeadroom(length);
  return Buffer.from(view.buffer, view.byteOffset, view.length);
}

/**
 * The `process/output` notification of one chunk, carrying its own UTF-8
 * JSON (the same as `JSON.stringify` of the object gives). Output is the
 * bulk of what an executor sends; base64 needs no escaping, so only the
 * short fields go through JSON.stringify and the chunk's base64 is written
 * straight into the message's bytes.
 */
export function outputNotification(
  processId: string,
  seq: number,
  stream: OutputStream,
  data: Buffer,
): OutputNotification {
  const head = `{"method":"process/output","params":{"processId":${JSON.stringify(processId)},"seq":${JSON.stringify(seq)},"stream":${JSON.stringify(stream)},"chunk":"`;
  const headBytes = Buffer.byteLength(head, 'utf8');
  const length = headBytes + base64Length(data.length) + TAIL.length;
  const bytes = length < BULK_NOTIFICATION_BYTES ? Buffer.allocUnsafe(length) : bulkBuffer(length);
  bytes.write(head, 0, 'utf8');
  bytes.write(TAIL, writeBase64(bytes, headBytes, data), 'latin1');
  return {
    method: 'process/output',
    params: new OutputParams(processId, seq, stream, data),
    [ENCODED_UTF8]: bytes,
  };
}
