// The cameras benchmark's fixed figures and its settings from the environment (BENCH_CAMERAS_*).
import path from 'node:path';

export const CAMERAS_SCENARIO = 'cameras';
export const ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;
export const BASE = '/api/v1/cameras';
export const ORG_UNIT = 'BENCH-CAMERAS';
export const FPS = 5;
/**
 * The default ramp; BENCH_CAMERAS_MAX cuts it (and is added as the last step when it is not on it).
 * Coarse steps and a bound of 3,000 keep the whole scenario within about 8 minutes on 2 cores: one
 * Vigil process sustained about 2,500 cameras there, and registering and starting the cameras one
 * call each costs time that grows with the square of N (each start runs a lease cycle over every
 * wanted camera).
 */
const DEFAULT_LADDER = [100, 250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000] as const;
const DEFAULT_MAX = 3000;
/** Connection attempts per second: high for the ramp, the default (what (4) checks) for the rest. */
export const RAMP_CONNECT_RATE = 200;
export const DEFAULT_CONNECT_RATE = 50;
/** What a ramp step must keep to "sustain" its cameras. */
export const SUSTAIN = { maxCpu: 1, minRunning: 0.99, minFrames: 0.95 } as const;
/** The goals (issue 14): detection, recovery whatever the outage, ingest cost. */
export const GOALS = { stallP99Ms: 2_000, recoveryP95Ms: 10_000, cpuPerFrameUs: 15, memoryPerCameraBytes: 64 * 1024 } as const;
/** The former default of VIGIL_CAMERA_BACKOFF_MAX_MS, which the recovery baseline runs with. */
export const FORMER_BACKOFF_MAX_MS = 60_000;
/** Injection spacing in the stall phase: not a multiple of the 250 ms watchdog or the 200 ms frame tick. */
export const STALL_SPACING_MS = 230;
/** A stall not declared within this long counts as missed (and as this long in the percentiles). */
export const STALL_GIVE_UP_MS = 15_000;
export const BATCH_WARMUP = 10;
/** Other work on the machine above this many cores gets a note in the report. */
export const OTHER_CPU_NOTE = 0.25;
/** Full collections, 2 s apart, before the idle baseline (see runRamp). */
export const IDLE_SETTLE_GCS = 8;
/** Simulator attempts are sampled this often in the drop phase; Vigil's metrics every METRICS_POLL_MS. */
export const SIM_SAMPLE_MS = 10;
export const METRICS_POLL_MS = 200;
/** HTTP requests in flight while registering and starting cameras. */
export const SETUP_CONCURRENCY = 16;

export interface CamerasSettings {
  /** Ramp steps: cameras running at each. */
  steps: number[];
  settleSeconds: number;
  windowSeconds: number;
  /** Ids per batch-status request (and cameras registered for phases 2-4). */
  batchCameras: number;
  batchSamples: number;
  detections: number;
  /** Cameras running in phases 2-4 (the drop and return). */
  dropCameras: number;
  /** When set, Vigil's children run with --cpu-prof into this directory. */
  profileDir: string | undefined;
  /** Outage lengths of (5), seconds, and cameras per outage. */
  outages: number[];
  outageCameras: number;
  /** Whether (5) also runs on a baseline Vigil with the former backoff cap. */
  recoveryBaseline: boolean;
  /** Cameras per mode (`slow`, `jitter`) and seconds of the false-alarm check. */
  falseAlarmCameras: number;
  falseAlarmSeconds: number;
  /** Camera counts of (6), rounds, and another checkout to measure as a baseline. */
  ingestSteps: number[];
  ingestRounds: number;
  baselineRoot: string | undefined;
}

function intList(env: NodeJS.ProcessEnv, name: string, fallback: number[], min: number, max: number): number[] {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const values = raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}: "${part}" is not an integer ${min}-${max}`);
    return value;
  });
  if (values.some((n, i) => i > 0 && n <= values[i - 1]!)) throw new Error(`${name} must rise, got "${raw}"`);
  return values;
}

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer ${min}-${max}, got "${raw}"`);
  return value;
}

