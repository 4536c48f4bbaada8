import { describe, expect, it } from 'vitest';
import { isRequestMethod, parseMessage, RpcErrorCode, validateParams } from '../../proto/rpc/index.ts';

describe('JSON-RPC messages', () => {
  it('classifies requests, notifications and responses, with or without "jsonrpc"', () => {
    expect(parseMessage('{"id":1,"method":"initialize","params":{"clientName":"t"}}')).toEqual({
      kind: 'request',
      message: { id: 1, method: 'initialize', params: { clientName: 't' } },
    });
    expect(parseMessage('{"jsonrpc":"2.0","method":"initialized"}')).toEqual({
      kind: 'notification',
      message: { method: 'initialized' },
    });
    expect(parseMessage('{"id":"a","result":{"ok":true}}')).toEqual({
      kind: 'response',
      message: { id: 'a', result: { ok: true } },
    });
    expect(parseMessage('{"id":2,"error":{"code":-32601,"message":"nope"}}')).toEqual({
      kind: 'response',
      message: { id: 2, error: { code: -32601, message: 'nope' } },
    });
  });

  it('answers malformed input with an error carrying id -1', () => {
    for (const text of [
      'not json',
      '[1,2]',
      '42',
      '{"id":{},"method":"x"}',
      '{"hello":1}',
      '{"id":1,"method":7}',
    ]) {
      const parsed = parseMessage(text);
      expect(parsed.kind, text).toBe('invalid');
      if (parsed.kind === 'invalid') {
        expect(parsed.error.id).toBe(-1);
        expect(parsed.error.error.code).toBe(RpcErrorCode.InvalidRequest);
      }
    }
  });
});

describe('method params', () => {
  it('knows every method of the exec-server dialect', () => {
    for (const m of [
      'initialize',
      'process/start',
      'process/read',
      'process/write',
      'process/closeStdin',
      'process/resize',
      'process/signal',
      'process/terminate',
      'fs/readFile',
      'fs/writeFile',
      'fs/readDirectory',
      'fs/getMetadata',
      'fs/createDirectory',
      'fs/remove',
      'fs/copy',
      'environment/info',
    ]) {
      expect(isRequestMethod(m), m).toBe(true);
    }
    expect(isRequestMethod('process/explode')).toBe(false);
    expect(isRequestMethod('toString')).toBe(false);
  });

  it('accepts valid params and names the bad field otherwise', () => {
    expect(validateParams('process/start', { processId: 'p1', argv: ['echo', 'hi'], tty: false }).ok).toBe(
      true,
    );
    const empty = validateParams('process/start', { processId: 'p1', argv: [], tty: false });
    expect(!empty.ok && empty.message).toMatch(/argv/);
    const missing = validateParams('process/start', { argv: ['x'], tty: false });
    expect(!missing.ok && missing.message).toMatch(/processId/);
    const badSignal = validateParams('process/signal', { processId: 'p', signal: 'SIGNOPE' });
    expect(!badSignal.ok && badSignal.message).toMatch(/signal/);
    const badBase64 = validateParams('process/write', { processId: 'p', chunk: '***', writeId: 'w' });
    expect(!badBase64.ok && badBase64.message).toMatch(/chunk/);
    expect(validateParams('environment/info', undefined).ok).toBe(true);
  });
});
