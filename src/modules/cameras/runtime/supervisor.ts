// The supervisor runs one worker per started camera in this process. A worker that throws is
// restarted (its error logged against the camera); a single watchdog timer checks every worker for
// stalls, so the cost does not grow with a timer per camera. The process never crashes for a camera.
//
// The watchdog ticks every 100 ms. A worker over its stall timeout is cut only after the event loop
// has read the sockets that were ready (setImmediate runs after the poll phase): a loop that was
// late must not cut a connection whose frame is already waiting to be read.
import type { Logger } from '../../../platform/log.js';
import { createSourceGuard } from '../source-guard.js';
import type { SourceGuard } from '../source-guard.js';
import type { AttemptGate } from './attempt-gate.js';
import { FramePool } from './frame-pool.js';
import type { CameraSource, CameraState, CameraStatus, RuntimeSettings, WorkerHooks } from './worker.js';
import { CAMERA_STATES, CameraWorker } from './worker.js';

export interface SupervisorDeps {
  settings: RuntimeSettings;
  gate: AttemptGate;
  /** The camera network rules every connection passes; default: the default rules, the system's resolver. */
  guard?: SourceGuard;
  hooks: Omit<WorkerHooks, 'gate' | 'guard'>;
  log: Logger;
  /** A worker threw (a bug, not the camera's fault); it is started again after `restartInMs`. */
  onCrash?: (id: string, error: unknown, restartInMs: number) => void;
  /** How often the watchdog looks for stalls; 100 ms by default. */
  watchdogMs?: number;
  /** Delay before the first restart of a crashed worker; it doubles per crash in a row, up to a minute. */
  crashRestartMs?: number;
}

const sameSource = (a: CameraSource, b: CameraSource) => JSON.stringify(a) === JSON.stringify(b);

export function createSupervisor(deps: SupervisorDeps) {
  const workers = new Map<string, CameraWorker>();
  // One pool of frame memory for every worker: one frame per camera, plus those in flight, whose
  // buffers it keeps up to one per camera (frame-pool.ts).
  const frames = new FramePool();
  const hooks: WorkerHooks = { frames, ...deps.hooks, gate: deps.gate, guard: deps.guard ?? createSourceGuard() };
  const sized = () => {
    frames.limit = Math.max(64, workers.size);
  };
  // The watchdog runs while workers may run: from the first one started until stopAll (a supervisor
  // built and never used holds no timer).
  let watchdog: NodeJS.Timeout | undefined;
  // The workers' clock, read once per tick rather than once per worker.
  const clock = hooks.now ?? Date.now;
  function watch(): void {
    if (watchdog) return;
    const tickMs = deps.watchdogMs ?? 100;
    let ticks = 0;
    watchdog = setInterval(() => {
      // Stalls at every tick; running or degraded about once a second (it is judged over 5 s).
      const judgeRate = (ticks = (ticks + 1) % Math.max(1, Math.round(1_000 / tickMs))) === 0;
      let overdue: CameraWorker[] | undefined;
      const now = clock();
      for (const worker of workers.values()) if (worker.checkStall(judgeRate, now)) (overdue ??= []).push(worker);
      if (overdue !== undefined) {
        const cut = overdue;
        setImmediate(() => {
          for (const worker of cut) worker.cutIfStalled();
        });
      }
    }, tickMs);
    watchdog.unref();
  }

  /** Starts a worker; `crashes` counts the crashes in a row before it (the restart delay doubles with each). */
  function launch(source: CameraSource, crashes = 0): CameraWorker {
    watch();
    const worker = new CameraWorker(source, deps.settings, hooks);
    const launchedAt = performance.now();
    workers.set(source.id, worker);
    sized();
    worker.start().catch((error: unknown) => {
      // A bug in a worker, not a camera's fault: log it against the camera and start it again. A
      // worker that ran for a minute before crashing starts a new series.
      const series = performance.now() - launchedAt > 60_000 ? 1 : crashes + 1;
      const restartInMs = Math.min(60_000, (deps.crashRestartMs ?? 1_000) * 2 ** (series - 1));
      deps.log.error({ err: error, cameraId: source.id, restartInMs }, 'camera worker crashed; restarting it');
      deps.onCrash?.(source.id, error, restartInMs);
      if (workers.get(source.id) !== worker) return;
      setTimeout(() => {
        if (workers.get(source.id) === worker) launch(source, series);
      }, restartInMs).unref();
    });
    return worker;
  }

  return {
    /** Starts a camera; a running one keeps running (or restarts, when its source changed). */
    async start(source: CameraSource): Promise<'started' | 'running' | 'restarted'> {
      const current = workers.get(source.id);
      if (current && sameSource(current.source, source)) return 'running';
      if (current) {
        workers.delete(source.id);
        await current.stop();
        launch(source);
        return 'restarted';
      }
      launch(source);
      return 'started';
    },

    async stop(id: string): Promise<boolean> {
      const worker = workers.get(id);
      if (!worker) return false;
      workers.delete(id);
      sized();
      await worker.stop();
      return true;
    },

    /**
     * Restarts a camera. One that is waiting out a backoff on the same source tries again at once
     * instead ('retried'), keeping its status: its reconnects and the cause of its outage.
     */
    async restart(source: CameraSource): Promise<'retried' | 'restarted'> {
      const worker = workers.get(source.id);
      if (worker && sameSource(worker.source, source) && worker.retryNow()) return 'retried';
      if (worker) {
        workers.delete(source.id);
        await worker.stop();
      }
      launch(source);
      return 'restarted';
    },

    has: (id: string): boolean => workers.has(id),
    status: (id: string): CameraStatus | undefined => workers.get(id)?.status(),
    source: (id: string): CameraSource | undefined => workers.get(id)?.source,
    latestFrame: (id: string): Buffer | null => workers.get(id)?.latestFrame() ?? null,
    ids: () => [...workers.keys()],
    /** The status of every camera run here. */
    *statuses(): Iterable<CameraStatus> {
      for (const worker of workers.values()) yield worker.status();
    },
    size: () => workers.size,

    countByState(): Record<CameraState, number> {
      const counts = Object.fromEntries(CAMERA_STATES.map((s) => [s, 0])) as Record<CameraState, number>;
      for (const worker of workers.values()) counts[worker.state] += 1;
      return counts;
    },

    async stopAll(): Promise<void> {
      clearInterval(watchdog);
      watchdog = undefined;
      const all = [...workers.values()];
      workers.clear();
      await Promise.all(all.map((w) => w.stop()));
    },
  };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
