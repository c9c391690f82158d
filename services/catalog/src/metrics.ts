// The catalog's Prometheus metrics, in the process registry served at /metrics: the reservation lines.
import { metricsRegistry, observedCounter } from '@bazar/common';
import { Gauge } from 'prom-client';
import type { ReservationDesk } from './domain/reservation-desk';

export function registerCatalogMetrics(desk: ReservationDesk): void {
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
