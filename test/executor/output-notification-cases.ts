import fc from 'fast-check';

/** Any process/output notification's fields: process id (any UTF-16, lone surrogates included), seq, stream, chunk. */
export const outputNotificationFields = [
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom('stdout', 'stderr', 'pty'),
  fc.uint8Array({ maxLength: 300 }),
] as const;
