// The alerts module's metrics, registered on the service's registry.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export function createAlertMetrics(registry: Registry, countActive: () => Promise<{ state: string; severity: string; n: number }[]>) {
  return {
    evaluations: new Counter({
      name: 'alert_rule_evaluations_total',
      help: 'Rule evaluations: one per rule and camera (or unit, for a site alert) judged in a round.',
      registers: [registry],
    }),
    rounds: new Histogram({
      name: 'alert_evaluation_duration_seconds',
      help: 'Time an evaluation round of every enabled rule took, reading facts and writing what moved.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    alerts: new Gauge({
      name: 'alerts',
      help: 'Active alerts by state (pending, firing) and severity, read from the database at each scrape.',
      labelNames: ['state', 'severity'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const state of ['pending', 'firing'])
          for (const severity of ['low', 'medium', 'high', 'critical']) this.set({ state, severity }, 0);
        try {
          for (const row of await countActive()) this.set({ state: row.state, severity: row.severity }, row.n);
        } catch {
          // A scrape while the database is down shows zeros; the health check says why.
        }
      },
    }),
    notifications: new Counter({
      name: 'notifications_total',
      help: 'Notifications by channel and result: delivered, failed (given up), silenced or inhibited (not sent).',
      labelNames: ['channel', 'result'],
      registers: [registry],
    }),
    dispatch: new Counter({
      name: 'outbox_dispatch_total',
      help: 'Outbox deliveries by result (delivered, retry, failed) and event type (firing, resolved, repeat, resend).',
      labelNames: ['result', 'event_type'],
      registers: [registry],
    }),
  };
}

export type AlertMetrics = ReturnType<typeof createAlertMetrics>;
