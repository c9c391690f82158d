// What every scenario's setup() does first: make sure the target is up, and stop the whole test at once when it
// is not, rather than let every VU fail for minutes.
import exec from 'k6/execution';
import { readyz } from './api.ts';
import { ADMIN_TOKEN, BASE_URL } from './config.ts';

export function requireReady(): void {
  const res = readyz();
  if (res.status !== 200) {
    const why = res.error ? res.error : `status ${res.status}: ${String(res.body).slice(0, 200)}`;
    exec.test.abort(`${BASE_URL}/readyz is not ready (${why}); start Bazar or set BASE_URL`);
  }
}

export function requireAdminToken(scenario: string): void {
  if (ADMIN_TOKEN === '') {
    exec.test.abort(
      `${scenario} changes stock through PATCH /books/:id: set ADMIN_TOKEN (npm start prints it)`,
    );
  }
}

/** A short id that tells this run's idempotency keys apart from any earlier run's. */
export function runId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
