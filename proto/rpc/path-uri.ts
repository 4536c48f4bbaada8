/**
 * Paths on the wire are `file:` URIs (upstream's `PathUri`); relaykit also
 * takes native absolute POSIX paths. Pure string work, no I/O.
 */

/** Bytes rust-url percent-encodes in a file path segment (`Url::from_file_path`). */
const ENCODED_ASCII = new Set([...' "#<>?`{}%\\'].map((c) => c.charCodeAt(0)));
const utf8 = new TextEncoder();

function encodeSegment(segment: string): string {
  let out = '';
  for (const byte of utf8.encode(segment)) {
    const encode = byte < 0x20 || byte >= 0x7f || ENCODED_ASCII.has(byte);
    out += encode ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

/** Segments of an absolute POSIX path with `.`, `..` and repeated slashes resolved. */
function normalSegments(path: string): string[] {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments;
}

/** `file:///…` for an absolute POSIX path, encoded the way upstream's executor writes it. */
export function pathToUri(path: string): string {
  if (!path.startsWith('/')) throw new Error(`not an absolute path: ${path}`);
  return `file:///${normalSegments(path).map(encodeSegment).join('/')}`;
}

export type ParsedPath = { ok: true; path: string } | { ok: false; message: string };

/** The native path of a `file:` URI (percent-decoded) or of an absolute POSIX path. */
export function parsePathUri(value: string): ParsedPath {
  if (value.startsWith('/')) return { ok: true, path: value };
  const fail = (message: string): ParsedPath => ({ ok: false, message });
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return fail('invalid URI: relative URL without a base');
  let url: URL;
  try {
    // WHATWG parsing already refuses credentials and ports in file URLs.
    url = new URL(value);
  } catch {
    return fail(`invalid URI: ${value}`);
  }
  if (url.protocol !== 'file:') return fail(`unsupported path URI scheme \`${url.protocol.slice(0, -1)}\``);
  if (url.search !== '') return fail('query parameters are not allowed in path URIs');
  if (url.hash !== '') return fail('fragments are not allowed in path URIs');
  if (url.hostname !== '') return fail(`file URI host \`${url.hostname}\` is not valid on this host`);
  const segments: string[] = [];
  for (const segment of url.pathname.split('/').slice(1)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return fail(`invalid URI: malformed percent-encoding in ${value}`);
    }
    if (decoded.includes('/') || decoded.includes('\0')) {
      return fail(`invalid URI: a path segment may not encode '/' or NUL: ${value}`);
    }
    segments.push(decoded);
  }
  return { ok: true, path: `/${segments.join('/')}` };
}
