import { z } from 'zod';
import { optional } from './schema.ts';

/** `initialize` (DESIGN.md §5). */
export const InitializeParams = z.object({
  clientName: z.string(),
  resumeSessionId: optional(z.string()),
});
export type InitializeParams = z.infer<typeof InitializeParams>;
export interface InitializeResult {
  sessionId: string;
}
