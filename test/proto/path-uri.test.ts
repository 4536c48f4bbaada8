import { describe, expect, it } from 'vitest';
import { parsePathUri, pathToUri } from '../../proto/rpc/index.ts';

describe('path URIs', () => {
  it('encodes a path the way upstream writes a PathUri', () => {
    expect(pathToUri('/')).toBe('file:///');
    expect(pathToUri('/home/u/work')).toBe('file:///home/u/work');
    expect(pathToUri('/tmp/a b/ü#1')).toBe('file:///tmp/a%20b/%C3%BC%231');
    expect(pathToUri('/x/%?{}`<>"\\\t')).toBe('file:///x/%25%3F%7B%7D%60%3C%3E%22%5C%09');
    expect(pathToUri("/keep/!$&'()*+,;=:@[]^|~-._")).toBe("file:///keep/!$&'()*+,;=:@[]^|~-._");
    expect(pathToUri('/a//b/./c/../d/')).toBe('file:///a/b/d');
  });

  it('reads a file URI back to the native path, percent-decoded, and takes native absolute paths as they are', () => {
    for (const path of ['/', '/home/u/work', '/tmp/a b/ü#1', '/x/%?{}`<>"\\\t']) {
      expect(parsePathUri(pathToUri(path))).toEqual({ ok: true, path });
    }
    expect(parsePathUri('file://localhost/etc/hosts')).toEqual({ ok: true, path: '/etc/hosts' });
    expect(parsePathUri('/native/path')).toEqual({ ok: true, path: '/native/path' });
  });

  it('refuses what is not a local file URI with upstream reasons', () => {
    const reasons = Object.fromEntries(
      [
        'relative/path',
        'https://example.test/x',
        'file://server/share/x',
        'file:///x?query',
        'file:///x#fragment',
        'file://user@localhost/x',
        'file:///a%2Fb',
        'file:///a%00b',
      ].map((value) => [value, (parsePathUri(value) as { message: string }).message]),
    );
    expect(reasons).toEqual({
      'relative/path': 'invalid URI: relative URL without a base',
      'https://example.test/x': 'unsupported path URI scheme `https`',
      'file://server/share/x': 'file URI host `server` is not valid on this host',
      'file:///x?query': 'query parameters are not allowed in path URIs',
      'file:///x#fragment': 'fragments are not allowed in path URIs',
      'file://user@localhost/x': 'invalid URI: file://user@localhost/x',
      'file:///a%2Fb': "invalid URI: a path segment may not encode '/' or NUL: file:///a%2Fb",
      'file:///a%00b': "invalid URI: a path segment may not encode '/' or NUL: file:///a%00b",
    });
  });
});
