// What `npm run bench` compares: pairs of targets answering the same request. A new comparison
// (anonymous vs. authenticated route, say) is a new target in targets.ts and an entry here.
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
];
