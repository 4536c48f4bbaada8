import { z } from 'zod';

/** `initialize` (DESIGN.md §5). */
export const InitializeParams = z.object({
  clientName: z.string().min(1),
  resumeSessionId: z.uuid().optional(),
});
export type InitializeParams = z.infer<typeof InitializeParams>;
export interface InitializeResult {
  sessionId: string;
}
