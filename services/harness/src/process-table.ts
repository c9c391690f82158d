// Asking the OS about processes we did not spawn ourselves (a postmaster started by pg_ctl and its children).
import { readdirSync, readFileSync } from 'node:fs';

/**
 * True when `pid` no longer runs. A zombie counts as gone: a postmaster started by pg_ctl is
 * re-parented to PID 1 when pg_ctl exits, and PID 1 in a container does not always reap.
 */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return procStat(pid)?.state === 'Z';
}

/** Direct children of `pid`, read from /proc (Linux only; elsewhere returns none). */
export function childPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((candidate) => procStat(candidate)?.ppid === pid);
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]) };
}
