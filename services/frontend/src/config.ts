// Every setting of the frontend, validated once at start.
import {
  checkServiceSettings,
  env,
  loadConfig,
  serviceSettings,
  setting,
  upstreamSettings,
  type ConfigOf,
} from '@bazar/common';
import { z } from 'zod';

export const frontendSettings = {
  port: setting('PORT', env.port(8080), 'HTTP port of the public API'),
  ...serviceSettings,
  adminToken: setting(
    'ADMIN_TOKEN',
    env.secret(),
    'bearer token required by PATCH /books/:id and /replicas; with it, /orders lists every order',
  ),
  customerSecret: setting(
    'CUSTOMER_SECRET',
    env.secret(),
    'key that signs the customer session cookie (every frontend pod of a release must have the same)',
  ),
  customerCookieSecure: setting(
    'CUSTOMER_COOKIE_SECURE',
    env.flag(false),
    'mark the customer cookie Secure (set it when shoppers reach Bazar over HTTPS, e.g. through a TLS ingress)',
  ),
  ...upstreamSettings('CATALOG', 7001),
  ...upstreamSettings('ORDER', 7002),
  upstreamTimeoutMs: setting(
    'UPSTREAM_TIMEOUT_MS',
    env.int(2500, 100),
    'bound on one call to a catalog or order pod',
  ),
  cacheStore: setting(
    'CACHE_STORE',
    z.enum(['memory', 'redis']).default('memory'),
    'where cached entries live',
  ),
  cacheMaxEntries: setting(
    'CACHE_MAX_ENTRIES',
    env.int(10_000, 1),
    'in-memory store: most entries kept (LRU)',
  ),
  cacheTtlMs: setting('CACHE_TTL_MS', env.int(30_000, 100), 'how long an entry lives'),
  selfUrl: setting(
    'SELF_URL',
    env.url().optional(),
    'the URL catalog pods push to this pod at (one of their FRONTEND_URLS, or http://<pod IP>:<port> with ' +
      'FRONTEND_DNS); cache leases are asked for under it. Default http://HOST:PORT (127.0.0.1 for 0.0.0.0)',
  ),
  cacheLeaseRenewMs: setting(
    'CACHE_LEASE_RENEW_MS',
    env.int(400, 20),
    'how often this pod asks every catalog pod for its cache lease (keep it well under CACHE_LEASE_MS)',
  ),
  redisUrl: setting(
    'REDIS_URL',
    env.url().optional(),
    'redis:// URL (with the password: redis://:PASSWORD@host:6379), required with CACHE_STORE=redis',
  ),
  rateLimitRequests: setting(
    'RATE_LIMIT_REQUESTS',
    env.int(600),
    'public requests one client (address) may send per RATE_LIMIT_WINDOW_S, shared through Redis when it is the ' +
      'cache store; 0: no limit',
  ),
  rateLimitPurchases: setting(
    'RATE_LIMIT_PURCHASES',
    env.int(20),
    'purchases one client may send per RATE_LIMIT_WINDOW_S; 0: no limit',
  ),
  rateLimitWindowS: setting('RATE_LIMIT_WINDOW_S', env.int(10, 1), 'window of the rate limits, in seconds'),
  trustProxyHops: setting(
    'TRUST_PROXY_HOPS',
    env.int(0),
    'proxies in front of the pods (an ingress) whose X-Forwarded-For / -Host / -Proto are trusted: the client ' +
      'address the rate limits count is the one they saw; 0: the TCP peer',
  ),
};

export type FrontendConfig = ConfigOf<typeof frontendSettings>;

export function loadFrontendConfig(source: Record<string, string | undefined> = process.env): FrontendConfig {
  const cfg = loadConfig(frontendSettings, source);
  checkServiceSettings(cfg);
  if (cfg.cacheStore === 'redis' && !cfg.redisUrl)
    throw new Error('REDIS_URL: required with CACHE_STORE=redis');
  return cfg;
}