/**
 * BENCH_CAMERAS_MAX (1500) caps the ramp; BENCH_CAMERAS_STEPS replaces it (comma-separated, rising);
 * BENCH_CAMERAS_SETTLE (5 s), BENCH_CAMERAS_WINDOW (10 s); BENCH_CAMERAS_BATCH (1000 ids) and
 * BENCH_CAMERAS_BATCH_SAMPLES (100); BENCH_CAMERAS_DETECTIONS (120); BENCH_CAMERAS_DROP (500);
 * BENCH_CAMERAS_PROFILE (a directory: profile Vigil); BENCH_CAMERAS_OUTAGES (2,30,300 s),
 * BENCH_CAMERAS_OUTAGE_CAMERAS (20), BENCH_CAMERAS_RECOVERY_BASELINE (1; 0 skips the baseline Vigil),
 * BENCH_CAMERAS_FALSE_ALARM_CAMERAS (20), BENCH_CAMERAS_FALSE_ALARM_SECONDS (30),
 * BENCH_CAMERAS_INGEST_STEPS (500,2500), BENCH_CAMERAS_INGEST_ROUNDS (1), BENCH_CAMERAS_BASELINE_ROOT
 * (another checkout whose ingest is measured too).
 */
export function readCamerasSettings(env: NodeJS.ProcessEnv): CamerasSettings {
  const max = intSetting(env, 'BENCH_CAMERAS_MAX', DEFAULT_MAX, 1, 20_000);
  let steps: number[] = [...DEFAULT_LADDER.filter((n) => n <= max)];
  if (steps.at(-1) !== max) steps.push(max);
  const rawSteps = env.BENCH_CAMERAS_STEPS?.trim();
  if (rawSteps) {
    steps = rawSteps.split(',').map((part) => {
      const value = Number(part.trim());
      if (!Number.isInteger(value) || value < 1 || value > 20_000)
        throw new Error(`BENCH_CAMERAS_STEPS: "${part}" is not an integer 1-20000`);
      return value;
    });
    if (steps.some((n, i) => i > 0 && n <= steps[i - 1]!)) throw new Error(`BENCH_CAMERAS_STEPS must rise, got "${rawSteps}"`);
  }
  const dropCameras = intSetting(env, 'BENCH_CAMERAS_DROP', 500, 1, 20_000);
  const detections = intSetting(env, 'BENCH_CAMERAS_DETECTIONS', 120, 1, 20_000);
  if (detections > dropCameras)
    throw new Error(`BENCH_CAMERAS_DETECTIONS (${detections}) must not exceed BENCH_CAMERAS_DROP (${dropCameras})`);
  const profile = env.BENCH_CAMERAS_PROFILE?.trim();
  const outages = intList(env, 'BENCH_CAMERAS_OUTAGES', [2, 30, 300], 1, 3_600);
  const outageCameras = intSetting(env, 'BENCH_CAMERAS_OUTAGE_CAMERAS', 20, 1, 1_000);
  const falseAlarmCameras = intSetting(env, 'BENCH_CAMERAS_FALSE_ALARM_CAMERAS', 20, 0, 1_000);
  const used = detections + outages.length * outageCameras + 2 * falseAlarmCameras;
  if (used > dropCameras)
    throw new Error(
      `BENCH_CAMERAS_DETECTIONS + outages × BENCH_CAMERAS_OUTAGE_CAMERAS + 2 × BENCH_CAMERAS_FALSE_ALARM_CAMERAS (${used}) must not exceed BENCH_CAMERAS_DROP (${dropCameras})`,
    );
  const baseline = env.BENCH_CAMERAS_BASELINE_ROOT?.trim();
  return {
    steps,
    settleSeconds: intSetting(env, 'BENCH_CAMERAS_SETTLE', 5, 0, 600),
    windowSeconds: intSetting(env, 'BENCH_CAMERAS_WINDOW', 10, 2, 600),
    batchCameras: intSetting(env, 'BENCH_CAMERAS_BATCH', 1000, 1, 1000),
    batchSamples: intSetting(env, 'BENCH_CAMERAS_BATCH_SAMPLES', 100, 1, 100_000),
    detections,
    dropCameras,
    profileDir: profile ? path.resolve(profile) : undefined,
    outages,
    outageCameras,
    recoveryBaseline: intSetting(env, 'BENCH_CAMERAS_RECOVERY_BASELINE', 1, 0, 1) === 1,
    falseAlarmCameras,
    falseAlarmSeconds: intSetting(env, 'BENCH_CAMERAS_FALSE_ALARM_SECONDS', 30, 1, 3_600),
    ingestSteps: intList(env, 'BENCH_CAMERAS_INGEST_STEPS', [500, 2500], 1, 20_000),
    ingestRounds: intSetting(env, 'BENCH_CAMERAS_INGEST_ROUNDS', 1, 0, 10),
    baselineRoot: baseline ? path.resolve(baseline) : undefined,
  };
}
