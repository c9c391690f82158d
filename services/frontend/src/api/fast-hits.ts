// Cache hits answered ahead of Koa's middleware chain and routers: GET /info/:id and GET /search/:topic (no query
// string), from entries the memory store keeps as bytes. It answers only a well-formed request for which
// BookCache says a hit may be served now (the rules stay in book-cache.ts); everything else — a miss, bad input,
// a book with a write in flight or an old entry, no lease, another method, a query string, a request with a
// body, the Redis store — goes through the chain as before. What a client sees is the chain's hit, byte for
// byte: status, body, Content-Type, X-Cache and X-Served-By (the only headers the chain adds to a hit), and the
// rate limit is counted the same way (fast-hits-answer-like-the-chain.test.ts compares them).
import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pageQueryFields, topicText, type Logger } from '@bazar/common';
import type Koa from 'koa';
import { z } from 'zod';
import type { ReadyEntry } from '../domain/cache-store';
import type { Storefront } from '../domain/storefront';
import type { RateLimits } from './rate-limits';

/** Exactly what the router and bookIdParam accept as an id, and a topic as one path segment. */
const infoPath = /^\/info\/([1-9][0-9]{0,14})$/;
const searchPath = /^\/search\/([^/?#]+)$/;
/** The page a search without a query string asks for: the route's own defaults. */
const firstPage = z.strictObject(pageQueryFields).parse({});

type KoaHandler = ReturnType<Koa['callback']>;

type Wanted = { id: number; topic?: undefined } | { id?: undefined; topic: string };

export interface FastHitsOptions {
  storefront: Storefront;
  rateLimits: RateLimits;
  /** This pod's name, as the chain's X-Served-By says it. */
  servedBy: string;
  log: Logger;
  /** Koa's context for a request (app.createContext): the rate limit reads the client address from it. */
  context: (req: IncomingMessage, res: ServerResponse) => Koa.Context;
}

export class FastHits {
  /** Hits this path answered (bazar_cache_fast_hits_total); they count among the cache's hits too. */
  served = 0;

  constructor(private readonly opts: FastHitsOptions) {}

  /** Wraps Koa's request handler (HTTP/1: lifecycle.ts): a hit is answered here, anything else goes on to `chain`. */
  ahead(chain: KoaHandler): KoaHandler {
    return async (request, response) => {
      const [req, res] = [request as IncomingMessage, response as ServerResponse];
      try {
        const answered = this.answer(req, res);
        if (answered === true || (answered !== false && (await answered))) return;
      } catch (err) {
        this.opts.log.error({ err, path: req.url }, 'fast cache hit failed');
        if (res.headersSent) return void res.destroy();
      }
      await chain(req, res);
    };
  }

  /** true: answered; false: not for this path; a promise of either while the rate limit is counted. */
  answer(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean> {
    const wanted = this.wanted(req);
    if (wanted === undefined) return false;
    const { rateLimits } = this.opts;
    if (!rateLimits.active) return this.send(req, res, wanted);
    // Counted only when a hit is there to be served: a miss is counted once, by the chain.
    if (this.ready(wanted, false) === undefined) return false;
    return rateLimits.check(this.opts.context(req, res)).then(
      () => {
        if (this.send(req, res, wanted)) return true;
        rateLimits.alreadyCounted(req); // the entry went meanwhile: the chain answers, without counting again
        return false;
      },
      () => false, // over the limit: the chain counts it again and answers 429, as for any request
    );
  }

  /** The request, if it is one this path may answer: a GET of a well-formed id or topic, nothing more. */
  private wanted(req: IncomingMessage): Wanted | undefined {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined) return undefined;
    const headers = req.headers;
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined)
      return undefined;
    const info = infoPath.exec(url);
    if (info) return { id: Number(info[1]) };
    const search = searchPath.exec(url);
    if (!search) return undefined;
    let raw: string;
    try {
      raw = decodeURIComponent(search[1]!);
    } catch {
      return undefined; // the router's own decoding decides what this is
    }
    const topic = topicText.safeParse(raw);
    return topic.success ? { topic: topic.data } : undefined;
  }

  private ready(wanted: Wanted, take: boolean): ReadyEntry | undefined {
    const { storefront } = this.opts;
    return wanted.topic === undefined
      ? storefront.readyInfo(wanted.id, take)
      : storefront.readySearch(wanted.topic, firstPage.limit, firstPage.cursor, take);
  }

  /** Sends the hit, if BookCache still allows one; false when not (nothing was written). */
  private send(req: IncomingMessage, res: ServerResponse, wanted: Wanted): boolean {
    const started = performance.now();
    const entry = this.ready(wanted, true);
    if (entry === undefined) return false;
    // The chain's search answer is `{topic, ...page}`: the topic as asked, then the cached page's members.
    const body =
      wanted.topic === undefined
        ? entry.body
        : Buffer.concat([Buffer.from(`{"topic":${JSON.stringify(wanted.topic)},`), entry.body.subarray(1)]);
    res.writeHead(200, {
      'X-Served-By': this.opts.servedBy,
      'X-Cache': 'HIT',
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': body.length,
    });
    res.end(body);
    this.served++;
    const { log } = this.opts;
    if (log.isLevelEnabled('debug'))
      log.debug(
        { method: req.method, path: req.url, status: 200, ms: performance.now() - started },
        'request',
      );
    return true;
  }
}
