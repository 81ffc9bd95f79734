// The detection-events module's metrics, registered on the service's registry.
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export function createEventMetrics(registry: Registry) {
  return {
    ingested: new Counter({
      name: 'events_ingested_total',
      help: 'Detection events received, by type (`invalid` for items refused before their type was read) and result: created, duplicate (a repeated idempotency key), rejected.',
      labelNames: ['type', 'result'],
      registers: [registry],
    }),
    reviews: new Counter({
      name: 'event_reviews_total',
      help: 'Reviews of detection events, by the status asked for and result: applied, refused (a move the workflow does not allow).',
      labelNames: ['status', 'result'],
      registers: [registry],
    }),
  };
}

export type EventMetrics = ReturnType<typeof createEventMetrics>;
