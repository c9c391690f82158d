// JSON client for a replicated internal service, balancing over the endpoints an EndpointSource discovers:
// round-robin over healthy endpoints, a keep-alive pool each, passive ejection on a connection error, timeout or
// 500/502/503/504 (exponential backoff, then an active probe of /readyz), and the same request tried on the next
// endpoint. Callers only send requests that are safe to repeat (reads, or writes carrying an idempotency key).
import { deadlineHeader, hopMarginMs, type Deadline } from '../deadline';
import { AppError, overloadCodes } from '../errors';
import { upstreamDuration } from '../metrics';
import type { Logger } from '../logger';
import type { EndpointSource } from '../discovery/endpoint-source';
import {
  describeProblem,
  exchangeJson,
  probeReady,
  wasRefused,
  type UpstreamResponse,
} from './json-exchange';
import { UpstreamEndpoint, type EjectionPolicy, type EndpointSnapshot } from './upstream-endpoint';

export type { UpstreamResponse } from './json-exchange';
export type { EjectionPolicy, EndpointSnapshot } from './upstream-endpoint';

export interface UpstreamOptions {
  name: string;
  /** Where the endpoints come from. The client owns it from here on: `close()` stops it. */
  source: EndpointSource;
  token: string;
  /** Bound on one attempt (connect included). */
  timeoutMs: number;
  log: Logger;
  /** Default: first ejection 250 ms, doubling per failed probe up to 10 s. */
  ejection?: Partial<EjectionPolicy>;
  /** Path probed on an ejected endpoint once its backoff is over; 2xx takes it back. Default `/readyz`. */
  probePath?: string;
  /**
   * With a deadline: the share of the time left that an attempt may use when another attempt could follow it
   * (default 0.6, leaving time to try another pod if this one is stopped); 1 gives every attempt all of it.
   */
  attemptShare?: number;
  /** Keep-alive connections per endpoint. Default 64. */
  connectionsPerEndpoint?: number;
}

export interface UpstreamRequestOptions {
  headers?: Record<string, string>;
  /** How many endpoints may receive this request (a refused connection doesn't count). Default: all. */
  attempts?: number;
  /**
   * The caller's deadline. Each attempt then gets a share of what is left (all of it when no other attempt can
   * follow) instead of `timeoutMs`, and tells the endpoint, in X-Bazar-Deadline-Ms, to answer a margin before
   * that: an attempt that times out has therefore met a pod that is stopped or gone, not one still working.
   */
  deadline?: Deadline;
}

/** Below this, an attempt could not do anything useful: no attempt is started. */
const minAttemptMs = 50;

export interface UpstreamErrorBody {
  error?: { code?: string; message?: string };
}

type Attempt<T> =
  | { ok: true; answer: UpstreamResponse<T> }
  | { ok: false; answer?: UpstreamResponse<T>; problem: string; refused: boolean };

/** Answers that say the endpoint, not the request, is in trouble: eject it and try the next one. */
const failureStatuses = new Set([500, 502, 503, 504]);

