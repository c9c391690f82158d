// Running the Helm chart's pod scripts (charts/bazar/files/) on this machine, the way a pod runs them: the
// pod's environment given as variables, Postgres tools on PATH, and as the `postgres` OS user where the pod runs
// as postgres (we are often root here, and Postgres refuses to run as root).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { onProcessExit } from '../../src/exit-cleanup';
import { PgTools } from '../../src/pg-tools';
import { waitFor } from '../../src/wait-for';

const repoRoot = resolve(__dirname, '../../../../..');
export const chartDir = join(repoRoot, 'charts', 'bazar');

export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export interface ScriptOptions {
  env: Record<string, string>;
  args?: string[];
  /** Run as the user Postgres runs as (the postgres image's uid); otherwise as ourselves. */
  asPostgres?: boolean;
}

/** Where Postgres binaries live and who runs them; one scratch directory the postgres user owns. */
export class ScriptSandbox {
  private constructor(
    readonly dir: string,
    readonly tools: PgTools,
  ) {}

  static async create(): Promise<ScriptSandbox> {
    const dir = await mkdtemp(join(tmpdir(), 'bazar-chart-'));
    const tools = await PgTools.locate(dir);
    await tools.giveAway(dir);
    return new ScriptSandbox(dir, tools);
  }

  /** A directory inside the sandbox that the postgres user owns. */
  async subdir(name: string): Promise<string> {
    const path = await mkdtemp(join(this.dir, `${name}-`));
    await this.tools.giveAway(path);
    return path;
  }

  /** The environment every script gets: Postgres' binaries first on PATH, as in the postgres image. */
  baseEnv(): Record<string, string> {
    return {
      PATH: `${this.tools.bindir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: this.dir,
      LC_ALL: 'C',
      TMPDIR: this.dir,
    };
  }

  /**
   * Starts `sh files/<script> args…` (`node` for a .mjs script, as the pod runs it); the process is killed if the
   * test process exits first.
   */
  start(script: string, opts: ScriptOptions): ScriptProcess {
    const runAs = opts.asPostgres ? this.tools.runAs : undefined;
    const interpreter = script.endsWith('.mjs') ? process.execPath : '/bin/sh';
    const child = spawn(interpreter, [join(chartDir, 'files', script), ...(opts.args ?? [])], {
      env: { ...this.baseEnv(), ...opts.env },
      cwd: this.dir,
      uid: runAs?.uid,
      gid: runAs?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ScriptProcess(script, child);
  }

  /** Runs a script to its end (bounded by timeoutMs) and returns its status and output. */
  async run(script: string, opts: ScriptOptions, timeoutMs = 60_000): Promise<ScriptResult> {
    const proc = this.start(script, opts);
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    try {
      return await proc.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A script (or the server it exec'd into) running in the background. */
export class ScriptProcess {
  readonly exited: Promise<ScriptResult>;
  private text = '';
  private exitResult: ScriptResult | undefined;

  constructor(
    readonly script: string,
    private readonly child: ChildProcess,
  ) {
    const forget = onProcessExit(() => child.kill('SIGKILL'));
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk) => (this.text += String(chunk)));
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        forget();
        this.exitResult = { code, signal, output: this.text };
        resolveExit(this.exitResult);
      });
    });
  }

  get output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.exitResult === undefined;
  }

  /** Resolves once the output matches `pattern`; rejects if the process exits first or the deadline passes. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    await waitFor(
      `${this.script} to print ${pattern}`,
      async () => {
        if (pattern.test(this.text)) return true;
        if (!this.running) throw new Error(`${this.script} exited: ${this.text}`);
        return false;
      },
      { timeoutMs, intervalMs: 25 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- output of ${this.script} ---\n${this.text}`);
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGINT (Postgres' fast shutdown), SIGKILL if it is still running after timeoutMs. */
  async stop(timeoutMs = 15_000): Promise<ScriptResult> {
    if (!this.running) return this.exited;
    this.kill('SIGINT');
    const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The args of the first container of the `kind` object named `name` in the chart's rendered default
 * (charts/bazar/examples/rendered-default.yaml, kept current by `k8s/check-chart.sh --update-example`).
 */
export function renderedArgs(kind: string, name: string): string[] {
  const rendered = readFileSync(join(chartDir, 'examples', 'rendered-default.yaml'), 'utf8');
  const objects = parseAllDocuments(rendered).map((d) => d.toJS() as RenderedObject | null);
  const object = objects.find((o) => o?.kind === kind && o.metadata?.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in the rendered example`);
  const args = object.spec?.template?.spec?.containers?.[0]?.args;
  if (!Array.isArray(args)) throw new Error(`no args in the first container of ${kind} ${name}`);
  return args.map(String);
}

interface RenderedObject {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { spec?: { containers?: { args?: unknown[] }[] } } };
}

/** Postgres settings for this machine: the chart's, but on loopback only, on our port and socket directory. */
export function localServerArgs(chartArgs: string[], port: number, socketDir: string): string[] {
  const args = chartArgs.map((arg) =>
    arg.startsWith('listen_addresses=') ? 'listen_addresses=127.0.0.1' : arg,
  );
  return [...args, '-c', `port=${port}`, '-c', `unix_socket_directories=${socketDir}`];
}
