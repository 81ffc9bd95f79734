// Settings of the pk-read and mixed-load scenarios (BENCH_API_* and BENCH_MIXED_*, docs/benchmarks.md).
import { intSetting, numberSetting } from '../settings.js';

/** Units in the organization both scenarios generate (BENCH_API_UNITS, default 2000). */
export function apiLoadUnits(env: NodeJS.ProcessEnv): number {
  return intSetting(env, 'BENCH_API_UNITS', 2000, 5);
}

export interface MixedSettings {
  units: number;
  cameras: number;
  /** Seconds each trial rate runs. */
  trialSeconds: number;
  /** Seconds of load at the start rate before the search, per target, not counted. */
  warmupSeconds: number;
  /** The first rate tried (req/s). */
  startRate: number;
  maxRate: number;
  /** At most this many trials per target. */
  maxTrials: number;
  /** The search stops (both targets) once this many seconds have gone by. */
  budgetSeconds: number;
  /** A rate passes when p99 (from due time) stays below this and nothing fails. */
  p99Ms: number;
  /** Keep-alive connections the generator may open to a target. */
  connections: number;
  /** Redis for Vigil (REDIS_URL of the Vigil child); none: the scenario says so and runs without. */
  redisUrl: string | undefined;
  goal: { minRatio: number };
}

export function readMixedSettings(env: NodeJS.ProcessEnv): MixedSettings {
  return {
    units: apiLoadUnits(env),
    cameras: intSetting(env, 'BENCH_MIXED_CAMERAS', 50),
    trialSeconds: intSetting(env, 'BENCH_MIXED_TRIAL', 6),
    warmupSeconds: intSetting(env, 'BENCH_MIXED_WARMUP', 3, 0),
    startRate: intSetting(env, 'BENCH_MIXED_START_RATE', 50),
    maxRate: intSetting(env, 'BENCH_MIXED_MAX_RATE', 5000),
    maxTrials: intSetting(env, 'BENCH_MIXED_TRIALS', 8),
    budgetSeconds: intSetting(env, 'BENCH_MIXED_BUDGET', 240),
    p99Ms: numberSetting(env, 'BENCH_MIXED_P99_MS', 50, 1),
    connections: intSetting(env, 'BENCH_MIXED_CONNECTIONS', 64),
    redisUrl: env.BENCH_REDIS_URL || env.REDIS_URL || undefined,
    goal: { minRatio: 0.5 },
  };
}

/** BENCH_API_PROFILE: a directory; the Vigil child of pk-read and mixed-load runs with --cpu-prof into it. */
export function vigilNodeArgs(env: NodeJS.ProcessEnv): string[] | undefined {
  const dir = env.BENCH_API_PROFILE?.trim();
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : undefined;
}
