// The cameras benchmark: one Vigil process ingesting simulated MJPEG cameras at 5 fps. Vigil and
// the camera simulator each run in a child process of their own (bench/cameras-child.ts), so that
// Vigil's CPU time and RSS are its own, without the simulator's or this process's (which only sends
// the HTTP requests, over loopback). Four measures, as the issue asks:
//
// 1. sustained cameras: a ramp of N (cameras added to the running ones at each step); per step
//    Vigil's CPU, RSS, event-loop delay, new frames/s against N × 5, cameras running and the p95 of
//    GET /cameras/{id}/status; the largest N that keeps CPU under one core, ≥ 99% of the cameras
//    running and ≥ 95% of the frames; memory per camera from the RSS;
// 2. POST /cameras/batch-status with 1,000 ids, p50/p95/p99;
// 3. stall detection: `stall` or `frozen` injected on one camera at a time (spaced), the time from
//    the camera's last new frame to its state change, p50/p95/p99/max, checked against /metrics;
// 4. drop and return: every running camera refused at once, then back; the time until all run
//    again and the peak connection attempts per second against the cap.
//
// (1) runs on a first Vigil with VIGIL_CAMERA_CONNECT_RATE=200 (so the ramp does not wait on the
// cap); (2)-(4) on a fresh Vigil with the default cap of 50, which (4) measures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { spawnBenchChild, stopChild } from './children.js';
import type { CameraChildMessage, CameraChildRequest, DatabaseSizes, ProcessUsage, SimulatorTotals } from './protocol.js';

export const CAMERAS_SCENARIO = 'cameras';

