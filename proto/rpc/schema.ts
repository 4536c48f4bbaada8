import { z } from 'zod';
import { parsePathUri } from './path-uri.ts';

/**
 * Shared field schemas of the exec-server methods, read the way upstream's
 * serde structs read JSON: unknown keys are ignored (zod strips them), and an
 * optional field takes a missing key and `null` alike.
 */

/** serde's `Option<T>`: absent or `null` both read as undefined. */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((value): z.output<T> | undefined => value ?? undefined);
}

/** A `#[serde(default)] bool`: absent or `null` is false. */
export const flag = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);

export const base64 = z.base64();
/** Standard alphabet with canonical padding, as upstream's base64 engine reads it. */
export function isBase64(text: string): boolean {
  return base64.safeParse(text).success;
}
/** An unsigned integer (`u64`, `usize`), beyond 2^53 too (serde takes up to 2^64 − 1). */
export const unsigned = z
  .number()
  .min(0)
  .refine(Number.isInteger, { message: 'Invalid input: expected an unsigned integer' });
export const positiveInt = z.number().int().min(1);

/** A `PathUri` (`file:///…`) or a native absolute path; validated to the native path. */
export const path = z.string().transform((value, ctx) => {
  const parsed = parsePathUri(value);
  if (parsed.ok) return parsed.path;
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

/**
 * A field relaykit's executor cannot honour (sandboxing): only absent, `null`
 * or `false` pass, so nothing asked to be confined ever runs unconfined.
 */
export function refused(reason: string) {
  return z
    .unknown()
    .optional()
    .refine((value) => value === undefined || value === null || value === false, {
      message: `relaykit's executor ${reason}; refusing to run unsandboxed`,
    })
    .transform(() => undefined);
}

export const sandbox = refused('cannot enforce a sandbox');
