// The org-units benchmark's fixed figures (dates, warm-up, goals) and its settings from the
// environment (BENCH_ORG_UNITS, BENCH_ORG_SAMPLES, the PostgreSQL server).

export const ORG_UNITS_SCENARIO = 'org-units';

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const BASE = '/api/v1/organization-units';
export const ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;
/** The date the reads ask for: versions 1 and 2 of the units are in force then, with some units moved. */
const AS_OF = '2022-07-01';
/** New versions start on random days in this range: after every generated version, and after AS_OF. */
export const INSERT_FROM = '2030-01-01';
export const INSERT_DAYS = 4018; // to 2040-12-31
/** Requests before measuring, not counted. */
export const WARMUP = { unit: 20, subtree: 20, tree: 3, insert: 10 } as const;
/**
 * The goals on PostgreSQL (p95), set for 10,000 units: a limit in ms, and for the tree reads
 * a limit relative to a reference measured in the same run (the raw query, the one-unit read).
 */
export const GOALS = {
  unitRead: { ms: 3 },
  subtreeRead: { timesUnitRead: 3 },
  treeRead: { ms: 75, timesRawTree: 1.2 },
  versionInsert: { ms: 20 },
} as const;
export const GOAL_UNITS = 10_000;
export const SEED = 20_240_601;

export interface OrgUnitsSettings {
  units: number;
  samples: { unit: number; subtree: number; tree: number; insert: number };
  asOf: string;
  /** The backends to run (BENCH_ORG_BACKENDS: `postgres`, `pglite`, or both, the default). */
  backends: ('postgres' | 'pglite')[];
  /** Where the PostgreSQL backend runs: a server URL and which variable named it, or the default to try. */
  postgres: { url: string; source: 'BENCH_DATABASE_URL' | 'DATABASE_URL' | 'default' };
}

function positiveInt(name: string, raw: string, min = 1): number {
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

/**
 * BENCH_ORG_UNITS (default 10000); BENCH_ORG_SAMPLES: one number n (unit reads, subtree reads and
 * inserts n, tree reads ⌈0.15·n⌉) or three, `unit,tree,insert` (subtree reads as many as unit
 * reads), or four, `unit,subtree,tree,insert` (default 200,200,30,200).
 */
export function readOrgUnitsSettings(env: NodeJS.ProcessEnv): OrgUnitsSettings {
  const unitsRaw = env.BENCH_ORG_UNITS;
  const units = unitsRaw === undefined || unitsRaw.trim() === '' ? 10_000 : positiveInt('BENCH_ORG_UNITS', unitsRaw, 5);
  let samples = { unit: 200, subtree: 200, tree: 30, insert: 200 };
  const samplesRaw = env.BENCH_ORG_SAMPLES?.trim();
  if (samplesRaw) {
    const parts = samplesRaw.split(',').map((p) => positiveInt('BENCH_ORG_SAMPLES', p));
    const [a, b, c, d] = parts as [number, number, number, number];
    if (parts.length === 1) samples = { unit: a, subtree: a, tree: Math.max(1, Math.ceil(a * 0.15)), insert: a };
    else if (parts.length === 3) samples = { unit: a, subtree: a, tree: b, insert: c };
    else if (parts.length === 4) samples = { unit: a, subtree: b, tree: c, insert: d };
    else
      throw new Error(
        `BENCH_ORG_SAMPLES must be one number, three (unit,tree,insert) or four (unit,subtree,tree,insert), got "${samplesRaw}"`,
      );
  }
  const postgres = env.BENCH_DATABASE_URL
    ? { url: env.BENCH_DATABASE_URL, source: 'BENCH_DATABASE_URL' as const }
    : env.DATABASE_URL
      ? { url: env.DATABASE_URL, source: 'DATABASE_URL' as const }
      : { url: DEFAULT_POSTGRES_URL, source: 'default' as const };
  const backendsRaw = env.BENCH_ORG_BACKENDS?.trim();
  const backends = backendsRaw ? backendsRaw.split(',').map((b) => b.trim()) : ['postgres', 'pglite'];
  for (const backend of backends) {
    if (backend !== 'postgres' && backend !== 'pglite')
      throw new Error(`BENCH_ORG_BACKENDS lists postgres and/or pglite, got "${backendsRaw}"`);
  }
  return { units, samples, backends: backends as OrgUnitsSettings['backends'], asOf: AS_OF, postgres };
}

/** host:port/database of a URL, without credentials (for the report and the JSON). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
