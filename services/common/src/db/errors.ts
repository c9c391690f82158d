// Classifies Postgres failures: those that mean "the server cannot be reached or used right now" become 503s,
// everything else stays an internal error.
import { AppError } from '../errors';

interface PgLikeError {
  code?: string;
  message?: string;
}

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** True when the error says the server is unreachable, shutting down or read-only — not a bad statement. */
export function isUnavailable(err: unknown): boolean {
  const e = (err ?? {}) as PgLikeError;
  const code = e.code ?? '';
  if (unreachableCodes.has(code)) return true;
  // 08: connection exception; 57P0x: admin shutdown, crash shutdown, cannot connect now; 25006: read-only
  if (code.startsWith('08') || /^57P0[1-4]$/.test(code) || code === '25006' || code === '53300') return true;
  if (code === '57014') return true; // statement cancelled by statement_timeout: the server is too slow to serve
  const msg = e.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    msg,
  );
}

/**
 * True when `err` says only that `pool` had no free connection in time: every connection is busy with other
 * work. The server is up; the pod is overloaded (DESIGN I9: `database_busy`, never `primary_unavailable`).
 */
export function isPoolExhausted(
  err: unknown,
  pool: { totalCount: number; options: { max?: number } },
): boolean {
  const msg = ((err ?? {}) as PgLikeError).message ?? '';
  return /timeout exceeded when trying to connect/i.test(msg) && pool.totalCount >= (pool.options.max ?? 10);
}

export function databaseBusy(): AppError {
  return new AppError(503, 'database_busy', 'the database is too busy right now; retry later');
}

/** True for a unique-key violation (SQLSTATE 23505): the row was there already. */
export function isUniqueViolation(err: unknown): boolean {
  return ((err ?? {}) as PgLikeError).code === '23505';
}

/** True when a statement ran out of time (server statement_timeout or the client-side bound). */
export function isStatementTimeout(err: unknown): boolean {
  const e = (err ?? {}) as PgLikeError;
  return e.code === '57014' || /Query read timeout/i.test(e.message ?? '');
}

/** The 503 for a write that could not be made: the primary is gone, or it did not answer in time. */
export function writeFailure(err: unknown): AppError {
  return isStatementTimeout(err)
    ? new AppError(503, 'database_timeout', 'the database did not answer in time; retry later')
    : primaryUnavailable();
}

export function primaryUnavailable(): AppError {
  return new AppError(
    503,
    'primary_unavailable',
    'the primary database cannot take writes right now; retry later',
  );
}

export function databaseUnavailable(): AppError {
  return new AppError(503, 'database_unavailable', 'no database server can answer right now; retry later');
}
