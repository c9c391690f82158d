// Reusable config declarations for reaching a replicated upstream: either a static list of URLs (`CATALOG_URLS`)
// or a DNS name plus port (`CATALOG_DNS`, `CATALOG_PORT`), and the shared DNS knobs. A service spreads
// `upstreamSettings('CATALOG', 7001)` into its settings and builds the source with `createEndpointSource`.
import { Resolver } from 'node:dns';
import { z } from 'zod';
import { ConfigError, env, setting, type ConfigOf } from '../config';

export type UpstreamName = 'catalog' | 'order' | 'frontend';
export type UpstreamPrefix = Uppercase<UpstreamName>;

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i, {
    error: 'must be a DNS name',
  });

// Node's own parser decides what a DNS server address may look like (`ip`, `ip:port`, `[v6]:port`).
const dnsServer = z.string().refine(
  (v) => {
    try {
      new Resolver().setServers([v]);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IP address, optionally with :port' },
);

export const discoverySettings = {
  dnsServer: setting(
    'DNS_SERVER',
    dnsServer.optional(),
    'DNS server for upstream discovery (ip or ip:port); unset: the system resolvers',
  ),
  discoveryRefreshMs: setting(
    'DISCOVERY_REFRESH_MS',
    env.int(5000, 50),
    'how often DNS-discovered upstream endpoints are looked up again',
  ),
  discoveryStartTimeoutMs: setting(
    'DISCOVERY_START_TIMEOUT_MS',
    env.int(30_000, 100),
    'at start, how long DNS discovery may take to find a first endpoint before the process gives up',
  ),
};

const perUpstream = (prefix: UpstreamPrefix, defaultPort: number) => ({
  Urls: setting(
    `${prefix}_URLS`,
    env.list().pipe(z.array(z.url({ protocol: /^https?$/, error: 'must be http(s) URLs' }))),
    `comma-separated base URLs of the ${prefix.toLowerCase()} pods (or give ${prefix}_DNS)`,
  ),
  Dns: setting(
    `${prefix}_DNS`,
    hostname.optional(),
    `fully qualified DNS name whose A records are the ${prefix.toLowerCase()} pods, e.g. a headless Service (or give ${prefix}_URLS)`,
  ),
  Port: setting(
    `${prefix}_PORT`,
    env.port(defaultPort),
    `port of the ${prefix.toLowerCase()} pods found by DNS`,
  ),
});

type PerUpstream = ReturnType<typeof perUpstream>;

/** Settings keyed `<name>Urls`, `<name>Dns`, `<name>Port` plus the shared discovery settings. */
export type UpstreamSettings<N extends UpstreamName> = {
  [K in keyof PerUpstream as `${N}${K}`]: PerUpstream[K];
} & typeof discoverySettings;

export type UpstreamConfig<N extends UpstreamName> = ConfigOf<UpstreamSettings<N>>;

/** Declarations for one upstream, e.g. `upstreamSettings('CATALOG', 7001)`: CATALOG_URLS | CATALOG_DNS + CATALOG_PORT. */
export function upstreamSettings<P extends UpstreamPrefix>(
  prefix: P,
  defaultPort: number,
): UpstreamSettings<Lowercase<P>> {
  const name = prefix.toLowerCase();
  const own = Object.entries(perUpstream(prefix, defaultPort)).map(([k, s]) => [`${name}${k}`, s]);
  return { ...Object.fromEntries(own), ...discoverySettings } as UpstreamSettings<Lowercase<P>>;
}

export type UpstreamDiscovery =
  | { kind: 'static'; urls: string[] }
  | {
      kind: 'dns';
      hostname: string;
      port: number;
      server: string | undefined;
      refreshMs: number;
      startTimeoutMs: number;
    };

/** Picks the discovery mode out of a loaded config; a ConfigError unless exactly one of URLS and DNS is given. */
export function upstreamDiscovery<N extends UpstreamName>(
  name: N,
  cfg: UpstreamConfig<N>,
): UpstreamDiscovery {
  const prefix = name.toUpperCase();
  const urls = cfg[`${name}Urls`] as string[];
  const dns = cfg[`${name}Dns`] as string | undefined;
  if (urls.length > 0 && dns)
    throw new ConfigError([`${prefix}_URLS, ${prefix}_DNS: give one of them, not both`]);
  if (urls.length > 0) return { kind: 'static', urls };
  if (!dns)
    throw new ConfigError([
      `${prefix}_URLS, ${prefix}_DNS: one is required (static base URLs, or a DNS name with ${prefix}_PORT)`,
    ]);
  return {
    kind: 'dns',
    hostname: dns,
    port: cfg[`${name}Port`] as number,
    server: cfg.dnsServer,
    refreshMs: cfg.discoveryRefreshMs,
    startTimeoutMs: cfg.discoveryStartTimeoutMs,
  };
}
