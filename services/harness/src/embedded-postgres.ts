// The embedded database of `npm start`: one in-memory PGlite per Bazar database, each served over the Postgres
// wire protocol on loopback (pglite-socket), so the services connect to it exactly as to a real server. PGlite
// runs one backend: pglite-socket multiplexes connections onto it, one whole protocol exchange at a time (our
// PgliteSessionQueue, see there why), so statements and transactions stay isolated, but there is no replica and
// no parallelism — a demo default, not for replication tests (those use PostgresCluster).
//
// Initialising a PGlite database takes seconds (8–40 s on a loaded 2-core machine); loading a saved data directory
// takes about one. With a `templateDir`, each database starts from the data directory saved there under
// `templateKey` (which names what the services would put in it: their migrations and seed), and once the services
// have migrated and seeded it, saveTemplates() keeps it for the next start. Every run still starts from that
// template, never from an earlier run's data.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** Where its template is (or is to be) saved; undefined without a template directory. */
  templateFile?: string;
  fromTemplate: boolean;
}

export interface EmbeddedPostgresOptions {
  /** Where prepared data directories are kept across runs (e.g. ~/.cache/bazar/pglite). */
  templateDir?: string;
  /** What the services will put into each database (a hash of their migrations and seed): part of the file name. */
  templateKey?: string;
}

export class EmbeddedPostgres {
  private constructor(private readonly databases: Map<string, Served>) {}

  static async start(names: string[], opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
    const served = await Promise.all(
      names.map(async (name): Promise<[string, Served]> => {
        const templateFile =
          opts.templateDir && join(opts.templateDir, `${name}-${opts.templateKey ?? 'default'}.tar`);
        const saved = templateFile ? await readFile(templateFile).catch(() => undefined) : undefined;
        const db = await PGlite.create(saved ? { loadDataDir: new Blob([saved]) } : {});
        const port = await freePort();
        const password = randomBytes(24).toString('hex');
        const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 100 });
        // The server hands its queue to each connection it accepts; ours authenticates connections and keeps
        // exchanges whole.
        const queue = new PgliteSessionQueue(db, password);
        (server as unknown as { queryQueue: PgliteSessionQueue }).queryQueue = queue;
        await server.start();
        return [name, { db, server, port, password, templateFile, fromTemplate: saved !== undefined }];
      }),
    );
    return new EmbeddedPostgres(new Map(served));
  }

  /** True when every database started from a saved template. */
  get fromTemplates(): boolean {
    return [...this.databases.values()].every((d) => d.fromTemplate);
  }

  /**
   * Saves each database that did not start from a template as the template for the next start (call it once the
   * services have migrated and seeded it, before anyone else writes). Written whole, then renamed: a run that
   * stops half-way leaves no broken template.
   */
  async saveTemplates(): Promise<void> {
    for (const d of this.databases.values()) {
      if (d.fromTemplate || !d.templateFile) continue;
      const tar = Buffer.from(await (await d.db.dumpDataDir('none')).arrayBuffer());
      await mkdir(join(d.templateFile, '..'), { recursive: true });
      const partial = `${d.templateFile}.${process.pid}.partial`;
      await writeFile(partial, tar);
      await rename(partial, d.templateFile);
    }
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
