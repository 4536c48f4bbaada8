import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` every `intervalMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function pollUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
