// The org-units latency benchmark: Vigil started in this process (real HTTP server on 127.0.0.1),
// an organization of N units × 5 versions generated with SQL, then sequential requests over one
// keep-alive connection: one unit as of a date, the whole tree as of that date, a version insert
// (re-cut and audit in one transaction), and the same tree read as one raw SQL query through the
// database connection Vigil uses. On real PostgreSQL (a fresh database, dropped afterwards) when a
// server is configured or answers on 127.0.0.1:5432, and always on PGlite in memory.
//
// The files: settings.ts (fixed figures, BENCH_ORG_*), result.ts (what is measured), data.ts (the
// generated organization), backends.ts (PostgreSQL database, Vigil in this process), measure.ts
// (one backend), report.ts (the printed report), tools.ts.
import { createPostgresDatabase, dropOnSignal, serverAnswers } from './backends.js';
import { measureBackend } from './measure.js';
import type { BackendResult, OrgUnitsResult } from './result.js';
import { describeUrl, INSERT_FROM, WARMUP } from './settings.js';
import type { OrgUnitsSettings } from './settings.js';

export { formatOrgUnits } from './report.js';
export type { BackendResult, GoalCheck, LatencyStats, OrgUnitsResult } from './result.js';
export { ORG_UNITS_SCENARIO, readOrgUnitsSettings } from './settings.js';
export type { OrgUnitsSettings } from './settings.js';

export async function runOrgUnits(settings: OrgUnitsSettings, progress: (line: string) => void): Promise<OrgUnitsResult> {
  const backends: BackendResult[] = [];
  const skipped: OrgUnitsResult['skipped'] = [];

  // PostgreSQL: a server named by BENCH_DATABASE_URL / DATABASE_URL must work; the default is tried.
  const { url: adminUrl, source } = settings.postgres;
  if (!settings.backends.includes('postgres')) {
    progress('PostgreSQL: not run (BENCH_ORG_BACKENDS)');
  } else if (source === 'default' && !(await serverAnswers(adminUrl))) {
    const detail = `nothing answered at ${describeUrl(adminUrl)}; set BENCH_DATABASE_URL to use a server`;
    skipped.push({ backend: 'postgres', reason: 'no server', detail });
    progress(`PostgreSQL: skipped (no server): ${detail}`);
  } else {
    const target = await createPostgresDatabase(adminUrl);
    const undoSignal = dropOnSignal(target);
    progress(`PostgreSQL: created database ${target.database} on ${describeUrl(adminUrl)} (from ${source})`);
    try {
      backends.push(await measureBackend('postgres', settings, target.url, target.database, progress));
    } finally {
      await target.drop();
      undoSignal();
      progress(`PostgreSQL: dropped database ${target.database}`);
    }
  }

  if (settings.backends.includes('pglite')) backends.push(await measureBackend('pglite', settings, undefined, undefined, progress));

  return {
    settings: {
      units: settings.units,
      samples: settings.samples,
      backends: settings.backends,
      asOf: settings.asOf,
      postgres: `${describeUrl(adminUrl)} (${source})`,
      insertDates: `random days from ${INSERT_FROM}, unique per unit`,
      warmup: WARMUP,
    },
    backends,
    skipped,
    ok: backends.every((b) => b.problems.length === 0),
  };
}
