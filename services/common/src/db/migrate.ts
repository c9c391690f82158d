// Schema migrations with node-pg-migrate. Its advisory lock (in 'wait' mode) lets two replicas start at once:
// one migrates, the other waits and then finds nothing left to do.
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logger';

export async function runMigrations(databaseUrl: string, dir: string, log: Logger): Promise<void> {
  const applied = await runner({
    databaseUrl,
    dir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    log: (msg) => log.debug({ migration: msg }, 'migration'),
  });
  log.info({ applied: applied.map((m) => m.name) }, 'migrations done');
}
