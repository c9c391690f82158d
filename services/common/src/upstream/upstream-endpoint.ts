// One endpoint of a balanced upstream: its keep-alive pool and its health. A failure ejects it for a backoff
// (doubling per failed probe, capped); when the backoff ends an active probe decides whether it comes back.
import { Pool } from 'undici';

export interface EjectionPolicy {
  /** First ejection lasts this long. */
  baseMs: number;
  /** Each failed probe doubles the ejection, up to this. */
  maxMs: number;
}

export interface EndpointSnapshot {
  url: string;
  healthy: boolean;
  consecutiveFailures: number;
  /** While ejected: when the next probe is due (ISO); null while healthy. */
  ejectedUntil: string | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  requests: number;
}

/** Resolves to null when the endpoint is fit again, otherwise to what went wrong. */
export type Probe = (endpoint: UpstreamEndpoint) => Promise<string | null>;

export class UpstreamEndpoint {
  readonly pool: Pool;
  requests = 0;
  consecutiveFailures = 0;
  lastError: string | null = null;
  lastLatencyMs: number | null = null;
  lastFailureAt = 0;
  private ejectedUntil: number | null = null;
  private backoffLevel = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly policy: EjectionPolicy,
    private readonly probe: Probe,
    connections: number,
    /** Bound on making a connection (undici's default is 10 s), so that sockets to a vanished peer do not linger. */
    connectTimeoutMs: number,
  ) {
    this.pool = new Pool(url, {
      connections,
      keepAliveTimeout: 30_000,
      connect: { timeout: connectTimeoutMs },
    });
  }

  get healthy(): boolean {
    return this.ejectedUntil === null;
  }

  get removed(): boolean {
    return this.closed;
  }

  /** An answer came back (2xx–4xx): the endpoint is fine, whatever its history. */
  succeeded(latencyMs: number): void {
    this.lastLatencyMs = latencyMs;
    this.consecutiveFailures = 0;
    this.backoffLevel = 0;
    this.ejectedUntil = null;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** Records a failed attempt; returns true if it ejected a healthy endpoint. */
  failed(problem: string, latencyMs: number): boolean {
    this.lastLatencyMs = latencyMs;
    this.noteFailure(problem);
    // Requests that were in flight when the endpoint broke fail too: they must not escalate the backoff.
    if (!this.healthy) return false;
    this.eject();
    return true;
  }

  snapshot(): EndpointSnapshot {
    return {
      url: this.url,
      healthy: this.healthy,
      consecutiveFailures: this.consecutiveFailures,
      ejectedUntil: this.ejectedUntil === null ? null : new Date(this.ejectedUntil).toISOString(),
      lastError: this.lastError,
      lastLatencyMs: this.lastLatencyMs,
      requests: this.requests,
    };
  }

  /** Stops probing and closes the pool once its in-flight requests are done. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    return this.pool.close();
  }

  private noteFailure(problem: string): void {
    this.consecutiveFailures++;
    this.lastError = problem;
    this.lastFailureAt = performance.now();
  }

  private eject(): void {
    const ms = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** this.backoffLevel);
    this.backoffLevel++;
    this.ejectedUntil = Date.now() + ms;
    this.probeTimer = setTimeout(() => void this.runProbe(), ms).unref();
  }

  private async runProbe(): Promise<void> {
    this.probeTimer = undefined;
    const problem = await this.probe(this);
    // A request may have succeeded meanwhile (and reset everything), or the endpoint may be gone.
    if (this.closed || this.healthy) return;
    if (problem === null) {
      // Back in rotation; the backoff level stays until a real request succeeds, so a flapping pod backs off more.
      this.ejectedUntil = null;
      this.consecutiveFailures = 0;
      return;
    }
    this.noteFailure(problem);
    this.eject();
  }
}
