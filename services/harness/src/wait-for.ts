// Polling a real condition until it holds or a deadline passes: the harness's only way to wait.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between probes; small, because each probe is cheap next to a test's runtime. */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than `undefined`/`false`, and returns that value.
 * A probe that throws counts as "not yet" (a server that is still starting refuses connections);
 * the last error is kept so the timeout message says what actually went wrong.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  { timeoutMs, intervalMs = 50 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : `; last error: ${describeError(lastError)}`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await delay(intervalMs);
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
