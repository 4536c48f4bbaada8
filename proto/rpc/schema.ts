import { z } from 'zod';

/** Shared field schemas of the exec-server methods. */
export const base64 = z.base64();
export const nonNegativeInt = z.number().int().min(0);
export const positiveInt = z.number().int().min(1);
/** Absolute path or `file:` URI; the executor resolves URIs. */
export const path = z.string().min(1);