export class UpstreamClient {
  private endpointsByUrl = new Map<string, UpstreamEndpoint>();
  private next = 0;
  private readonly policy: EjectionPolicy;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: UpstreamOptions) {
    this.policy = { baseMs: opts.ejection?.baseMs ?? 250, maxMs: opts.ejection?.maxMs ?? 10_000 };
    this.sync(opts.source.current());
    this.unsubscribe = opts.source.onChange((urls) => this.sync(urls));
  }

  /**
   * Sends to healthy endpoints in round-robin order, then to ejected ones (least recently failed first), until
   * one answers with something other than 500/502/503/504 (a 503 `busy`/`database_busy` is such an answer), or
   * `attempts` endpoints have been tried, or the deadline leaves no time for another attempt. A 4xx is an
   * answer and is returned; if every attempt failed, the last 5xx answer is returned as is; if none answered,
   * throws AppError 503 `upstream_unavailable`.
   */
  async request<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    options: UpstreamRequestOptions = {},
  ): Promise<UpstreamResponse<T>> {
    const maxAttempts = options.attempts ?? Infinity;
    if (!(maxAttempts >= 1)) throw new RangeError(`attempts must be at least 1, got ${options.attempts}`);
    const headers = { authorization: `Bearer ${this.opts.token}`, ...options.headers };
    let lastAnswer: UpstreamResponse<T> | undefined;
    let lastProblem = 'no endpoint known';
    let attempts = 0;
    let uncertain = false;
    const plan = this.plan();
    for (const [i, endpoint] of plan.entries()) {
      if (attempts >= maxAttempts) break;
      if (endpoint.removed) continue;
      const lastChance = attempts + 1 >= maxAttempts || i === plan.length - 1;
      const timeoutMs = this.attemptTimeout(options.deadline, lastChance);
      if (timeoutMs < minAttemptMs) {
        lastProblem = 'the request deadline ran out';
        break;
      }
      const attemptHeaders = options.deadline
        ? { ...headers, [deadlineHeader]: String(timeoutMs - hopMarginMs(timeoutMs)) }
        : headers;
      const outcome = await this.attempt<T>(
        endpoint,
        { method, path, body, headers: attemptHeaders },
        timeoutMs,
      );
      if (outcome.ok)
        return uncertain && isOverloadAnswer(outcome.answer)
          ? { ...outcome.answer, uncertain }
          : outcome.answer;
      lastAnswer = outcome.answer ?? lastAnswer;
      lastProblem = `${endpoint.url}: ${outcome.problem}`;
      if (!outcome.refused) attempts++;
      if (!outcome.refused && (!outcome.answer || !isOverloadAnswer(outcome.answer))) uncertain = true;
    }
    // The upstream's own 503 (e.g. primary_unavailable) is an answer worth passing on if no one did better.
    if (lastAnswer) return uncertain ? { ...lastAnswer, uncertain } : lastAnswer;
    // Pod addresses go to the log, not to the client.
    this.opts.log.warn({ upstream: this.opts.name, problem: lastProblem }, 'no endpoint answered');
    throw new AppError(503, 'upstream_unavailable', `${this.opts.name} is unavailable; retry later`);
  }

  private attemptTimeout(deadline: Deadline | undefined, lastChance: boolean): number {
    if (!deadline) return this.opts.timeoutMs;
    const left = deadline.remainingMs;
    return lastChance ? left : Math.floor(left * (this.opts.attemptShare ?? 0.6));
  }

  /**
   * One request to the endpoint at `url`, outside the round-robin and the health bookkeeping: for messages every
   * pod must get (a cache lease from each catalog pod). Throws when there is no answer.
   */
  async requestTo<T>(
    url: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<UpstreamResponse<T>> {
    const endpoint = this.endpointsByUrl.get(url);
    if (!endpoint) throw new Error(`${this.opts.name}: no endpoint ${url}`);
    const headers = { authorization: `Bearer ${this.opts.token}` };
    return exchangeJson<T>({ pool: endpoint.pool, endpoint: url, method, path, body, headers, timeoutMs });
  }

  /** The endpoints' base URLs (cheap: for every cache hit's lease check, unlike `endpoints()`). */
  urls(): string[] {
    return [...this.endpointsByUrl.keys()];
  }

  /** The endpoints and their health, for an ops panel. */
  endpoints(): EndpointSnapshot[] {
    return [...this.endpointsByUrl.values()].map((e) => e.snapshot());
  }

  /** Stops the source and closes every pool (in-flight requests finish first). */
  async close(): Promise<void> {
    this.unsubscribe();
    this.opts.source.stop();
    const all = [...this.endpointsByUrl.values()];
    this.endpointsByUrl = new Map();
    await Promise.all(all.map((e) => e.close()));
  }

  /** One try on one endpoint; records the outcome in the endpoint's health. */
  private async attempt<T>(
    endpoint: UpstreamEndpoint,
    req: { method: string; path: string; body: unknown; headers: Record<string, string> },
    timeoutMs: number,
  ): Promise<Attempt<T>> {
    endpoint.requests++;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const observe = (outcome: string) =>
      upstreamDuration.observe(
        { upstream: this.opts.name, endpoint: endpoint.url, outcome },
        (performance.now() - started) / 1000,
      );
    try {
      const answer = await exchangeJson<T>({
        ...req,
        pool: endpoint.pool,
        endpoint: endpoint.url,
        timeoutMs,
      });
      observe(String(answer.status));
      if (!failureStatuses.has(answer.status) || isOverloadAnswer(answer)) {
        endpoint.succeeded(elapsed());
        return { ok: true, answer };
      }
      const problem = `answered ${answer.status}`;
      this.recordFailure(endpoint, problem, elapsed());
      return { ok: false, answer, problem, refused: false };
    } catch (err) {
      observe('no_answer');
      const problem = describeProblem(err);
      this.recordFailure(endpoint, problem, elapsed());
      return { ok: false, problem, refused: wasRefused(err) };
    }
  }

  /** Healthy endpoints from the round-robin cursor on, then ejected ones, least recently failed first. */
  private plan(): UpstreamEndpoint[] {
    const all = [...this.endpointsByUrl.values()];
    const healthy = all.filter((e) => e.healthy);
    const start = healthy.length === 0 ? 0 : this.next++ % healthy.length;
    const ejected = all.filter((e) => !e.healthy).sort((a, b) => a.lastFailureAt - b.lastFailureAt);
    return [...healthy.slice(start), ...healthy.slice(0, start), ...ejected];
  }

  private recordFailure(endpoint: UpstreamEndpoint, problem: string, latencyMs: number): void {
    const ejected = endpoint.failed(problem, latencyMs);
    const { log, name } = this.opts;
    if (ejected) {
      log.warn({ upstream: name, endpoint: endpoint.url, problem }, 'upstream endpoint ejected');
    } else {
      log.debug({ upstream: name, endpoint: endpoint.url, problem }, 'upstream attempt failed');
    }
    // Failing pods are often gone pods: let discovery look again (it rate-limits these).
    this.opts.source.requestRefresh();
  }

  /** Follows the source: pools for new endpoints, closed pools for vanished ones; health survives for the rest. */
  private sync(urls: string[]): void {
    const before = this.endpointsByUrl;
    const after = new Map<string, UpstreamEndpoint>();
    for (const url of urls) after.set(url, before.get(url) ?? this.createEndpoint(url));
    for (const [url, endpoint] of before) {
      if (after.has(url)) continue;
      endpoint.close().catch((err: unknown) => {
        this.opts.log.warn(
          { upstream: this.opts.name, endpoint: url, err },
          'closing a removed endpoint failed',
        );
      });
    }
    this.endpointsByUrl = after;
  }

  private createEndpoint(url: string): UpstreamEndpoint {
    const path = this.opts.probePath ?? '/readyz';
    const probe = (e: UpstreamEndpoint) => probeReady(e.pool, path, this.opts.timeoutMs);
    return new UpstreamEndpoint(
      url,
      this.policy,
      probe,
      this.opts.connectionsPerEndpoint ?? 64,
      this.opts.timeoutMs,
    );
  }
}

/** A 503 that says "too busy, nothing done" (DESIGN I9): an answer to pass on, not a broken endpoint. */
function isOverloadAnswer(res: UpstreamResponse<unknown>): boolean {
  const code = (res.body as UpstreamErrorBody | undefined)?.error?.code;
  return res.status === 503 && code !== undefined && overloadCodes.has(code);
}

/** Turns an upstream 4xx/5xx into the same AppError the upstream raised, so clients see one error shape. */
export function raiseUpstreamError(res: UpstreamResponse<unknown>): never {
  const e = (res.body as UpstreamErrorBody | undefined)?.error;
  throw new AppError(
    res.status,
    e?.code ?? 'upstream_error',
    e?.message ?? `upstream answered ${res.status}`,
  );
}
