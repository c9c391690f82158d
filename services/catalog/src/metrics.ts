// The catalog's Prometheus metrics, in the process registry served at /metrics: the reservation lines, the
// invalidation fan-out to the frontend pods and the cache leases granted to them.
import { metricsRegistry, observedCounter } from '@bazar/common';
import { Gauge } from 'prom-client';
import type { CacheLeaseGrants } from './domain/cache-leases';
import type { ReservationDesk } from './domain/reservation-desk';
import type { WriteAnnouncer } from './gateways/invalidation-fanout';

export function registerCatalogMetrics(
  desk: ReservationDesk,
  fanout: WriteAnnouncer,
  leases: CacheLeaseGrants,
): void {
  const f = fanout.stats;
  observedCounter(
    'bazar_invalidation_pushes_delivered_total',
    'pushes that reached a frontend pod',
    () => f.delivered,
  );
  observedCounter(
    'bazar_invalidation_pushes_undelivered_total',
    'pushes that could not reach a frontend pod within INVALIDATION_DEADLINE_MS (the pod was fenced)',
    () => f.undelivered,
  );
  observedCounter(
    'bazar_invalidation_fence_waits_total',
    "writes held back until a fenced frontend pod's cache lease ran out",
    () => f.fenceWaits,
  );
  observedCounter(
    'bazar_invalidation_fence_refusals_total',
    "writes refused 503 busy: waiting out a fenced pod's lease would have outlasted their deadline",
    () => f.fenceRefusals,
  );
  observedCounter(
    'bazar_invalidation_fence_wait_seconds_total',
    'time writes were held back so',
    () => f.fenceWaitMs / 1000,
  );
  const l = leases.stats;
  observedCounter(
    'bazar_cache_leases_granted_total',
    'cache leases granted to frontend pods',
    () => l.granted,
  );
  observedCounter(
    'bazar_cache_leases_refused_total',
    'cache leases refused (the pod is fenced, or not one this pod pushes to)',
    () => l.refused,
  );
  observedCounter(
    'bazar_cache_leases_released_total',
    'frontend pods that released their leases (shut down)',
    () => l.released,
  );
  new Gauge({
    name: 'bazar_cache_lease_fenced_frontends',
    help: 'frontend pods now fenced: no cache lease until a push reaches them',
    registers: [metricsRegistry],
    collect() {
      this.set(leases.fencedPods.length);
    },
  });

  const s = desk.stats;
  observedCounter(
    'bazar_reservation_batches_total',
    'reservation statements run (one per batch)',
    () => s.batches,
  );
  observedCounter(
    'bazar_reservation_batched_orders_total',
    'orders that went to the database in a batch',
    () => s.batchedOrders,
  );
  observedCounter(
    'bazar_reservation_refused_busy_total',
    'orders refused at once with 503 busy (line full, or too little time left)',
    () => s.refusedBusy,
  );
  observedCounter(
    'bazar_reservation_sold_out_answers_total',
    'orders answered sold out from a lock-free read, without the line',
    () => s.soldOutAnswers,
  );
  new Gauge({
    name: 'bazar_reservation_waiting',
    help: 'orders now waiting in a book line on this pod',
    registers: [metricsRegistry],
    collect() {
      this.set(desk.waiting);
    },
  });
}
