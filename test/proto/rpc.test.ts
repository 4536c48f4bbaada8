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
      'fs/canonicalize',
      'fs/open',
      'fs/readBlock',
      'fs/close',
      'http/request',
      'environment/info',
      'environment/status',
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

  it('reads optional fields as serde does: absent and null alike, unknown keys ignored', () => {
    const withNulls = validateParams('process/read', {
      processId: 'p',
      afterSeq: null,
      maxBytes: null,
      waitMs: null,
      somethingNewer: { nested: true },
    });
    const absent = validateParams('process/read', { processId: 'p' });
    expect(withNulls).toEqual({ ok: true, value: { processId: 'p' } });
    expect(absent).toEqual(withNulls);
    expect(validateParams('initialize', { clientName: 'c', resumeSessionId: null })).toEqual({
      ok: true,
      value: { clientName: 'c' },
    });
    const start = validateParams('process/start', {
      processId: 'p',
      argv: ['true'],
      cwd: 'file:///tmp/a%20b',
      env: {},
      tty: false,
      pipeStdin: null,
      arg0: null,
      sandbox: null,
      enforceManagedNetwork: false,
      managedNetwork: null,
      networkProxy: null,
    });
    expect(start).toEqual({
      ok: true,
      value: { processId: 'p', argv: ['true'], cwd: '/tmp/a b', env: {}, tty: false, pipeStdin: false },
    });
  });

  it('refuses what relaykit cannot confine, naming the field', () => {
    const sandboxed = validateParams('fs/readFile', { path: '/etc/hosts', sandbox: { permissions: {} } });
    expect(!sandboxed.ok && sandboxed.message).toBe(
      "invalid params for fs/readFile: sandbox: relaykit's executor cannot enforce a sandbox; refusing to run unsandboxed",
    );
    const base = { processId: 'p', argv: ['true'], env: {}, tty: false };
    const network = validateParams('process/start', { ...base, enforceManagedNetwork: true });
    expect(!network.ok && network.message).toMatch(
      /^invalid params for process\/start: enforceManagedNetwork: /,
    );
    const proxy = validateParams('process/start', { ...base, networkProxy: { config: {} } });
    expect(!proxy.ok && proxy.message).toMatch(/^invalid params for process\/start: networkProxy: /);
  });

  it('takes upstream signals and relaykit signal names, nothing else', () => {
    for (const signal of ['interrupt', 'closeStdin', 'SIGTERM']) {
      expect(validateParams('process/signal', { processId: 'p', signal }).ok, signal).toBe(true);
    }
    expect(validateParams('process/signal', { processId: 'p', signal: 'kill' }).ok).toBe(false);
  });
});
