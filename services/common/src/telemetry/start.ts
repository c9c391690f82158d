// OpenTelemetry for a Bazar process, configured by the standard OTEL_* environment variables. Import this module
// first in a service's main.ts (or preload it with `node --require @bazar/common/telemetry`): instrumentation
// only sees modules (http, undici, koa, pg, redis, dns, pino) required after it.
//
// With no OTLP endpoint set (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), or with
// OTEL_SDK_DISABLED=true, nothing is started: no exporter, no instrumentation, no cost. This module reads
// process.env itself because it must run before any config can be loaded.
import type { NodeSDK } from '@opentelemetry/sdk-node';

const env = process.env;
const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
const wanted = ['http', 'undici', 'koa', 'pg', 'redis', 'dns', 'pino'];

let sdk: NodeSDK | undefined;

if (endpoint && env.OTEL_SDK_DISABLED !== 'true') {
  // Traces go out over OTLP; metrics are served as Prometheus text at /metrics, logs are JSON on stdout.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  // Only these are even constructed: an instrumentation enables itself (and its hooks) when it is created.
  env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ??= wanted.join(',');
  env.OTEL_SERVICE_NAME ??= `bazar-${/services\/(\w+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'service'}`;
  // Loaded only when tracing is on, so a process without it never even parses the SDK.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { getNodeAutoInstrumentations } =
    require('@opentelemetry/auto-instrumentations-node') as typeof import('@opentelemetry/auto-instrumentations-node');
  const sdkNode = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const all = getNodeAutoInstrumentations({
    // one span per route, not one per middleware
    '@opentelemetry/instrumentation-koa': { ignoreLayersType: ['middleware' as never] },
  });
  sdk = new sdkNode.NodeSDK({ instrumentations: all });
  sdk.start();
}

/** True when spans are recorded and exported. */
export const tracingEnabled = sdk !== undefined;

/** Flushes and stops the SDK (part of graceful shutdown); a no-op when tracing is off. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown();
}
