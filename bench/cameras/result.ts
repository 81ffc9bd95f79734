// What the cameras benchmark measures: the figures of each phase, as written to bench/results/latest.json.
import type { IngestRun } from './ingest.js';
import type { DatabaseSizes } from './protocol.js';
import type { FalseAlarmResult, OutageResult } from './recovery.js';
import type { CamerasSettings, SUSTAIN } from './settings.js';

export interface LatencyStats {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface WindowFigures {
  cameras: number;
  seconds: number;
  /** Vigil's CPU over the window, as a share of one core. */
  vigilCpu: number;
  vigilLoopDelayMs: { p50: number; p99: number; max: number };
  /** Median of one-second samples over the window. */
  rssBytes: number;
  heapUsedBytes: number;
  /**
   * At the end of the window, after a full garbage collection: RSS, the live JS heap, external memory
   * (Buffers, and PGlite's in-memory database and WASM heap), and their sum.
   */
  afterGc: { rssBytes: number; heapUsedBytes: number; externalBytes: number; liveBytes: number };
  /** The embedded database at the end of the window (it lives in Vigil's memory: PGlite, memory://). */
  database: DatabaseSizes;
  /** New frames Vigil counted (camera_frames_total) per second, and cameras × 5. */
  framesPerSecond: number;
  expectedFramesPerSecond: number;
  /** Frames the simulator wrote per second (and skipped because Vigil did not read fast enough). */
  simFramesPerSecond: number;
  simSkippedPerSecond: number;
  simCpu: number;
  /** This process (requests and bookkeeping), as a share of one core. */
  benchCpu: number;
  /**
   * CPU the rest of the machine used over the window (all CPUs' busy time from /proc/stat minus
   * Vigil's, the simulator's and this process's), in cores; null where /proc/stat is not readable.
   * Anything well above 0 means other work competed with the benchmark.
   */
  otherCpu: number | null;
  /** Cameras `running`: the fewest seen in one-second samples over the window, and at its end. */
  runningMin: number;
  runningEnd: number;
  degradedMax: number;
  /** GET /cameras/{id}/status of random running cameras, one every 100 ms. */
  statusMs: LatencyStats;
  loadAverage: number;
}

export interface RampStep extends WindowFigures {
  /** Registering and starting the cameras added at this step. */
  registerSeconds: number;
  /** Starting them (POST /cameras/{id}/start, 16 in flight), and each call's latency. */
  startSeconds: number;
  startCallMs: LatencyStats;
  /** From the last start call until all N were running (null: not within the time allowed). */
  toRunningSeconds: number | null;
  sustained: boolean;
  /** Why not, when not. */
  reasons: string[];
}

export interface Detection {
  camera: number;
  fault: 'stall' | 'frozen';
  /** lastError.code when the state changed to reconnecting: STALLED or FROZEN (null: missed). */
  code: string | null;
  lastFrameAt: string | null;
  /** `since` of the state the camera left running for, as the status reported it. */
  declaredAt: string | null;
  /** declaredAt − lastFrameAt. */
  declaredMs: number | null;
  /** From the camera's log: when its state first left `running` after the fault (degraded first, or not). */
  leftRunningMs: number | null;
  leftRunningTo: string | null;
  /** declaredAt − the time the fault was set on the simulator. */
  fromInjectionMs: number | null;
}

export interface CamerasResult {
  settings: CamerasSettings & { fps: number; frame: string; rampConnectRate: number; connectRate: number; sustain: typeof SUSTAIN };
  environment: { cpus: number; loadAverageBefore: number[]; loadAverageAfter: number[] };
  ramp: {
    idle: WindowFigures;
    steps: RampStep[];
    largestSustained: number;
    /** (RSS at the largest sustained N − RSS idle) / N. */
    memoryPerCameraBytes: number | null;
    /** The same with the live heap + external memory after a full GC (less noisy than RSS). */
    liveMemoryPerCameraBytes: number | null;
    /** How much the embedded database grew from idle to the largest sustained step (it is in Vigil's memory). */
    databaseGrowthBytes: number | null;
    /** (Live memory growth − database growth) / N: what the cameras hold outside the database. */
    netMemoryPerCameraBytes: number | null;
    /** Slopes from the first step to the largest sustained one, which do not lean on the idle baseline. */
    slopePerCameraBytes: { rss: number; live: number } | null;
    stoppedBy: string;
  };
  batchStatus: {
    ids: number;
    running: number;
    notRunning: number;
    latencyMs: LatencyStats;
  };
  stalls: {
    detections: Detection[];
    missed: number;
    declaredMs: LatencyStats;
    leftRunningMs: LatencyStats;
    byKind: { stall: LatencyStats; frozen: LatencyStats };
    viaDegraded: number;
    /** camera_offline_detection_seconds over the phase: count, mean, and the bucket holding the p99. */
    histogram: { count: number; meanSeconds: number; p99AtMostSeconds: number | null; buckets: Record<string, number> };
    goal: { p99LimitMs: number; p99Ms: number; status: 'PASS' | 'FAIL' };
  };
  /** Cores the rest of the machine used while (2)-(4) ran (null: no /proc/stat). */
  otherCpu: number | null;
  dropReturn: {
    cameras: number;
    cap: number;
    allDownSeconds: number | null;
    recoverySeconds: number | null;
    peakPerSecond: { simulator: number; vigil: number };
    /** The shortest span in which the simulator saw cap + 1 attempts (null: never); under 1 s exceeds the cap. */
    capPlusOneSpanMs: number | null;
    attempts: { simulator: number; vigil: number; refused: number };
    goal: { status: 'PASS' | 'FAIL' };
  };
  /** (5) Recovery after outages of each length (and on the baseline Vigil with the former cap), and false alarms. */
  recovery: {
    outages: OutageResult[];
    baseline: OutageResult[] | null;
    baselineBackoffMaxMs: number;
    falseAlarms: FalseAlarmResult[];
    goal: { p95LimitMs: number; status: 'PASS' | 'FAIL'; falseAlarmStatus: 'PASS' | 'FAIL' };
  };
  /** (6) The ingest alone: each run (candidate, and baseline when asked), and the goals checked on the candidate's. */
  ingest: {
    runs: IngestRun[];
    /** The candidate's figures at its last step, median over its rounds. */
    cpuPerFrameUs: number | null;
    memoryPerCameraBytes: number | null;
    goal: { cpuPerFrameUs: number; memoryPerCameraBytes: number; cpuStatus: 'PASS' | 'FAIL'; memoryStatus: 'PASS' | 'FAIL' };
  };
  loadAverage: { before: number; after: number; cpus: number };
  problems: string[];
  ok: boolean;
}
