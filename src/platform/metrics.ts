// Prometheus metrics. One registry per running service (the composition root makes it); modules
// add their own metrics to it. Labels carry route templates and enums, never raw ids.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from './db/database.js';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  httpActiveConnections: Gauge;
  cacheRequests: Counter<'cache' | 'result'>;
  redisUp: Gauge;
  /** Audit records written (`success`) or that failed and so failed the change they record, or left views unrecorded (`failure`). */
  auditWrites: Counter<'status'>;
  /** Views of audited resources (platform/audit-views.ts): recorded, deduplicated (already recorded within the window) or failed. */
  auditViews: Counter<'outcome'>;
  /** Writes to effective-dated data, by operation and outcome (success, rejected: 4xx, error: 5xx), counted from the HTTP answer. */
  temporalOperations: Counter<'operation' | 'status'>;
  /** Requests refused with 429 by the rate limiter, by route template. */
  rateLimited: Counter<'route'>;
  /** Rounds of singleton jobs (platform/jobs.ts), by job and outcome: ran, skipped (another process held its lock), idle (nothing to do), failed. */
  jobRuns: Counter<'job' | 'outcome'>;
  jobDuration: Histogram<'job'>;
  /** When each job last ran to the end in this process, as a Unix time. */
  jobLastSuccess: Gauge<'job'>;
  /** How long each step of this process's start took (main.ts: boot, database, migrations, …, total). */
  startupPhases: Gauge<'phase'>;
  /** Where the db pool gauges read from; set once the database exists. */
  setPoolStats(read: () => PoolStats | undefined): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // prom-client also exports these sums of its per-type gauges (nodejs_active_handles{type} …)
    // as gauges named `_total`, a suffix reserved for counters: `promtool check metrics` refuses them.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(name);
    }
  }

  let readPool: () => PoolStats | undefined = () => undefined;
  const pool = <L extends string>(name: string, help: string, labelNames: L[], set: (gauge: Gauge<L>, s: PoolStats) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const stats = readPool();
        if (stats) set(this, stats);
      },
    });
  // Named without `_total`: that suffix is for counters, and these are gauges (promtool checks it).
  pool(
    'db_pool_connections',
    'Open connections in the PostgreSQL pool, by state (idle, or used by a query or transaction).',
    ['state'],
    (g, s) => {
      g.set({ state: 'idle' }, s.idle);
      g.set({ state: 'used' }, s.total - s.idle);
    },
  );
  pool('db_pool_requests_waiting', 'Queries waiting for a PostgreSQL connection.', [], (g, s) => g.set(s.waiting));
  pool('db_pool_connections_max', 'Configured maximum of the PostgreSQL pool.', [], (g, s) => g.set(s.max));

  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    httpActiveConnections: new Gauge({
      name: 'http_active_connections',
      help: 'Open HTTP connections.',
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'cache_requests_total',
      help: 'Cache look-ups, by cache and result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers: [registry],
    }),
    redisUp: new Gauge({
      name: 'redis_up',
      help: '1 when Redis is configured and connected, 0 when configured and unreachable (absent when not configured).',
      registers: [registry],
    }),
    auditWrites: new Counter({
      name: 'audit_writes_total',
      help: 'Audit records written, by status (success, or failure: the change they record failed with them, or the views they record went unrecorded).',
      labelNames: ['status'],
      registers: [registry],
    }),
    auditViews: new Counter({
      name: 'audit_views_total',
      help: 'Views of audited resources (camera status, logs and frames, event snapshots), by outcome: recorded (an audit row written), deduplicated (already recorded for this viewer within VIGIL_AUDIT_VIEW_WINDOW_S), failed (the row could not be written; logged).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    temporalOperations: new Counter({
      name: 'temporal_operations_total',
      help: 'Writes to effective-dated data (org units), by operation and status (success, rejected, error).',
      labelNames: ['operation', 'status'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'http_rate_limited_total',
      help: 'Requests refused with 429 RATE_LIMITED, by route template.',
      labelNames: ['route'],
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'job_runs_total',
      help: 'Rounds of background jobs that run once across processes, by job and outcome (ran; skipped: another process held its lock; idle: nothing to do; failed).',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Time a round of a background job took, lock attempt included, by job.',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    jobLastSuccess: new Gauge({
      name: 'job_last_success_timestamp_seconds',
      help: 'When a background job last ran to the end in this process (Unix time), by job.',
      labelNames: ['job'],
      registers: [registry],
    }),
    startupPhases: new Gauge({
      name: 'startup_phase_seconds',
      help: "How long each step of this process's start took, in seconds, by phase (boot: from the process start to building the service; total: until serving).",
      labelNames: ['phase'],
      registers: [registry],
    }),
    setPoolStats(read) {
      readPool = read;
    },
  };
}
