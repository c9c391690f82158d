// Waiting for a condition with a deadline: tests synchronise on what they can observe, never on sleeps.
import { setTimeout as delay } from 'node:timers/promises';

export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(5);
  }
}
