/**
 * Bounds on one JSON-RPC message checked in a single linear pass over its
 * text before it is parsed, so that no message can make the parser build
 * millions of values or nest without end; and the id of a message too large
 * to be parsed, so that its refusal can answer the request it was.
 */

/** Upstream's cap: every value counts (the root, each array element, each object member's value), keys do not. */
export const MAX_JSON_VALUES = 262_144;
/** Nesting of arrays and objects, as serde_json's recursion limit (upstream's parser). */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Characters that end a number, `true`, `false` or `null`. */
const SCALAR_END = new Set([0x2c, 0x5d, 0x7d, 0x3a, 0x20, 0x09, 0x0a, 0x0d]);
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

const isSpace = (c: number) => WHITESPACE.has(c);

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index of the quote that closes the string opened at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let escapes = 0;
    while (text.charCodeAt(quote - 1 - escapes) === BACKSLASH) escapes++;
    if (escapes % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * Why `text` is over the value or nesting limit, or undefined when it is
 * within both. Malformed JSON is not judged here (the parser reports it); the
 * pass only has to count correctly for well-formed input.
 */
export function jsonLimitExceeded(text: string): string | undefined {
  /** Per open container: true for an object (its next string is a key). */
  const inObject: boolean[] = [];
  let values = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      if (!expectKey) values++;
      expectKey = false;
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      values++;
      inObject.push(c === 0x7b);
      if (inObject.length > MAX_JSON_DEPTH) {
        return `JSON-RPC message exceeds the limit of ${MAX_JSON_DEPTH} nested arrays and objects`;
      }
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      inObject.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = inObject[inObject.length - 1] === true;
    } else if (c === 0x3a) {
      expectKey = false;
    } else {
      values++;
      while (i + 1 < text.length && !SCALAR_END.has(text.charCodeAt(i + 1))) i++;
    }
    if (values > MAX_JSON_VALUES)
      return `JSON-RPC message exceeds the limit of ${MAX_JSON_VALUES} JSON values`;
  }
  return undefined;
}

/** Index just past the JSON value that starts at `at`, or -1 (well-formed input assumed, as above). */
function valueEnd(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === QUOTE) {
    const end = stringEnd(text, at);
    return end < 0 ? -1 : end + 1;
  }
  if (c !== 0x7b && c !== 0x5b) {
    let i = at;
    while (i < text.length && !SCALAR_END.has(text.charCodeAt(i))) i++;
    return i;
  }
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (d === 0x7b || d === 0x5b) depth++;
    else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * The `id` member of a message that is a JSON object, read without parsing
 * the rest (in a linear pass that skips every other member); undefined when
 * there is none or it is neither a number nor a string.
 */
export function requestIdOf(text: string): number | string | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  for (i = skipSpace(text, i + 1); text.charCodeAt(i) === QUOTE; i = skipSpace(text, i + 1)) {
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd);
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    if (key === 'id') {
      try {
        const id: unknown = JSON.parse(text.slice(start, end));
        return typeof id === 'number' || typeof id === 'string' ? id : undefined;
      } catch {
        return undefined;
      }
    }
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== 0x2c) return undefined;
  }
  return undefined;
}
