import type { OutputStream, ServerNotification } from '../proto/rpc/index.ts';
import { readBase64 } from './base64-slices.ts';

type OutputParamsShape = Extract<ServerNotification, { method: 'process/output' }>['params'];

/**
 * `process/output` params holding their chunk as bytes: its base64 is made
 * only if someone reads `chunk` (or serializes the params).
 */
export class OutputParams implements OutputParamsShape {
  readonly processId: string;
  readonly seq: number;
  readonly stream: OutputStream;
  /** The output itself. */
  readonly data: Buffer;

  constructor(processId: string, seq: number, stream: OutputStream, data: Buffer) {
    this.processId = processId;
    this.seq = seq;
    this.stream = stream;
    this.data = data;
  }

  get chunk(): string {
    return this.data.toString('base64');
  }

  toJSON(): OutputParamsShape {
    return { processId: this.processId, seq: this.seq, stream: this.stream, chunk: this.chunk };
  }
}

const PREFIX = Buffer.from('{"method":"process/output","params":{"processId":"');
const SEQ = Buffer.from(',"seq":');
const STREAM = Buffer.from(',"stream":"');
const CHUNK = Buffer.from('","chunk":"');
const TAIL = Buffer.from('"}}');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const STREAMS = new Set<string>(['stdout', 'stderr', 'pty']);

const startsWith = (bytes: Buffer, at: number, part: Buffer) =>
  bytes.length >= at + part.length && bytes.compare(part, 0, part.length, at, at + part.length) === 0;

/** Index of the quote closing the JSON string whose content starts at `from`, or -1. */
function closingQuote(bytes: Buffer, from: number): number {
  let quote = bytes.indexOf(QUOTE, from);
  while (quote > 0) {
    let escapes = 0;
    while (bytes[quote - 1 - escapes] === BACKSLASH) escapes++;
    if (escapes % 2 === 0) return quote;
    quote = bytes.indexOf(QUOTE, quote + 1);
  }
  return -1;
}

/**
 * A `process/output` notification read straight from its UTF-8 JSON in the
 * exact layout executors write (relaykit's, see executor/output-notification.ts),
 * its chunk decoded from the bytes with no string of the whole message: the
 * same notification JSON.parse and the schema would give. Anything else —
 * another message, another layout, a chunk with escapes — is undefined, and
 * the caller parses it as text.
 */
export function readOutputNotification(message: Uint8Array): ServerNotification | undefined {
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (!startsWith(bytes, 0, PREFIX)) return undefined;
  const idEnd = closingQuote(bytes, PREFIX.length);
  if (idEnd < 0 || !startsWith(bytes, idEnd + 1, SEQ)) return undefined;
  const processId: unknown = JSON.parse(bytes.toString('utf8', PREFIX.length - 1, idEnd + 1));
  const seqStart = idEnd + 1 + SEQ.length;
  const seqEnd = bytes.indexOf(STREAM, seqStart);
  if (seqEnd < 0 || seqEnd - seqStart > 16) return undefined;
  const seqText = bytes.toString('latin1', seqStart, seqEnd);
  const seq = Number(seqText);
  if (!/^[1-9][0-9]*$/.test(seqText) || !Number.isSafeInteger(seq)) return undefined;
  const streamStart = seqEnd + STREAM.length;
  const streamEnd = bytes.indexOf(CHUNK, streamStart);
  if (streamEnd < 0 || streamEnd - streamStart > 6) return undefined;
  const stream = bytes.toString('latin1', streamStart, streamEnd);
  const chunkStart = streamEnd + CHUNK.length;
  const chunkEnd = bytes.length - TAIL.length;
  if (
    typeof processId !== 'string' ||
    !STREAMS.has(stream) ||
    chunkEnd < chunkStart ||
    (chunkEnd - chunkStart) % 4 !== 0 ||
    !startsWith(bytes, chunkEnd, TAIL) ||
    bytes.indexOf(QUOTE, chunkStart) !== chunkEnd ||
    bytes.indexOf(BACKSLASH, chunkStart) !== -1
  )
    return undefined;
  const data = readBase64(bytes, chunkStart, chunkEnd);
  return { method: 'process/output', params: new OutputParams(processId, seq, stream as OutputStream, data) };
}

/** The output a `process/output` notification carries, decoded once. */
export function outputChunk(params: OutputParamsShape): Buffer {
  return params instanceof OutputParams ? params.data : Buffer.from(params.chunk, 'base64');
}
