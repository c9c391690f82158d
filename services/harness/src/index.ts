// Public API of @bazar/harness: real Postgres and our services as processes, for tests and local runs.
export { freePort } from './ports';
export { waitFor, type WaitOptions } from './wait-for';
export {
  PostgresCluster,
  type DatabaseSpec,
  type PostgresClusterOptions,
  type ServerRole,
} from './postgres-cluster';
export { ServiceProcess, type ExitStatus, type ServiceProcessOptions } from './service-process';
export { BazarTopology, type TopologyOptions } from './topology';
export { callJson, type CallOptions, type JsonResponse } from './http';
export { RedisServer } from './redis-server';
export { EmbeddedPostgres } from './embedded-postgres';
export { PatroniCluster, type MemberState, type PatroniClusterOptions } from './patroni-cluster';
export { CutProxy } from './cut-proxy';
export { Blackhole } from './blackhole';
export { holdGate, podHeldAt } from './test-gates';
export { customerCookie, customerCookieName } from './customer-cookie';
