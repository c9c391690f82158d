// Running a short-lived command to completion and turning a failure into an error that shows its output.
import { execFile } from 'node:child_process';

export interface CommandOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as another OS user (Postgres binaries refuse to run as root). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'by signal'}):\n${stderr || stdout}`.trimEnd());
    this.name = 'CommandError';
  }
}

export function runCommand(file: string, args: string[], opts: CommandOptions): Promise<CommandResult> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: opts.env, cwd: opts.cwd, uid: opts.uid, gid: opts.gid, timeout: opts.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve({ stdout, stderr });
          return;
        }
        // A spawn failure (ENOENT, EACCES) has a string code; a non-zero exit has a numeric one.
        const exitCode = typeof err.code === 'number' ? err.code : null;
        const detail = typeof err.code === 'string' ? err.message : stderr;
        reject(new CommandError(command, exitCode, stdout, detail));
      },
    );
  });
}
