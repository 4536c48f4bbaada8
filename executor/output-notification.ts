import type { OutputStream } from '../proto/rpc/index.ts';
import { ENCODED_JSON } from '../rpc/index.ts';

export interface OutputNotification {
  method: 'process/output';
  params: { processId: string; seq: number; stream: OutputStream; chunk: string };
  [ENCODED_JSON]: string;
}

/**
 * The `process/output` notification of one chunk, carrying its own JSON
 * text (the same as `JSON.stringify` of the object). Output is the bulk of
 * what an executor sends; base64 needs no escaping, so only the short fields
 * go through JSON.stringify and the chunk is spliced in as it is.
 */
export function outputNotification(
  processId: string,
  seq: number,
  stream: OutputStream,
  data: Buffer,
): OutputNotification {
  const chunk = data.toString('base64');
  return {
    method: 'process/output',
    params: { processId, seq, stream, chunk },
    [ENCODED_JSON]: `{"method":"process/output","params":{"processId":${JSON.stringify(processId)},"seq":${JSON.stringify(seq)},"stream":${JSON.stringify(stream)},"chunk":"${chunk}"}}`,
  };
}
