// What the org-units benchmark measures, as written to bench/results/latest.json.
import type { Generated } from './data.js';
import type { GOALS, OrgUnitsSettings, WARMUP } from './settings.js';

export interface LatencyStats {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export type MeasureName = 'unitRead' | 'treeRead' | 'versionInsert' | 'rawTree';

export interface GoalCheck {
  measure: keyof typeof GOALS;
  limitMs: number;
  p95: number;
  status: 'PASS' | 'FAIL';
}

export interface BackendResult {
  backend: 'postgres' | 'pglite';
  /** `SELECT version()` of the backend. */
  serverVersion: string;
  /** The database created for the run (PostgreSQL only), dropped at the end. */
  database: string | undefined;
  generation: Generated;
  asOf: string;
  root: string;
  /** Units in the API's tree and rows of the raw query, as of `asOf` (each must be `units`). */
  treeSize: { api: number; raw: number };
  latencyMs: Record<MeasureName, LatencyStats>;
  /** API tree p95 / raw SQL tree p95. */
  treeOverheadRatio: number;
  /** PostgreSQL only: the goals. */
  goals: GoalCheck[];
  /** 1-minute load average of the machine when this backend started and ended (other work skews the figures). */
  loadAverage: { before: number; after: number; cpus: number };
  /** Unexpected answers: any makes the run INVALID (and the command exit 1). */
  problems: string[];
}

export interface OrgUnitsResult {
  settings: Omit<OrgUnitsSettings, 'postgres'> & { postgres: string; insertDates: string; warmup: typeof WARMUP };
  backends: BackendResult[];
  skipped: { backend: 'postgres'; reason: 'no server'; detail: string }[];
  ok: boolean;
}
