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

/**
 * `treeRead` reads the tree as of D again and again (answered from the tree the process keeps, after
 * the first); `treeReadFirst` reads it as of another date each time, never asked before (read from
 * the database and written anew).
 */
export type MeasureName = 'unitRead' | 'subtreeRead' | 'treeRead' | 'treeReadFirst' | 'versionInsert' | 'rawTree';

export interface GoalCheck {
  measure: keyof typeof GOALS;
  /** The goal as the issue puts it, e.g. `< 75 ms, ≤ 1.2× raw SQL`. */
  goal: string;
  /** The p95 limit in this run: the tightest of the fixed limit and the limits relative to the references measured. */
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
  /** The departments read as subtrees: units per subtree as of `asOf` (each answer must hold exactly these). */
  subtreeSize: { min: number; mean: number; max: number };
  latencyMs: Record<MeasureName, LatencyStats>;
  /** CPU time of this process (Vigil and the client) per request, mean, ms. */
  cpuMs: Record<MeasureName, number>;
  /** API tree p95 / raw SQL tree p95. */
  treeOverheadRatio: number;
  /** API tree p95 on a date not asked before / raw SQL tree p95. */
  firstTreeOverheadRatio: number;
  /** Subtree read p95 / one-unit read p95. */
  subtreeToUnitRatio: number;
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
