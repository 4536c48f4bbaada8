/**
 * Bounds on one JSON-RPC message checked in a single linear pass over its
 * text before it is parsed, so that no message can make the parser build
 * millions of values or nest without end.
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
    if (WHITESPACE.has(c)) continue;
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
