// The embedded database of `npm start`: one in-memory PGlite per Bazar database, each served over the Postgres
// wire protocol on loopback (pglite-socket), so the services connect to it exactly as to a real server. PGlite
// runs one backend: pglite-socket multiplexes connections onto it, one whole protocol exchange at a time (our
// PgliteSessionQueue, see there why), so statements and transactions stay isolated, but there is no replica and
// no parallelism — a demo default, not for replication tests (those use PostgresCluster).
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PgliteSessionQueue } from './pglite-session-queue';
import { freePort } from './ports';

interface Served {
  db: PGlite;
  server: PGLiteSocketServer;
  port: number;
  /** Generated per run; a connection must prove it (SCRAM-SHA-256) before PGlite sees it. */
  password: string;
}

export class EmbeddedPostgres {
  private constructor(private readonly databases: Map<string, Served>) {}

  static async start(names: string[]): Promise<EmbeddedPostgres> {
    const served = await Promise.all(
      names.map(async (name): Promise<[string, Served]> => {
        const db = await PGlite.create();
        const port = await freePort();
        const password = randomBytes(24).toString('hex');
        const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
        // The server hands its queue to each connection it accepts; ours authenticates connections and keeps
        // exchanges whole.
        const queue = new PgliteSessionQueue(db, password);
        (server as unknown as { queryQueue: PgliteSessionQueue }).queryQueue = queue;
        await server.start();
        return [name, { db, server, port, password }];
      }),
    );
    return new EmbeddedPostgres(new Map(served));
  }

  /** A postgres:// URL for `name`, with its password (PGlite has one role; the user name is not checked). */
  url(name: string): string {
    const d = this.databases.get(name);
    if (!d) throw new Error(`no embedded database ${name}`);
    return `postgres://postgres:${d.password}@127.0.0.1:${d.port}/postgres`;
  }

  async stop(): Promise<void> {
    for (const d of this.databases.values()) {
      await d.server.stop();
      await d.db.close();
    }
    this.databases.clear();
  }
}
