// What `npm run bench` compares: pairs of targets answering the same request. A new comparison
// is a new target in targets.ts (if needed) and an entry here; each entry carries its own goal.
import type { TargetName } from './targets.js';

export interface Goal {
  /** The candidate's requests/s must be at least this share of the baseline's. */
  minRatio: number;
  description: string;
}

export interface Scenario {
  name: string;
  description: string;
  baseline: TargetName;
  candidate: TargetName;
  goal: Goal;
  /** Whether both targets must answer the very same body (checked once before measuring). */
  sameBody: boolean;
  /**
   * 'postgres': both targets run on one fresh PostgreSQL database holding a generated organization
   * (api-load/database.ts), which the parent prepares before starting them and drops afterwards.
   */
  database?: 'postgres';
}

export const scenarios: Scenario[] = [
  {
    name: 'stack-overhead',
    description:
      'GET /api/v1/bench/hello: bare Fastify 5 (no logger) vs. the same route inside Vigil (request id, log line, metrics, error handling)',
    baseline: 'bare-fastify',
    candidate: 'vigil',
    goal: { minRatio: 0.8, description: '≥ 80% of bare Fastify' },
    sameBody: true,
  },
  {
    name: 'auth-overhead',
    description:
      'bare Fastify 5 (GET /api/v1/bench/hello, no logger) vs. the same answer from Vigil authenticated: bearer JWT, cameras:read, unit scope check',
    baseline: 'bare-fastify',
    candidate: 'vigil-authenticated',
    goal: { minRatio: 0.7, description: '≥ 70% of bare Fastify' },
    sameBody: true,
  },
  {
    name: 'pk-read',
    description:
      "GET /api/v1/organization-units/{code} on PostgreSQL: bare Fastify 5 running the repository's SQL on a pool like Vigil's vs. Vigil (bearer JWT of a unit-scoped user, org:read, unit scope check)",
    baseline: 'bare-org',
    candidate: 'vigil-org',
    goal: { minRatio: 0.7, description: '≥ 70% of bare Fastify on the same database' },
    sameBody: true,
    database: 'postgres',
  },
];
