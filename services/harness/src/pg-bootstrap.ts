// Filling the cluster: initdb for the primary, our roles and databases, pg_basebackup for the replica.
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeIdentifier, escapeLiteral } from 'pg';
import { hbaConf, primaryConf, replicaAutoConf, type PrimarySettings } from './pg-config';
import { withClient, type PgLogin } from './pg-query';
import type { PgTools } from './pg-tools';

export interface PrimaryInit extends PrimarySettings {
  dataDir: string;
  /** Where the password file lives for the moment initdb needs it; readable by the server's user. */
  scratchDir: string;
  superuser: string;
  password: string;
}

export async function initPrimary(tools: PgTools, init: PrimaryInit): Promise<void> {
  // initdb reads the password from a file so it never appears in a process listing.
  const pwfile = join(init.scratchDir, 'superuser.pw');
  await writeFile(pwfile, init.password, { mode: 0o600 });
  await tools.giveAway(pwfile);
  try {
    await tools.run('initdb', [
      ...['-D', init.dataDir, '-U', init.superuser, `--pwfile=${pwfile}`],
      ...['--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C'],
      // Without fsync the cluster is disposable anyway, so skip initdb's final sync too.
      ...(init.fsync ? [] : ['--no-sync']),
    ]);
  } finally {
    await rm(pwfile, { force: true });
  }
  await appendFile(join(init.dataDir, 'postgresql.conf'), primaryConf(init));
  await writeFile(join(init.dataDir, 'pg_hba.conf'), hbaConf());
}

export interface DatabaseSpec {
  name: string;
  owner: string;
  password: string;
}

/** Creates each owner role (LOGIN, with password) once, and each database owned by it. */
export async function createDatabases(superuser: PgLogin, databases: DatabaseSpec[]): Promise<void> {
  await withClient(superuser, async (client) => {
    // No standby exists yet, so a synchronous commit would wait forever for one.
    await client.query('SET synchronous_commit = local');
    const owners = new Set<string>();
    for (const db of databases) {
      if (!owners.has(db.owner)) {
        owners.add(db.owner);
        await client.query(
          `CREATE ROLE ${escapeIdentifier(db.owner)} LOGIN PASSWORD ${escapeLiteral(db.password)}`,
        );
        // pg_monitor lets a service read pg_stat_replication's state columns (NULL for plain roles), which its
        // ReplicaMonitor needs to tell whether the synchronous standby is streaming.
        await client.query(`GRANT pg_monitor TO ${escapeIdentifier(db.owner)}`);
      }
      await client.query(`CREATE DATABASE ${escapeIdentifier(db.name)} OWNER ${escapeIdentifier(db.owner)}`);
    }
  });
}

export interface ReplicaClone {
  dataDir: string;
  port: number;
  primaryPort: number;
  user: string;
  password: string;
  standbyName: string;
  fsync: boolean;
}

/**
 * Clones the running primary the way a replica pod bootstraps: pg_basebackup -R over TCP with
 * password auth. A physical replication slot makes the primary keep WAL while the replica is
 * down, so killReplica/startReplica never loses its place.
 */
export async function cloneReplica(tools: PgTools, clone: ReplicaClone): Promise<void> {
  await tools.run(
    'pg_basebackup',
    [
      ...['-h', '127.0.0.1', '-p', String(clone.primaryPort), '-U', clone.user, '-D', clone.dataDir],
      ...['-R', '-X', 'stream', '-C', '-S', slotName(clone.standbyName)],
      // A spread checkpoint would make the backup wait up to checkpoint_timeout * 0.9.
      '--checkpoint=fast',
      ...(clone.fsync ? [] : ['--no-sync']),
    ],
    { PGPASSWORD: clone.password },
  );
  await appendFile(join(clone.dataDir, 'postgresql.auto.conf'), replicaAutoConf(clone));
}

/** Slot names allow only lower-case letters, digits and underscores (at most 63). */
export function slotName(standbyName: string): string {
  return standbyName
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
}
