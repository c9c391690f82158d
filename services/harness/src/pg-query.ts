// Short-lived connections for the harness's own queries; tests bring their own pools.
import { Client, type QueryResultRow } from 'pg';

export interface PgLogin {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Opens a connection, runs `work`, and always closes it. Fails within 2 s if nothing listens. */
export async function withClient<T>(login: PgLogin, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...login, connectionTimeoutMillis: 2_000 });
  // An 'error' event without a listener would crash the process when the server goes away.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function queryRows<R extends QueryResultRow>(
  login: PgLogin,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  return withClient(login, async (client) => (await client.query<R>(sql, params)).rows);
}
