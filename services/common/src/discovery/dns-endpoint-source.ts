// An EndpointSource over DNS: the A records of one name (a Kubernetes headless Service lists one per ready pod),
// each combined with a fixed scheme and port. Looked up every `refreshMs` and, rate-limited, when the balancer
// reports failures. A failed or empty lookup keeps the last good list: a DNS hiccup must never empty the balancer.
import { Resolver } from 'node:dns/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { EndpointSource } from './endpoint-source';
import { ChangeListeners, sameList } from './endpoint-list';

export interface DnsEndpointSourceOptions {
  name: string;
  /** Fully qualified name, e.g. `bazar-catalog-hl.default.svc.cluster.local` (no search domains are applied). */
  hostname: string;
  port: number;
  scheme?: 'http' | 'https';
  /** DNS server as `ip` or `ip:port` (`[v6]:port`); default: the system's resolvers. */
  server?: string;
  refreshMs: number;
  /** Smallest gap between two lookups asked for by `requestRefresh()`; default min(1000, refreshMs). */
  minRefreshIntervalMs?: number;
  /** `start()` rejects if no endpoint is found within this. */
  startTimeoutMs: number;
  /** Bound on one DNS query; default 1000. */
  lookupTimeoutMs?: number;
  log: Logger;
}

type Lookup = { ips: string[] } | { problem: string };

export class DnsEndpointSource implements EndpointSource {
  readonly name: string;
  private endpoints: string[] = [];
  private readonly listeners = new ChangeListeners();
  private readonly resolver: Resolver;
  private readonly minRefreshIntervalMs: number;
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private onDemand: NodeJS.Timeout | undefined;
  private lastLookupAt = 0;
  private failing = false;
  private running = false;
  private stopped = false;

  constructor(private readonly opts: DnsEndpointSourceOptions) {
    this.name = opts.name;
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? Math.min(1000, opts.refreshMs);
    this.resolver = new Resolver({ timeout: opts.lookupTimeoutMs ?? 1000, tries: 1 });
    if (opts.server) this.resolver.setServers([opts.server]);
  }

  async start(): Promise<void> {
    const deadline = Date.now() + this.opts.startTimeoutMs;
    const retryMs = Math.min(this.opts.refreshMs, 250);
    for (;;) {
      const result = await this.lookup();
      if (this.stopped) throw new Error(`${this.name}: discovery stopped before it found an endpoint`);
      if ('ips' in result && result.ips.length > 0) {
        this.apply(result.ips);
        break;
      }
      if (Date.now() + retryMs >= deadline) {
        const problem = 'problem' in result ? result.problem : 'no A records';
        throw new Error(
          `${this.name}: DNS name ${this.opts.hostname} gave no endpoint within ${this.opts.startTimeoutMs} ms (${problem})`,
        );
      }
      await delay(retryMs);
    }
    this.running = true;
    this.periodic = setInterval(() => void this.refresh(), this.opts.refreshMs).unref();
  }

  stop(): void {
    this.stopped = true;
    this.running = false;
    clearInterval(this.periodic);
    clearTimeout(this.onDemand);
    this.resolver.cancel();
  }

  current(): string[] {
    return [...this.endpoints];
  }

  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // A refresh asked for during a lookup gets a lookup of its own, started after: the caller may know of a change.
    if (this.inFlight) {
      return (this.queued ??= this.inFlight.then(() => {
        this.queued = undefined;
        return this.refresh();
      }));
    }
    return (this.inFlight = this.refreshOnce().finally(() => {
      this.inFlight = undefined;
    }));
  }

  requestRefresh(): void {
    if (!this.running || this.onDemand) return;
    const wait = this.lastLookupAt + this.minRefreshIntervalMs - Date.now();
    if (wait <= 0) {
      void this.refresh();
      return;
    }
    this.onDemand = setTimeout(() => {
      this.onDemand = undefined;
      void this.refresh();
    }, wait).unref();
  }

  onChange(listener: (endpoints: string[]) => void): () => void {
    return this.listeners.add(listener);
  }

  private async refreshOnce(): Promise<void> {
    const result = await this.lookup();
    if (this.stopped) return;
    const { log } = this.opts;
    const context = { upstream: this.name, dns: this.opts.hostname };
    if ('ips' in result && result.ips.length > 0) {
      if (this.failing) log.info(context, 'DNS lookup works again');
      this.failing = false;
      this.apply(result.ips);
      return;
    }
    const problem = 'problem' in result ? result.problem : 'no A records';
    // Warn once per outage; a DNS server that stays down would otherwise log every refreshMs.
    log[this.failing ? 'debug' : 'warn'](
      { ...context, problem, kept: this.endpoints },
      'DNS lookup gave no endpoint; keeping the last good list',
    );
    this.failing = true;
  }

  private async lookup(): Promise<Lookup> {
    this.lastLookupAt = Date.now();
    try {
      return { ips: await this.resolver.resolve4(this.opts.hostname) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENODATA' || code === 'ENOTFOUND') return { ips: [] };
      return { problem: code ?? (err instanceof Error ? err.message : String(err)) };
    }
  }

  private apply(ips: string[]): void {
    const scheme = this.opts.scheme ?? 'http';
    const next = [...new Set(ips)].sort().map((ip) => `${scheme}://${ip}:${this.opts.port}`);
    if (sameList(next, this.endpoints)) return;
    this.endpoints = next;
    this.opts.log.info({ upstream: this.name, endpoints: next }, 'discovered endpoints changed');
    this.listeners.emit(next);
  }
}
