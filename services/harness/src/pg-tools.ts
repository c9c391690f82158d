// Locating the machine's PostgreSQL binaries and running them as an OS user they accept.
import { existsSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand, type CommandResult } from './run-command';

const FALLBACK_BINDIR = '/usr/lib/postgresql/15/bin';

export interface OsUser {
  uid: number;
  gid: number;
}

export class PgTools {
  private constructor(
    readonly bindir: string,
    /** Set when we are root: Postgres refuses to run as root, so everything runs as `postgres`. */
    readonly runAs: OsUser | undefined,
    private readonly homeDir: string,
  ) {}

  static async locate(homeDir: string): Promise<PgTools> {
    const bindir = await findBindir();
    if (!existsSync(join(bindir, 'initdb'))) {
      throw new Error(`No PostgreSQL binaries in ${bindir} (set PG_BINDIR to the directory holding initdb)`);
    }
    const runAs = process.getuid?.() === 0 ? await lookupUser('postgres') : undefined;
    return new PgTools(bindir, runAs, homeDir);
  }

  /** Runs `bindir/<binary>` to completion; rejects with its output on a non-zero exit. */
  run(binary: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    return runCommand(join(this.bindir, binary), args, {
      env: { ...this.baseEnv(), ...extraEnv },
      cwd: this.homeDir,
      uid: this.runAs?.uid,
      gid: this.runAs?.gid,
    });
  }

  /** Hands a path we created to the user the servers run as, so they can use it. */
  async giveAway(path: string): Promise<void> {
    if (this.runAs) await chown(path, this.runAs.uid, this.runAs.gid);
  }

  // A minimal environment: inherited PGHOST/PGPORT/PGDATA etc. must not redirect our tools,
  // and LC_ALL=C keeps initdb independent of whatever locales this machine has generated.
  private baseEnv(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.homeDir, LC_ALL: 'C' };
  }
}

async function findBindir(): Promise<string> {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv) return fromEnv;
  try {
    const { stdout } = await runCommand('pg_config', ['--bindir'], { env: process.env });
    const dir = stdout.trim();
    if (dir) return dir;
  } catch {
    // pg_config ships with the dev package and is often missing; fall through to the usual path.
  }
  return FALLBACK_BINDIR;
}

async function lookupUser(name: string): Promise<OsUser> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  try {
    const uid = Number((await runCommand('id', ['-u', name], { env })).stdout.trim());
    const gid = Number((await runCommand('id', ['-g', name], { env })).stdout.trim());
    return { uid, gid };
  } catch (err) {
    throw new Error(`Running as root, but cannot find the OS user "${name}" to run Postgres as`, {
      cause: err,
    });
  }
}
