import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Database } from '../../platform/db/database.js';
import type { Health, HealthCheck } from '../../platform/health.js';
import { createHealth } from '../../platform/health.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import type { Kv } from '../../platform/kv/kv.js';
import { OpsErrors } from './ops.errors.js';
import type { MigrationRow, OpsRepo } from './ops.repo.js';

export interface OpsServiceDeps {
  service: string;
  version: string;
  startedAt: Date;
  database: Database;
  kv: Kv;
  redisConfigured: boolean;
  repo: OpsRepo;
  checkTimeoutMs: number;
  /** True once shutdown has begun: readiness turns 503 so load balancers drain this process. */
  isShuttingDown: () => boolean;
  /** Event-loop p99 above this degrades health. */
  eventLoopDegradedMs?: number;
}

function toMigration(row: MigrationRow) {
  return { version: row.version, name: row.name, checksum: row.checksum, appliedAt: row.applied_at.toISOString() };
}

const migrationCursor = cursorCodec('migrations', cursorShape({ v: cursorField.int4 }));

export function createOpsService(deps: OpsServiceDeps) {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const degradedMs = deps.eventLoopDegradedMs ?? 500;

  const checks: HealthCheck[] = [
    {
      name: 'database',
      critical: true,
      run: async () => {
        await deps.database.ping();
        return deps.database.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL';
      },
    },
    {
      name: 'eventLoop',
      critical: false,
      run: () => {
        const p99 = loop.percentile(99) / 1e6;
        loop.reset();
        if (p99 > degradedMs) return Promise.reject(new Error(`event loop delay p99 ${p99.toFixed(0)} ms`));
        return Promise.resolve(`delay p99 ${p99.toFixed(1)} ms`);
      },
    },
  ];
  if (deps.redisConfigured) {
    checks.push({
      name: 'redis',
      critical: false,
      run: async () => {
        await deps.kv.ping();
        return 'connected';
      },
    });
  }
  const health: Health = createHealth(checks, deps.checkTimeoutMs);

  const uptime = () => Math.round((Date.now() - deps.startedAt.getTime()) / 1000);

  return {
    async health() {
      const report = await health.report();
      return { service: deps.service, version: deps.version, timestamp: new Date().toISOString(), uptime: uptime(), ...report };
    },
    async readiness() {
      if (deps.isShuttingDown()) {
        return {
          status: 'unhealthy' as const,
          checks: [{ name: 'shutdown', status: 'unhealthy' as const, latencyMs: 0, message: 'shutting down' }],
        };
      }
      const report = await health.report((check) => check.critical);
      return { status: report.status, checks: report.checks };
    },
    info() {
      return {
        service: deps.service,
        version: deps.version,
        startedAt: deps.startedAt.toISOString(),
        uptime: uptime(),
        database: { kind: deps.database.kind },
        redis: deps.kv.status(),
      };
    },
    async listMigrations(limit: number, cursor: string | undefined) {
      const after = migrationCursor.decode(cursor)?.v;
      const rows = await deps.repo.listMigrations(after, limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { items: page.map(toMigration), nextCursor: rows.length > limit && last ? migrationCursor.encode({ v: last.version }) : null };
    },
    async getMigration(version: number) {
      const row = await deps.repo.findMigration(version);
      if (!row) throw OpsErrors.migrationNotFound(version);
      return toMigration(row);
    },
    close() {
      loop.disable();
    },
  };
}

export type OpsService = ReturnType<typeof createOpsService>;