const CHILD_ENTRY = fileURLToPath(new URL('./cameras-child.ts', import.meta.url));
const ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;
const BASE = '/api/v1/cameras';
const ORG_UNIT = 'BENCH-CAMERAS';
const FPS = 5;
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
const RAMP_CONNECT_RATE = 200;
const DEFAULT_CONNECT_RATE = 50;
/** What a ramp step must keep to "sustain" its cameras. */
const SUSTAIN = { maxCpu: 1, minRunning: 0.99, minFrames: 0.95 } as const;
/** The issue's goals. */
const GOALS = { stallP99Ms: 5_000 } as const;
/** Injection spacing in the stall phase: not a multiple of the 250 ms watchdog or the 200 ms frame tick. */
const STALL_SPACING_MS = 230;
/** A stall not declared within this long counts as missed (and as this long in the percentiles). */
const STALL_GIVE_UP_MS = 15_000;
const BATCH_WARMUP = 10;
/** Other work on the machine above this many cores gets a note in the report. */
const OTHER_CPU_NOTE = 0.25;
/** Full collections, 2 s apart, before the idle baseline (see runRamp). */
const IDLE_SETTLE_GCS = 8;
/** Simulator attempts are sampled this often in the drop phase; Vigil's metrics every METRICS_POLL_MS. */
const SIM_SAMPLE_MS = 10;
const METRICS_POLL_MS = 200;
/** HTTP requests in flight while registering and starting cameras. */
const SETUP_CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------
// Settings and results

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
}

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
  loadAverage: { before: number; after: number; cpus: number };
  problems: string[];
  ok: boolean;
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
 * BENCH_CAMERAS_PROFILE (a directory: profile Vigil).
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
  return {
    steps,
    settleSeconds: intSetting(env, 'BENCH_CAMERAS_SETTLE', 5, 0, 600),
    windowSeconds: intSetting(env, 'BENCH_CAMERAS_WINDOW', 10, 2, 600),
    batchCameras: intSetting(env, 'BENCH_CAMERAS_BATCH', 1000, 1, 1000),
    batchSamples: intSetting(env, 'BENCH_CAMERAS_BATCH_SAMPLES', 100, 1, 100_000),
    detections,
    dropCameras,
    profileDir: profile ? path.resolve(profile) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Small tools

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
const round3 = (value: number) => Math.round(value * 1000) / 1000;
const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** Nearest-rank percentile of sorted values (the rule of histogram.ts and org-units.ts). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

function stats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: round3(percentile(sorted, 50)),
    p95: round3(percentile(sorted, 95)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted.at(-1) ?? 0),
    mean: round3(sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length)),
  };
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Runs `work` over the items with at most `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}

/** Polls `read` until `done` holds (answering what was read), or throws after `timeoutMs`. */
async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs: number,
): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/**
 * The shortest span (ms) over which `samples` ([time ms, running total]) grew by at least `count`
 * (null: never). With correct spacing, cap + 1 attempts need more than a second.
 */
function shortestSpan(samples: readonly (readonly [number, number])[], count: number): number | null {
  let best: number | null = null;
  for (let i = 0, j = 0; j < samples.length; j++) {
    while (i + 1 < j && samples[j]![1] - samples[i + 1]![1] >= count) i++;
    if (samples[j]![1] - samples[i]![1] >= count) {
      const span = samples[j]![0] - samples[i]![0];
      best = best === null ? span : Math.min(best, span);
    }
  }
  return best === null ? null : Math.round(best);
}

/** The most that `samples` ([time ms, running total]) grew within any span of at most `spanMs`. */
function peakWithin(samples: readonly (readonly [number, number])[], spanMs: number): number {
  let peak = 0;
  for (let i = 0, j = 0; j < samples.length; j++) {
    while (samples[j]![0] - samples[i]![0] > spanMs) i++;
    peak = Math.max(peak, samples[j]![1] - samples[i]![1]);
  }
  return peak;
}

interface Answer {
  status: number;
  body: string;
  /** From sending the request to the last byte of the body. */
  ms: number;
}

/** Keep-alive HTTP/1.1 to one loopback server, at most `maxSockets` requests in flight. */
function httpClient(baseUrl: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const base = new URL(baseUrl);
  let token: string | undefined;
  function send(method: 'GET' | 'POST', target: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path: target,
          headers: {
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
          );
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
  return {
    send,
    setToken(value: string) {
      token = value;
    },
    close: () => agent.destroy(),
  };
}
type HttpClient = ReturnType<typeof httpClient>;

/** Busy and total CPU time of the whole machine so far (seconds, summed over CPUs), from /proc/stat. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: busy / 100, total: (busy + idle + iowait) / 100 };
  } catch {
    return null;
  }
}

/** The series of a Prometheus text exposition, by name with labels as printed (`cameras{state="running"}`). */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Children

interface CameraChild {
  role: 'vigil' | 'simulator';
  pid: number;
  url: string;
  usage(resetLoopDelay?: boolean, gc?: boolean): Promise<ProcessUsage>;
  stats(): Promise<SimulatorTotals>;
  startSampling(intervalMs: number): Promise<void>;
  samples(): Promise<[number, number][]>;
  databaseSizes(): Promise<DatabaseSizes>;
  stop(): Promise<void>;
}

type Answerable = Exclude<CameraChildMessage, { type: 'ready' } | { type: 'failed' }>;
type RequestBody = CameraChildRequest extends infer R ? (R extends CameraChildRequest ? Omit<R, 'id'> : never) : never;

async function startCameraChild(
  role: 'vigil' | 'simulator',
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<CameraChild> {
  const child: ChildProcess = spawnBenchChild(CHILD_ENTRY, [role], { env, nodeArgs });
  const pending = new Map<number, { resolve: (message: Answerable) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exitedHow: string | undefined;
  child.on('message', (message: CameraChildMessage) => {
    if (message.type === 'ready' || message.type === 'failed') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    waiter?.resolve(message);
  });
  child.once('exit', (code, signal) => {
    exitedHow = signal ?? `code ${String(code)}`;
    for (const waiter of pending.values()) waiter.reject(new Error(`the ${role} process exited (${exitedHow})`));
    pending.clear();
  });

  function ask<T extends Answerable['type']>(request: RequestBody, type: T): Promise<Extract<Answerable, { type: T }>> {
    if (exitedHow !== undefined) return Promise.reject(new Error(`the ${role} process exited (${exitedHow})`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the ${role} process did not answer "${request.type}" within 15 s`));
      }, 15_000);
      pending.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          if (message.type === type) resolve(message as Extract<Answerable, { type: T }>);
          else reject(new Error(`the ${role} process answered "${message.type}" to "${request.type}"`));
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...request, id });
    });
  }

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`starting the ${role} process: no answer within 120 s`)), 120_000);
      child.on('message', (message: CameraChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.url);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`starting the ${role} process failed: ${message.message}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`starting the ${role} process: it exited (${signal ?? `code ${String(code)}`})`));
      });
    });
    if (child.pid === undefined) throw new Error(`starting the ${role} process: no pid`);
    return {
      role,
      pid: child.pid,
      url,
      usage: async (resetLoopDelay = false, gc = false) => (await ask({ type: 'usage', resetLoopDelay, gc }, 'usage')).usage,
      stats: async () => (await ask({ type: 'stats' }, 'stats')).stats,
      startSampling: async (intervalMs) => {
        await ask({ type: 'sample', intervalMs }, 'sampling');
      },
      samples: async () => (await ask({ type: 'samples' }, 'samples')).samples,
      databaseSizes: async () => (await ask({ type: 'db' }, 'db')).sizes,
      stop: () => stopChild(child, 15_000),
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Vigil in a child, on a data directory this process makes and removes (also when it exits on a signal). */
async function startVigilChild(connectRate: number, settings: CamerasSettings, progress: (line: string) => void) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-cameras-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  const cleanup = () => {
    process.off('exit', removeDataDir);
    removeDataDir();
  };
  try {
    const child = await startCameraChild(
      'vigil',
      {
        BENCH_CAMERAS_DATA_DIR: dataDir,
        BENCH_CAMERAS_CONNECT_RATE: String(connectRate),
        BENCH_CAMERAS_ADMIN_EMAIL: ADMIN.email,
        BENCH_CAMERAS_ADMIN_PASSWORD: ADMIN.password,
      },
      // --expose-gc: the live memory after each window is measured after a full collection.
      ['--expose-gc', ...(settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [])],
    );
    progress(
      `cameras: Vigil up at ${child.url} (pid ${child.pid}, VIGIL_CAMERA_CONNECT_RATE=${connectRate})` +
        (settings.profileDir ? `, profiling into ${settings.profileDir}` : ''),
    );
    return {
      child,
      async stop() {
        try {
          await child.stop();
        } finally {
          cleanup();
        }
      },
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Talking to Vigil

interface Status {
  cameraId: string;
  state: string;
  since: string;
  lastFrameAt: string | null;
  lastError: { code: string; message: string; at: string } | null;
}

interface LogEvent {
  at: string;
  kind: string;
  details: { state?: string; previous?: string } | null;
}

/** The API of one Vigil child, signed in as the bench admin; unexpected answers go to `problem`. */
function vigilApi(url: string, problem: (text: string) => void) {
  const client: HttpClient = httpClient(url, SETUP_CONCURRENCY);
  const metricsClient = httpClient(url, 1);

  async function json<T>(method: 'GET' | 'POST', target: string, body: unknown, expected: number, what: string): Promise<T> {
    const answer = await client.send(method, target, body);
    if (answer.status !== expected) {
      const text = `${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`;
      problem(text);
      throw new Error(text);
    }
    return JSON.parse(answer.body) as T;
  }

  return {
    client,
    async signIn(): Promise<void> {
      const { accessToken } = await json<{ accessToken?: string }>('POST', '/api/auth/login', ADMIN, 200, 'signing in');
      if (typeof accessToken !== 'string') throw new Error('signing in answered no accessToken');
      client.setToken(accessToken);
    },
    createUnit: () =>
      json(
        'POST',
        '/api/v1/organization-units',
        { code: ORG_UNIT, name: 'Camera benchmark', unitType: 'ORGANIZATION', effectiveDate: '2020-01-01' },
        201,
        'creating the org unit',
      ),
    async register(simUrl: string, camera: number): Promise<string> {
      const created = await json<{ id: string }>(
        'POST',
        BASE,
        { orgUnitCode: ORG_UNIT, name: `Bench camera ${camera}`, sourceUrl: `${simUrl}/cameras/${camera}/stream.mjpg`, expectedFps: FPS },
        201,
        `POST ${BASE} (camera ${camera})`,
      );
      return created.id;
    },
    start: (id: string) => json<Status>('POST', `${BASE}/${id}/start`, undefined, 200, `POST ${BASE}/{id}/start`),
    batchStatus: (ids: readonly string[]) =>
      json<{ items: Status[]; notFound: string[] }>('POST', `${BASE}/batch-status`, { cameraIds: ids }, 200, `POST ${BASE}/batch-status`),
    logs: (id: string, from: string) =>
      json<{ items: LogEvent[] }>(
        'GET',
        `${BASE}/${id}/logs?limit=50&from=${encodeURIComponent(from)}`,
        undefined,
        200,
        `GET ${BASE}/{id}/logs`,
      ),
    /** /metrics on its own connection, so that polling it never waits behind other requests. */
    async metrics(): Promise<Map<string, number>> {
      const answer = await metricsClient.send('GET', '/metrics');
      if (answer.status !== 200) {
        const text = `GET /metrics answered ${answer.status}: ${answer.body.slice(0, 300)}`;
        problem(text);
        throw new Error(text);
      }
      return parseMetrics(answer.body);
    },
    close() {
      client.close();
      metricsClient.close();
    },
  };
}
type VigilApi = ReturnType<typeof vigilApi>;

const running = (m: Map<string, number>) => m.get('cameras{state="running"}') ?? 0;
const degraded = (m: Map<string, number>) => m.get('cameras{state="degraded"}') ?? 0;

/** Registers cameras `from`..`to` (simulator numbers, 1-based) and answers their ids in order. */
async function registerCameras(api: VigilApi, simUrl: string, from: number, to: number): Promise<string[]> {
  const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const ids = new Array<string>(numbers.length);
  await pool(numbers, SETUP_CONCURRENCY, async (camera, index) => {
    ids[index] = await api.register(simUrl, camera);
  });
  return ids;
}

/** Starts the cameras (SETUP_CONCURRENCY calls in flight); answers each call's latency (ms). */
async function startCameras(api: VigilApi, ids: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  await pool(ids, SETUP_CONCURRENCY, async (id) => {
    const t0 = performance.now();
    await api.start(id);
    times.push(performance.now() - t0);
  });
  return times;
}

/** Polls /metrics until `count` cameras are running; answers the seconds it took, or null. */
async function waitRunning(api: VigilApi, count: number, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  const reached = await until(
    () => api.metrics(),
    (m) => running(m) >= count,
    timeoutMs,
    250,
  );
  return reached ? round2((performance.now() - started) / 1000) : null;
}

// ---------------------------------------------------------------------------------------------
// (1) One measured window

async function measureWindow(
  vigil: CameraChild,
  sim: CameraChild,
  api: VigilApi,
  ids: readonly string[],
  seconds: number,
  problem: (text: string) => void,
): Promise<WindowFigures> {
  const cameras = ids.length;
  const [vigil0, sim0, simStats0, metrics0] = await Promise.all([vigil.usage(true), sim.usage(), sim.stats(), api.metrics()]);
  const bench0 = process.cpuUsage();
  const machine0 = machineCpu();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;

  // Control-plane responsiveness: the status of a random camera, one request every 100 ms.
  const statusTimes: number[] = [];
  const probe = async () => {
    while (cameras > 0 && performance.now() < end) {
      const id = ids[Math.floor(Math.random() * cameras)]!;
      const answer = await api.client.send('GET', `${BASE}/${id}/status`);
      if (answer.status !== 200) problem(`GET ${BASE}/{id}/status answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      else statusTimes.push(answer.ms);
      await sleep(Math.max(0, 100 - answer.ms));
    }
  };
  // Once a second: RSS and the cameras' states.
  const rss: number[] = [];
  const heap: number[] = [];
  let runningMin = running(metrics0);
  let degradedMax = degraded(metrics0);
  const sample = async () => {
    for (let next = t0 + 1000; next < end; next += 1000) {
      await sleep(Math.max(0, next - performance.now()));
      const [usage, m] = await Promise.all([vigil.usage(), api.metrics()]);
      rss.push(usage.rssBytes);
      heap.push(usage.heapUsedBytes);
      runningMin = Math.min(runningMin, running(m));
      degradedMax = Math.max(degradedMax, degraded(m));
    }
  };
  await Promise.all([probe(), sample(), sleep(seconds * 1000)]);

  const [vigil1, sim1, simStats1, metrics1] = await Promise.all([vigil.usage(true), sim.usage(), sim.stats(), api.metrics()]);
  const bench1 = process.cpuUsage(bench0);
  const machine1 = machineCpu();
  const wallMicros = (performance.now() - t0) * 1000;
  const wallSeconds = wallMicros / 1e6;
  rss.push(vigil1.rssBytes);
  heap.push(vigil1.heapUsedBytes);
  runningMin = Math.min(runningMin, running(metrics1));
  degradedMax = Math.max(degradedMax, degraded(metrics1));
  const frames = (metrics1.get('camera_frames_total') ?? 0) - (metrics0.get('camera_frames_total') ?? 0);
  const collected = await vigil.usage(false, true);
  const database = await vigil.databaseSizes();
  if (!collected.afterGc) problem('the Vigil child could not collect garbage (no --expose-gc): the after-GC memory is not after GC');
  return {
    cameras,
    seconds: round2(wallSeconds),
    vigilCpu: round4((vigil1.cpuMicros - vigil0.cpuMicros) / wallMicros),
    vigilLoopDelayMs: vigil1.loopDelayMs,
    rssBytes: median(rss),
    heapUsedBytes: median(heap),
    afterGc: {
      rssBytes: collected.rssBytes,
      heapUsedBytes: collected.heapUsedBytes,
      externalBytes: collected.externalBytes,
      liveBytes: collected.heapUsedBytes + collected.externalBytes,
    },
    database,
    framesPerSecond: round1(frames / wallSeconds),
    expectedFramesPerSecond: cameras * FPS,
    simFramesPerSecond: round1((simStats1.framesSent - simStats0.framesSent) / wallSeconds),
    simSkippedPerSecond: round1((simStats1.framesSkipped - simStats0.framesSkipped) / wallSeconds),
    simCpu: round4((sim1.cpuMicros - sim0.cpuMicros) / wallMicros),
    benchCpu: round4((bench1.user + bench1.system) / wallMicros),
    otherCpu:
      machine0 && machine1
        ? round2(
            Math.max(
              0,
              (machine1.busy - machine0.busy) / wallSeconds -
                (vigil1.cpuMicros - vigil0.cpuMicros + sim1.cpuMicros - sim0.cpuMicros + bench1.user + bench1.system) / wallMicros,
            ),
          )
        : null,
    runningMin,
    runningEnd: running(metrics1),
    degradedMax,
    statusMs: stats(statusTimes),
    loadAverage: round2(os.loadavg()[0]!),
  };
}

