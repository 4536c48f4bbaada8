/** Strict reading of the small JSON documents of this folder; `fail` builds the error to throw. */
type Fail = (reason: string, cause?: unknown) => Error;

export function parseJson(text: string, fail: Fail): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fail('not JSON', error);
  }
}

/** `value` as an object whose keys are exactly `fields`. */
export function exactObject(value: unknown, fields: readonly string[], fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('not a JSON object');
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !fields.includes(key));
  if (unknown !== undefined) throw fail(`unknown field \`${unknown}\``);
  const missing = fields.find((key) => !(key in record));
  if (missing !== undefined) throw fail(`missing field \`${missing}\``);
  return record;
}
