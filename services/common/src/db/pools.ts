// Postgres connection pools. Timeouts are short on purpose: a request must fail fast (503) rather than hang
// when a server is gone (I6), so connecting and every statement are bounded.
import pg from 'pg';
import type { Logger } from '../logger';

export interface PoolOptions {
  url: string;
  name: string;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Session default for writes made through this pool (remote_apply on the primary of a replicated pair). */
  synchronousCommit?: 'remote_apply' | 'on' | 'local';
}

// numeric and bigint arrive as strings by default; our prices and versions fit in a double.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(opts: PoolOptions, log: Logger): pg.Pool {
  const settings = [`-c statement_timeout=${opts.statementTimeoutMs}`];
  if (opts.synchronousCommit) settings.push(`-c synchronous_commit=${opts.synchronousCommit}`);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // client-side bound as well: statement_timeout cannot fire if the server host is frozen
    query_timeout: opts.statementTimeoutMs + 500,
    application_name: opts.name,
    options: settings.join(' '),
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (err) => log.warn({ err: err.message, pool: opts.name }, 'idle postgres client failed'));
  // The pool listens to its clients only while they are idle: one held by a request between statements, or released
  // as broken, emits 'error' to nobody when its server dies (57P01 "terminating connection due to unexpected
  // postmaster exit"), and an 'error' nobody hears crashes the process. Every client gets a listener for life; a
  // held one then fails its next statement ("not queryable", a 503) and is released as broken.
  pool.on('connect', (client) =>
    client.on('error', (err) =>
      log.warn({ err: err.message, pool: opts.name }, 'postgres connection failed; it is dropped'),
    ),
  );
  return pool;
}

/** A statement with its own client-side time bound (pg honours `query_timeout` per query; its types omit it). */
export function bounded(text: string, values: unknown[], timeoutMs: number): pg.QueryConfig {
  return { text, values, query_timeout: timeoutMs } as pg.QueryConfig;
}