function judge(step: WindowFigures): string[] {
  const reasons: string[] = [];
  if (step.vigilCpu >= SUSTAIN.maxCpu) reasons.push(`CPU ${Math.round(step.vigilCpu * 100)}% ≥ 100% of a core`);
  if (step.runningMin < SUSTAIN.minRunning * step.cameras)
    reasons.push(`${step.runningMin} of ${step.cameras} running at the lowest (< ${SUSTAIN.minRunning * 100}%)`);
  const frames = step.expectedFramesPerSecond > 0 ? step.framesPerSecond / step.expectedFramesPerSecond : 1;
  if (frames < SUSTAIN.minFrames) reasons.push(`${(frames * 100).toFixed(1)}% of the expected frames (< ${SUSTAIN.minFrames * 100}%)`);
  return reasons;
}

async function runRamp(sim: CameraChild, settings: CamerasSettings, problem: (text: string) => void, progress: (line: string) => void) {
  const vigil = await startVigilChild(RAMP_CONNECT_RATE, settings, progress);
  const api = vigilApi(vigil.child.url, problem);
  try {
    await api.signIn();
    await api.createUnit();
    // Start-up leaves a couple of hundred MB (PGlite's initialisation) that only goes after a few
    // collections some seconds apart, and RSS follows later: let it go before the idle baseline.
    for (let i = 0; i < IDLE_SETTLE_GCS; i++) {
      await vigil.child.usage(false, true);
      await sleep(2_000);
    }
    const idle = await measureWindow(vigil.child, sim, api, [], Math.min(5, settings.windowSeconds), problem);
    progress(`cameras: idle (no camera): Vigil CPU ${(idle.vigilCpu * 100).toFixed(1)}%, RSS ${(idle.rssBytes / 2 ** 20).toFixed(1)} MB`);
    const ids: string[] = [];
    const steps: RampStep[] = [];
    let stoppedBy = `the last step (${settings.steps.at(-1)!}; BENCH_CAMERAS_MAX)`;
    for (const n of settings.steps) {
      const t0 = performance.now();
      const added = await registerCameras(api, sim.url, ids.length + 1, n);
      const t1 = performance.now();
      const startCallMs = stats(await startCameras(api, added));
      ids.push(...added);
      const registerSeconds = round2((t1 - t0) / 1000);
      const startSeconds = round2((performance.now() - t1) / 1000);
      const toRunningSeconds = await waitRunning(api, n, 30_000 + (added.length / RAMP_CONNECT_RATE) * 2_000);
      progress(
        `cameras: ${n} cameras: +${added.length} registered in ${registerSeconds} s, started in ${startSeconds} s ` +
          `(start call p50 ${startCallMs.p50.toFixed(0)} ms, ${SETUP_CONCURRENCY} in flight), ` +
          (toRunningSeconds === null ? 'not all running in the time allowed' : `all running after ${toRunningSeconds} s`) +
          `; settling ${settings.settleSeconds} s, measuring ${settings.windowSeconds} s`,
      );
      await sleep(settings.settleSeconds * 1000);
      const window = await measureWindow(vigil.child, sim, api, ids, settings.windowSeconds, problem);
      const reasons = judge(window);
      if (toRunningSeconds === null) reasons.unshift('not all running within the time allowed');
      const step: RampStep = {
        ...window,
        registerSeconds,
        startSeconds,
        startCallMs,
        toRunningSeconds,
        sustained: reasons.length === 0,
        reasons,
      };
      steps.push(step);
      progress(
        `cameras: ${n} cameras: Vigil CPU ${(window.vigilCpu * 100).toFixed(1)}%, RSS ${(window.rssBytes / 2 ** 20).toFixed(1)} MB, ` +
          `frames ${window.framesPerSecond}/${window.expectedFramesPerSecond} per s, running ≥ ${window.runningMin}, ` +
          `status p95 ${window.statusMs.p95.toFixed(2)} ms, loop p99 ${window.vigilLoopDelayMs.p99} ms, sim CPU ${(window.simCpu * 100).toFixed(0)}%` +
          ` → ${step.sustained ? 'sustained' : `not sustained (${reasons.join('; ')})`}`,
      );
      if (!step.sustained) {
        stoppedBy = `the first step not sustained (${n})`;
        break;
      }
    }
    const best = [...steps].reverse().find((s) => s.sustained);
    return {
      idle,
      steps,
      largestSustained: best?.cameras ?? 0,
      memoryPerCameraBytes: best ? Math.round((best.rssBytes - idle.rssBytes) / best.cameras) : null,
      liveMemoryPerCameraBytes: best ? Math.round((best.afterGc.liveBytes - idle.afterGc.liveBytes) / best.cameras) : null,
      databaseGrowthBytes: best ? best.database.database - idle.database.database : null,
      netMemoryPerCameraBytes: best
        ? Math.round((best.afterGc.liveBytes - idle.afterGc.liveBytes - (best.database.database - idle.database.database)) / best.cameras)
        : null,
      slopePerCameraBytes:
        best && steps[0] && best.cameras > steps[0].cameras
          ? {
              rss: Math.round((best.rssBytes - steps[0].rssBytes) / (best.cameras - steps[0].cameras)),
              live: Math.round((best.afterGc.liveBytes - steps[0].afterGc.liveBytes) / (best.cameras - steps[0].cameras)),
            }
          : null,
      stoppedBy,
    };
  } finally {
    api.close();
    await vigil.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// (2)-(4) on a fresh Vigil with the default connection cap

function simClient(url: string) {
  const client = httpClient(url, 4);
  return {
    async fault(target: string, mode: string): Promise<void> {
      const answer = await client.send('POST', target, { mode });
      if (answer.status !== 200) throw new Error(`the simulator answered ${answer.status} to POST ${target}: ${answer.body}`);
    },
    close: () => client.close(),
  };
}

async function measureBatchStatus(api: VigilApi, ids: readonly string[], samples: number, problem: (text: string) => void) {
  let last: { items: Status[]; notFound: string[] } | undefined;
  const once = async () => {
    const answer = await api.client.send('POST', `${BASE}/batch-status`, { cameraIds: ids });
    if (answer.status !== 200) {
      problem(`POST ${BASE}/batch-status answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      return answer.ms;
    }
    last = JSON.parse(answer.body) as { items: Status[]; notFound: string[] };
    if (last.items.length !== ids.length || last.notFound.length > 0)
      problem(
        `POST ${BASE}/batch-status answered ${last.items.length} statuses and ${last.notFound.length} not found for ${ids.length} ids`,
      );
    return answer.ms;
  };
  for (let i = 0; i < BATCH_WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await once());
  const runningNow = last?.items.filter((s) => s.state === 'running').length ?? 0;
  return { ids: ids.length, running: runningNow, notRunning: ids.length - runningNow, latencyMs: stats(times) };
}

const DETECTION_BUCKETS = 'camera_offline_detection_seconds_bucket{le="';

function histogramDelta(before: Map<string, number>, after: Map<string, number>) {
  const buckets: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.startsWith(DETECTION_BUCKETS)) continue;
    buckets[key.slice(DETECTION_BUCKETS.length, -2)] = value - (before.get(key) ?? 0);
  }
  const count = (after.get('camera_offline_detection_seconds_count') ?? 0) - (before.get('camera_offline_detection_seconds_count') ?? 0);
  const sum = (after.get('camera_offline_detection_seconds_sum') ?? 0) - (before.get('camera_offline_detection_seconds_sum') ?? 0);
  // The smallest bucket bound holding 99% of the observations: the p99 is at most that.
  const bound = Object.entries(buckets)
    .map(([le, n]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), n] as const)
    .sort((a, b) => a[0] - b[0])
    .find(([, n]) => count > 0 && n >= 0.99 * count);
  return {
    count,
    meanSeconds: count > 0 ? round3(sum / count) : 0,
    p99AtMostSeconds: bound && Number.isFinite(bound[0]) ? bound[0] : null,
    buckets,
  };
}

async function measureStalls(api: VigilApi, sim: ReturnType<typeof simClient>, ids: readonly string[], count: number) {
  interface Pending {
    index: number;
    fault: 'stall' | 'frozen';
    injectedAt: number;
  }
  const pending = new Map<string, Pending>();
  const detections: (Detection & { id: string; injectedAt: number })[] = [];
  let injecting = true;
  const record = (id: string, p: Pending, status: Status | undefined) => {
    const declared = status ? Date.parse(status.since) : null;
    const lastFrame = status?.lastFrameAt ? Date.parse(status.lastFrameAt) : null;
    detections.push({
      id,
      injectedAt: p.injectedAt,
      camera: p.index + 1,
      fault: p.fault,
      code: status?.lastError?.code ?? null,
      lastFrameAt: status?.lastFrameAt ?? null,
      declaredAt: status?.since ?? null,
      declaredMs: declared !== null && lastFrame !== null ? declared - lastFrame : null,
      leftRunningMs: null,
      leftRunningTo: null,
      fromInjectionMs: declared !== null ? declared - p.injectedAt : null,
    });
  };

  const inject = async () => {
    for (let index = 0; index < count; index++) {
      const fault = index % 4 === 3 ? 'frozen' : 'stall';
      const injectedAt = Date.now();
      pending.set(ids[index]!, { index, fault, injectedAt });
      await sim.fault(`/cameras/${index + 1}/fault`, fault);
      await sleep(STALL_SPACING_MS);
    }
    injecting = false;
  };
  const poll = async () => {
    while (injecting || pending.size > 0) {
      await sleep(100);
      if (pending.size === 0) continue;
      const { items } = await api.batchStatus([...pending.keys()]);
      for (const status of items) {
        const p = pending.get(status.cameraId);
        if (!p) continue;
        const error = status.lastError;
        const declared =
          status.state !== 'running' &&
          status.state !== 'degraded' &&
          error !== null &&
          (error.code === 'STALLED' || error.code === 'FROZEN') &&
          Date.parse(error.at) >= p.injectedAt;
        if (declared) record(status.cameraId, p, status);
        else if (Date.now() - p.injectedAt > STALL_GIVE_UP_MS) record(status.cameraId, p, undefined);
        else continue;
        pending.delete(status.cameraId);
        await sim.fault(`/cameras/${p.index + 1}/fault`, 'none');
      }
    }
  };
  await Promise.all([inject(), poll()]);

  // When each camera first left `running` (degraded on the way, or straight to reconnecting): its log.
  await sleep(1_500); // the camera log is written in batches every 500 ms
  await pool(detections, 4, async (d) => {
    if (d.lastFrameAt === null) return;
    const { items } = await api.logs(d.id, new Date(d.injectedAt - 1_000).toISOString());
    const left = items
      .filter((e) => e.details?.previous === 'running' && Date.parse(e.at) >= d.injectedAt)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
    if (left) {
      d.leftRunningMs = Date.parse(left.at) - Date.parse(d.lastFrameAt);
      d.leftRunningTo = left.details?.state ?? null;
    }
  });
  return detections.sort((a, b) => a.camera - b.camera).map(({ id: _id, injectedAt: _at, ...d }) => d);
}

async function measureDropReturn(api: VigilApi, simChild: CameraChild, sim: ReturnType<typeof simClient>, cameras: number, cap: number) {
  const vigilSamples: [number, number][] = [];
  let latest = await api.metrics();
  let sampling = true;
  const sampleVigil = async () => {
    while (sampling) {
      const t = performance.now();
      latest = await api.metrics();
      vigilSamples.push([t, latest.get('camera_connect_attempts_total') ?? 0]);
      await sleep(Math.max(0, METRICS_POLL_MS - (performance.now() - t)));
    }
  };
  const simBefore = await simChild.stats();
  await simChild.startSampling(SIM_SAMPLE_MS);
  const sampler = sampleVigil();
  const waitFor = async (done: () => boolean, timeoutMs: number) => {
    const t0 = performance.now();
    while (!done()) {
      if (performance.now() - t0 > timeoutMs) return null;
      await sleep(50);
    }
    return round2((performance.now() - t0) / 1000);
  };
  let allDownSeconds: number | null = null;
  let recoverySeconds: number | null = null;
  try {
    const tDrop = performance.now();
    await sim.fault('/faults', 'refuse');
    const down = await waitFor(() => running(latest) === 0 && degraded(latest) === 0, 60_000);
    allDownSeconds = down === null ? null : round2((performance.now() - tDrop) / 1000);
    await sim.fault('/faults', 'none');
    recoverySeconds = await waitFor(() => running(latest) >= cameras, 180_000);
    await sleep(1_000); // a last second of samples
  } finally {
    sampling = false;
    await sampler;
  }
  const simSamples = await simChild.samples();
  const simAfter = await simChild.stats();
  const vigilAttempts = vigilSamples.length > 0 ? vigilSamples.at(-1)![1] - vigilSamples[0]![1] : 0;
  return {
    allDownSeconds,
    recoverySeconds,
    peakPerSecond: { simulator: peakWithin(simSamples, 1_000), vigil: peakWithin(vigilSamples, 1_000) },
    capPlusOneSpanMs: shortestSpan(simSamples, cap + 1),
    attempts: { simulator: simAfter.attempts - simBefore.attempts, vigil: vigilAttempts, refused: simAfter.refused - simBefore.refused },
  };
}

async function runFleet(sim: CameraChild, settings: CamerasSettings, problem: (text: string) => void, progress: (line: string) => void) {
  const vigil = await startVigilChild(DEFAULT_CONNECT_RATE, settings, progress);
  const api = vigilApi(vigil.child.url, problem);
  const faults = simClient(sim.url);
  try {
    await api.signIn();
    await api.createUnit();
    const registered = Math.max(settings.batchCameras, settings.dropCameras);
    let t0 = performance.now();
    const ids = await registerCameras(api, sim.url, 1, registered);
    const runningIds = ids.slice(0, settings.dropCameras);
    await startCameras(api, runningIds);
    progress(
      `cameras: registered ${registered} cameras and started ${runningIds.length} in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
        `(cap ${DEFAULT_CONNECT_RATE} connections/s)`,
    );
    const allowedMs = 60_000 + (runningIds.length / DEFAULT_CONNECT_RATE) * 2_000;
    if ((await waitRunning(api, runningIds.length, allowedMs)) === null)
      throw new Error(`not all ${runningIds.length} cameras were running within ${allowedMs / 1000} s`);
    await sleep(settings.settleSeconds * 1000);
    const [vigilAt, simAt] = [await vigil.child.usage(), await sim.usage()];
    const [benchAt, machineAt, wallAt] = [process.cpuUsage(), machineCpu(), performance.now()];

    // (2) batch-status
    progress(`cameras: batch-status with ${settings.batchCameras} ids (${BATCH_WARMUP} warm-up, ${settings.batchSamples} measured)`);
    const batchStatus = await measureBatchStatus(api, ids.slice(0, settings.batchCameras), settings.batchSamples, problem);
    progress(
      `cameras: batch-status p50 ${batchStatus.latencyMs.p50.toFixed(2)} ms, p95 ${batchStatus.latencyMs.p95.toFixed(2)} ms, ` +
        `p99 ${batchStatus.latencyMs.p99.toFixed(2)} ms (${batchStatus.running} running, ${batchStatus.notRunning} not)`,
    );

    // (3) stall detection
    progress(
      `cameras: stall detection: ${settings.detections} cameras, one every ${STALL_SPACING_MS} ms (every 4th frozen, the rest stalled), ` +
        `${runningIds.length} running`,
    );
    const before = await api.metrics();
    t0 = performance.now();
    const detections = await measureStalls(api, faults, runningIds, settings.detections);
    const histogram = histogramDelta(before, await api.metrics());
    const declaredValues = detections.map((d) => d.declaredMs ?? STALL_GIVE_UP_MS);
    const declared = stats(declaredValues);
    const missed = detections.filter((d) => d.declaredMs === null).length;
    const stallsResult = {
      detections,
      missed,
      declaredMs: declared,
      leftRunningMs: stats(detections.map((d) => d.leftRunningMs ?? d.declaredMs ?? STALL_GIVE_UP_MS)),
      byKind: {
        stall: stats(detections.filter((d) => d.fault === 'stall').map((d) => d.declaredMs ?? STALL_GIVE_UP_MS)),
        frozen: stats(detections.filter((d) => d.fault === 'frozen').map((d) => d.declaredMs ?? STALL_GIVE_UP_MS)),
      },
      viaDegraded: detections.filter((d) => d.leftRunningTo === 'degraded').length,
      histogram,
      goal: {
        p99LimitMs: GOALS.stallP99Ms,
        p99Ms: declared.p99,
        status: declared.p99 < GOALS.stallP99Ms && missed === 0 ? 'PASS' : 'FAIL',
      } as const,
    };
    const wrongKind = detections.filter((d) => d.code !== null && d.code !== (d.fault === 'frozen' ? 'FROZEN' : 'STALLED')).length;
    if (wrongKind > 0) progress(`cameras: note: ${wrongKind} detections reported another code than their fault's`);
    progress(
      `cameras: ${detections.length} detections in ${((performance.now() - t0) / 1000).toFixed(1)} s: p50 ${declared.p50} ms, ` +
        `p95 ${declared.p95} ms, p99 ${declared.p99} ms, max ${declared.max} ms, missed ${missed}`,
    );

    // (4) drop and return
    const back = await waitRunning(api, runningIds.length, 60_000);
    if (back === null) throw new Error(`after the stall phase, not all ${runningIds.length} cameras were running again within 60 s`);
    await sleep(Math.min(settings.settleSeconds, 3) * 1000);
    progress(`cameras: drop and return: ${runningIds.length} cameras refused at once, then back (cap ${DEFAULT_CONNECT_RATE}/s)`);
    const drop = await measureDropReturn(api, sim, faults, runningIds.length, DEFAULT_CONNECT_RATE);
    const dropReturn: CamerasResult['dropReturn'] = {
      cameras: runningIds.length,
      cap: DEFAULT_CONNECT_RATE,
      ...drop,
      goal: {
        status: drop.peakPerSecond.simulator <= DEFAULT_CONNECT_RATE && drop.peakPerSecond.vigil <= DEFAULT_CONNECT_RATE ? 'PASS' : 'FAIL',
      },
    };
    if (drop.recoverySeconds === null) problem(`after the drop, not all ${runningIds.length} cameras were running again within 180 s`);
    progress(
      `cameras: all down after ${drop.allDownSeconds ?? '-'} s; all running again ${drop.recoverySeconds ?? '-'} s after the return; ` +
        `peak attempts/s: simulator ${drop.peakPerSecond.simulator}, Vigil ${drop.peakPerSecond.vigil} (cap ${DEFAULT_CONNECT_RATE})`,
    );
    // Other work on the machine while (2)-(4) ran, as in the ramp's windows.
    const [vigilEnd, simEnd] = [await vigil.child.usage(), await sim.usage()];
    const [bench, machineEnd, seconds] = [process.cpuUsage(benchAt), machineCpu(), (performance.now() - wallAt) / 1000];
    const ours = (vigilEnd.cpuMicros - vigilAt.cpuMicros + simEnd.cpuMicros - simAt.cpuMicros + bench.user + bench.system) / 1e6;
    const otherCpu = machineAt && machineEnd ? round2(Math.max(0, (machineEnd.busy - machineAt.busy - ours) / seconds)) : null;
    return { batchStatus, stalls: stallsResult, dropReturn, otherCpu };
  } finally {
    faults.close();
    api.close();
    await vigil.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The scenario

export async function runCameras(settings: CamerasSettings, progress: (line: string) => void): Promise<CamerasResult> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20 && !problems.includes(text)) problems.push(text);
  };
  const loadAverageBefore = os.loadavg().map(round2);
  const simCount = Math.max(settings.steps.at(-1) ?? 0, settings.batchCameras, settings.dropCameras);
  const sim = await startCameraChild('simulator', { BENCH_CAMERAS_SIM_COUNT: String(simCount) });
  progress(`cameras: simulator up at ${sim.url} (pid ${sim.pid}, ${simCount} cameras, ${FPS} fps, 320×240)`);
  try {
    progress(`cameras: (1) ramp ${settings.steps.join(', ')} (stops at the first step not sustained)`);
    const ramp = await runRamp(sim, settings, problem, progress);
    await sleep(2_000); // the simulator lets go of the first Vigil's streams
    progress(
      `cameras: (2)-(4) ${Math.max(settings.batchCameras, settings.dropCameras)} cameras registered, ${settings.dropCameras} running`,
    );
    const fleet = await runFleet(sim, settings, problem, progress);
    const loadAverageAfter = os.loadavg().map(round2);
    return {
      settings: {
        ...settings,
        fps: FPS,
        frame: '320×240 JPEG, quality 60',
        rampConnectRate: RAMP_CONNECT_RATE,
        connectRate: DEFAULT_CONNECT_RATE,
        sustain: SUSTAIN,
      },
      environment: { cpus: os.cpus().length, loadAverageBefore, loadAverageAfter },
      ramp,
      ...fleet,
      loadAverage: { before: loadAverageBefore[0]!, after: loadAverageAfter[0]!, cpus: os.cpus().length },
      problems,
      ok: problems.length === 0,
    };
  } finally {
    await sim.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const thousands = new Intl.NumberFormat('en-US');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd(),
  );
}

function rampTable(result: CamerasResult): string[] {
  const header = [
    'cameras',
    'start p50 ms',
    'to running s',
    'Vigil CPU',
    'loop p99 ms',
    'RSS MB',
    'live MB',
    'db MB',
    'new frames/s (of N×5)',
    'sim sent/s',
    'running min',
    'degraded max',
    'status p95 ms',
    'sim CPU',
    'other CPU',
    'sustains',
  ];
  const row = (w: WindowFigures, step: RampStep | undefined) => [
    thousands.format(w.cameras),
    step ? step.startCallMs.p50.toFixed(0) : '-',
    step ? (step.toRunningSeconds === null ? 'timeout' : step.toRunningSeconds.toFixed(1)) : '-',
    pct(w.vigilCpu),
    w.vigilLoopDelayMs.p99.toFixed(1),
    mb(w.rssBytes),
    mb(w.afterGc.liveBytes),
    mb(w.database.database),
    w.expectedFramesPerSecond > 0
      ? `${thousands.format(Math.round(w.framesPerSecond))} / ${thousands.format(w.expectedFramesPerSecond)} (${((w.framesPerSecond / w.expectedFramesPerSecond) * 100).toFixed(1)}%)`
      : '-',
    w.expectedFramesPerSecond > 0 ? thousands.format(Math.round(w.simFramesPerSecond)) : '-',
    w.cameras > 0 ? `${thousands.format(w.runningMin)} (${((w.runningMin / w.cameras) * 100).toFixed(1)}%)` : '-',
    String(w.degradedMax),
    w.statusMs.samples > 0 ? w.statusMs.p95.toFixed(2) : '-',
    pct(w.simCpu),
    w.otherCpu === null ? '-' : `${w.otherCpu.toFixed(2)} cores`,
    step ? (step.sustained ? 'yes' : 'NO') : '-',
  ];
  return table(
    [header, row(result.ramp.idle, undefined), ...result.ramp.steps.map((s) => row(s, s))],
    [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false],
  );
}

export function formatCameras(result: CamerasResult): string {
  const s = result.settings;
  const { ramp, batchStatus, stalls, dropReturn } = result;
  const best = ramp.steps.find((step) => step.cameras === ramp.largestSustained);
  const failed = ramp.steps.find((step) => !step.sustained);
  const lines = [
    `${CAMERAS_SCENARIO}: one Vigil process (child, PGlite in memory, logger to /dev/null) ingesting simulated MJPEG cameras ` +
      `(${s.fps} fps, ${s.frame}) from a simulator in another child; requests from this process over 127.0.0.1`,
    `CPU = share of one core (process.cpuUsage of that process); RSS = Vigil's, median of 1 s samples; windows of ${s.windowSeconds} s ` +
      `after ${s.settleSeconds} s settling`,
    '',
    `(1) sustained cameras: ramp adding cameras to the running ones, VIGIL_CAMERA_CONNECT_RATE=${s.rampConnectRate}; a step sustains with ` +
      `Vigil CPU < 100%, ≥ ${s.sustain.minRunning * 100}% running (fewest seen), ≥ ${s.sustain.minFrames * 100}% of N×5 new frames/s`,
    '',
    ...rampTable(result).map((l) => `  ${l}`),
    '',
    `  largest sustained: ${thousands.format(ramp.largestSustained)} cameras (ramp ended at ${ramp.stoppedBy})`,
  ];
  if (failed) lines.push(`  ${thousands.format(failed.cameras)} cameras not sustained: ${failed.reasons.join('; ')}`);
  if (best && ramp.memoryPerCameraBytes !== null) {
    lines.push(
      `  memory per camera: (RSS ${mb(best.rssBytes)} MB at ${thousands.format(best.cameras)} − ${mb(ramp.idle.rssBytes)} MB idle) / ` +
        `${thousands.format(best.cameras)} = ${(ramp.memoryPerCameraBytes / 1024).toFixed(0)} KB`,
      `  live memory per camera, after a full GC: (heap ${mb(best.afterGc.heapUsedBytes)} + external ${mb(best.afterGc.externalBytes)} = ` +
        `${mb(best.afterGc.liveBytes)} MB − ${mb(ramp.idle.afterGc.liveBytes)} MB idle) / ${thousands.format(best.cameras)} = ` +
        `${((ramp.liveMemoryPerCameraBytes ?? 0) / 1024).toFixed(0)} KB (RSS after GC ${mb(best.afterGc.rssBytes)} MB vs. ${mb(ramp.idle.afterGc.rssBytes)} MB idle)`,
      `  of which the embedded database grew ${mb(ramp.idle.database.database)} → ${mb(best.database.database)} MB (camera_runtime ` +
        `${mb(best.database.camera_runtime)} MB, camera_leases ${mb(best.database.camera_leases)} MB, camera_events ` +
        `${mb(best.database.camera_events)} MB, audit_events ${mb(best.database.audit_events)} MB, cameras ${mb(best.database.cameras)} MB); ` +
        `net of it: ${((ramp.netMemoryPerCameraBytes ?? 0) / 1024).toFixed(0)} KB per camera`,
    );
    const first = ramp.steps[0];
    if (ramp.slopePerCameraBytes && first) {
      lines.push(
        `  slope from ${thousands.format(first.cameras)} to ${thousands.format(best.cameras)} cameras (no idle baseline): RSS ` +
          `${(ramp.slopePerCameraBytes.rss / 1024).toFixed(0)} KB, live ${(ramp.slopePerCameraBytes.live / 1024).toFixed(0)} KB per camera`,
      );
    }
  }
  lines.push(
    '  live MB: JS heap + external memory (Buffers, PGlite) after a full GC at the end of the window; db MB: pg_database_size of',
    '  the in-memory PGlite database, which lives in that memory; new frames/s can exceed N×5 by a frame tick or so: the',
    '  simulator sends every camera its frame at once, 5 times a second, and a window holds ±1 tick',
  );
  if (best) {
    lines.push(
      `  at ${thousands.format(best.cameras)}: Vigil CPU ${pct(best.vigilCpu)} (${((best.vigilCpu * 1e6) / Math.max(1, best.framesPerSecond)).toFixed(0)} µs per new frame), ` +
        `simulator CPU ${pct(best.simCpu)}, this process ${pct(best.benchCpu)}, frames skipped by the simulator ${best.simSkippedPerSecond}/s`,
    );
  }
  lines.push(
    '',
    `(2) POST /api/v1/cameras/batch-status with ${thousands.format(batchStatus.ids)} ids (${batchStatus.running} running, ` +
      `${batchStatus.notRunning} registered and not started; VIGIL_CAMERA_CONNECT_RATE=${s.connectRate}), sequential, after ${BATCH_WARMUP} warm-up`,
    '',
    ...table(
      [
        ['samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        [
          String(batchStatus.latencyMs.samples),
          batchStatus.latencyMs.p50.toFixed(2),
          batchStatus.latencyMs.p95.toFixed(2),
          batchStatus.latencyMs.p99.toFixed(2),
          batchStatus.latencyMs.max.toFixed(2),
        ],
      ],
      [true, true, true, true, true],
    ).map((l) => `  ${l}`),
    '',
    `(3) stall detection: ${stalls.detections.length} cameras of ${dropReturn.cameras} running, one every ${STALL_SPACING_MS} ms ` +
      `(${stalls.byKind.stall.samples} stall, ${stalls.byKind.frozen.samples} frozen); time from the camera's last new frame (lastFrameAt)`,
    '',
  );
  const stallRows = [
    ['measure', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'goal p99', 'status'],
    ...(
      [
        ['declared down: `since` of reconnecting (STALLED/FROZEN)', stalls.declaredMs, true],
        ['  of which stall', stalls.byKind.stall, false],
        ['  of which frozen', stalls.byKind.frozen, false],
        ['left running: first state change (camera log)', stalls.leftRunningMs, false],
      ] as const
    ).map(([label, st, goal]) => [
      label,
      String(st.samples),
      st.p50.toFixed(0),
      st.p95.toFixed(0),
      st.p99.toFixed(0),
      st.max.toFixed(0),
      goal ? `< ${stalls.goal.p99LimitMs} ms` : '-',
      goal ? stalls.goal.status : '-',
    ]),
  ];
  lines.push(...table(stallRows, [false, true, true, true, true, true, false, false]).map((l) => `  ${l}`), '');
  lines.push(
    `  ${stalls.viaDegraded} of ${stalls.detections.length} went running → degraded before reconnecting; missed (not declared within ` +
      `${STALL_GIVE_UP_MS / 1000} s): ${stalls.missed}`,
    `  camera_offline_detection_seconds over the phase: ${stalls.histogram.count} observations, mean ${stalls.histogram.meanSeconds} s, ` +
      `p99 ≤ ${stalls.histogram.p99AtMostSeconds ?? '-'} s (bucket bound)`,
    '',
    `(4) drop and return: ${dropReturn.cameras} running cameras refused at once (POST /faults {"mode":"refuse"}), back once all had left ` +
      `running ({"mode":"none"}); VIGIL_CAMERA_CONNECT_RATE=${dropReturn.cap}`,
    '',
    ...table(
      [
        ['measure', 'value', 'goal', 'status'],
        [
          'all left running after the drop',
          dropReturn.allDownSeconds === null ? 'timeout' : `${dropReturn.allDownSeconds.toFixed(2)} s`,
          '-',
          '-',
        ],
        [
          'all running again after the return',
          dropReturn.recoverySeconds === null ? 'timeout' : `${dropReturn.recoverySeconds.toFixed(2)} s`,
          `- (≥ ${dropReturn.cameras} × 1.1 s/${dropReturn.cap} = ${((dropReturn.cameras * 1.1) / dropReturn.cap).toFixed(0)} s by the cap)`,
          '-',
        ],
        [
          `peak attempts in any 1 s, simulator (${SIM_SAMPLE_MS} ms samples)`,
          String(dropReturn.peakPerSecond.simulator),
          `≤ ${dropReturn.cap}`,
          dropReturn.peakPerSecond.simulator <= dropReturn.cap ? 'PASS' : 'FAIL',
        ],
        [
          `peak attempts in any 1 s, camera_connect_attempts_total (${METRICS_POLL_MS} ms samples)`,
          String(dropReturn.peakPerSecond.vigil),
          `≤ ${dropReturn.cap}`,
          dropReturn.peakPerSecond.vigil <= dropReturn.cap ? 'PASS' : 'FAIL',
        ],
        [
          `shortest span with ${dropReturn.cap + 1} attempts at the simulator`,
          dropReturn.capPlusOneSpanMs === null ? 'never' : `${dropReturn.capPlusOneSpanMs} ms`,
          '-',
          '-',
        ],
        [
          'attempts over the episode: simulator / Vigil (refused)',
          `${thousands.format(dropReturn.attempts.simulator)} / ${thousands.format(dropReturn.attempts.vigil)} (${thousands.format(dropReturn.attempts.refused)})`,
          '-',
          '-',
        ],
      ],
      [false, true, false, false],
    ).map((l) => `  ${l}`),
  );
  if (dropReturn.peakPerSecond.simulator > dropReturn.cap && dropReturn.peakPerSecond.vigil <= dropReturn.cap) {
    lines.push(
      `  note: Vigil's own count (its gate admits at most ${dropReturn.cap} attempts in any 1.1 s, 1.1/${dropReturn.cap} s apart) stayed ` +
        `within the cap while the simulator saw more: requests arrive bunched when either event loop is late (${dropReturn.cap + 1} ` +
        `attempts in ${dropReturn.capPlusOneSpanMs ?? '-'} ms at the simulator).`,
    );
  }
  lines.push(
    '',
    `load average (1/5/15 min) at start: ${result.environment.loadAverageBefore.join(' / ')}, at end: ${result.environment.loadAverageAfter.join(' / ')} ` +
      `on ${result.environment.cpus} CPUs (the benchmark's own Vigil and simulator are part of it; per ramp step, 1 min: ` +
      `${ramp.steps.map((st) => st.loadAverage.toFixed(2)).join(', ')})`,
  );
  if (result.loadAverage.before > 0.5) lines.push('  note: the machine was not idle when the run started; other work skews these figures.');
  const busiest = Math.max(0, ...[ramp.idle, ...ramp.steps].map((w) => w.otherCpu ?? 0), result.otherCpu ?? 0);
  lines.push(
    `other work on the machine (all CPUs' busy time minus the benchmark's three processes): up to ${busiest.toFixed(2)} cores in the ` +
      `ramp's windows, ${result.otherCpu === null ? '-' : result.otherCpu.toFixed(2)} cores on average during (2)-(4)`,
  );
  if (busiest > OTHER_CPU_NOTE)
    lines.push(`  note: other work used more than ${OTHER_CPU_NOTE} of a core at times; the figures measured then are skewed.`);
  for (const text of result.problems) lines.push(`  FAILED: ${text}`);
  if (result.problems.length > 0) lines.push('  INVALID: unexpected answers, these figures measure something else');
  return lines.join('\n');
}
