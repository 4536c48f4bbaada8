import { describe, expect, it } from 'vitest';
import { jsonLimitExceeded, MAX_JSON_DEPTH, MAX_JSON_VALUES, parseMessage } from '../../proto/rpc/index.ts';
import { requestIdOf } from '../../proto/rpc/json-limits.ts';

const array = (values: number) =>
  `[${Array(values - 1)
    .fill('0')
    .join(',')}]`;

describe('JSON-RPC limits checked before parsing', () => {
  it('counts values as upstream does: the root, each element and each member value, not the keys', () => {
    // root + a + [1,2] + 1 + 2 + "x" = 6 values; keys a, b, c do not count.
    const text = '{"a":1,"b":[1,2],"c":"x"}';
    expect(jsonLimitExceeded(text)).toBeUndefined();
    expect(jsonLimitExceeded(array(MAX_JSON_VALUES))).toBeUndefined();
    expect(jsonLimitExceeded(array(MAX_JSON_VALUES + 1))).toBe(
      'JSON-RPC message exceeds the limit of 262144 JSON values',
    );
  });

  it('takes a large string as one value, and brackets or quotes inside strings as text', () => {
    const text = `{"chunk":"${'A'.repeat(1_000_000)}","s":"[[{\\"]]","t":"\\\\"}`;
    expect(jsonLimitExceeded(text)).toBeUndefined();
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} arrays and objects`, () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(jsonLimitExceeded(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonLimitExceeded(nested(MAX_JSON_DEPTH + 1))).toBe(
      'JSON-RPC message exceeds the limit of 128 nested arrays and objects',
    );
    expect(jsonLimitExceeded('['.repeat(10_000_000))).toMatch(/nested/);
  });

  it('answers a message over a limit with -32600, with the id of one over the size limit when it can be read', () => {
    expect(parseMessage(array(MAX_JSON_VALUES + 1))).toEqual({
      kind: 'invalid',
      error: {
        id: -1,
        error: { code: -32600, message: 'JSON-RPC message exceeds the limit of 262144 JSON values' },
      },
    });
    expect(parseMessage('{"id":1,"method":"m","params":"ééé"}', 38)).toEqual({
      kind: 'invalid',
      error: { id: 1, error: { code: -32600, message: 'JSON-RPC message exceeds the limit of 38 bytes' } },
    });
    expect(parseMessage('{"id":1,"method":"m"}', 21).kind).toBe('request');
  });

  it('reads the id of a message without parsing the rest, wherever the id stands', () => {
    const big = 'A'.repeat(1_000_000);
    expect(requestIdOf(`{"id":7,"method":"fs/writeFile","params":{"dataBase64":"${big}"}}`)).toBe(7);
    expect(
      requestIdOf(`{ "method" : "m", "params": {"id": 1, "a": ["}", "\\"", {"b": []}]}, "id" : "x-1" }`),
    ).toBe('x-1');
    expect(requestIdOf('{"method":"initialized"}')).toBeUndefined();
    expect(requestIdOf('{"id":{"nested":1}}')).toBeUndefined();
    expect(requestIdOf('[1,2]')).toBeUndefined();
    expect(requestIdOf('{"id":')).toBeUndefined();
  });
});
