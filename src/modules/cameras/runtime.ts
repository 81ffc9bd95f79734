// The camera runtime of one process, built by the cameras module: the source guard, attempt gate,
// supervisor, fleet (leases), status history (the last hour, sampled every 10 s), event log, log
// retention, metrics and the camera service over them.
//
// createCameraRuntime builds everything and starts nothing: no timer, no subscription, no lease
// taken. `start` joins the fleet (after the server listens, so the other processes can reach this one);
// `stop` leaves it, workers first, then leases. The composition root only creates, starts and stops it.
//
// Auto-start is for the service starting, not for one more process joining a running fleet: a
// rolling restart must not undo an operator's stop.
import type { Audit } from '../../platform/audit.js';
import type { ViewAudit } from '../../platform/audit-views.js';
import type { Database } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import type { PubSub } from '../../platform/kv/kv.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import type { SecretBox } from '../../platform/secrets.js';
import { createCameraMetrics } from './cameras.metrics.js';
import { createCameraService } from './cameras.service.js';
import { createCameraCredentials } from './credentials.js';
import { createCameraEventLog, createCameraEventRetention } from './events.js';
import { createAttemptGate } from './runtime/attempt-gate.js';
import { createFleet, parseCameraChange } from './runtime/fleet.js';
import { createHistorySampler, createStatusHistory } from './runtime/history.js';
import { createSupervisor } from './runtime/supervisor.js';
import { createSourceGuard } from './source-guard.js';
import type { ProtectedEndpoint, Resolver } from './source-guard.js';
import { createNetworkRules } from './source-network.js';
import type { ScopePolicy } from '../auth/index.js';

/** Pub/sub channel: the camera registry changed; processes settle those cameras (or all) now. */
export const CAMERAS_CHANGED_CHANNEL = 'cameras.changed';

/** The camera settings of the configuration the runtime uses. */
export interface CameraRuntimeSettings {
  stallTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The backoff cap after a refusal that retrying will not fix soon; backoffMaxMs when not set. */
  backoffErrorMaxMs?: number;
  connectRate: number;
  connectTimeoutMs: number;
  leaseMs: number;
  logRetentionDays: number;
  autoStart: boolean;
  ffmpegPath: string;
  allowNetworks: string[];
  denyNetworks: string[];
}

export interface CameraRuntimeDeps {
  settings: CameraRuntimeSettings;
  log: Logger;
  metrics: Metrics;
  database: Database;
  /** Tells the other processes of changes to the registry, and hears theirs. */
  pubsub: PubSub;
  audit: Audit;
  /** Records views of cameras (status, logs, frames) once per viewer, camera and window. */
  views: Pick<ViewAudit, 'viewed'>;
  /** Which cameras a caller may see and act on (the units its grants reach). */
  policy: ScopePolicy;
  /** Seals camera credentials at rest (and opens them for the workers). */
  secrets: SecretBox;
  /** Whether an org unit exists (in force today or scheduled). */
  unitExists: (code: string) => Promise<boolean>;
  /** Vigil's own endpoints, which no camera source may reach (read at each connection). */
  endpoints: () => ProtectedEndpoint[];
  /** Resolves camera source host names (tests stub it); default dns.lookup with all: true. */
  resolve?: Resolver;
  /** Told of each state change of a camera this process runs (the alert evaluator looks at once). */
  onStateChange?: (cameraId: string, state: string) => void;
}

export function createCameraRuntime(deps: CameraRuntimeDeps) {
  const { settings, log, metrics, database, pubsub } = deps;
  const db = database.db;
  const guard = createSourceGuard({
    rules: createNetworkRules({ allow: settings.allowNetworks, deny: settings.denyNetworks }),
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
    endpoints: deps.endpoints,
  });
  // The gauge of states is read when scraped, from the supervisor and the fleet (made below, after the
  // metrics their hooks count into): the cameras this process runs, and (in one process of the fleet)
  // those no process runs.
  const cameraMetrics = createCameraMetrics(metrics.registry, () => {
    const counts = supervisor.countByState();
    for (const [state, n] of Object.entries(fleet.unrunCounts())) counts[state as keyof typeof counts] += n;
    return counts;
  });
  const ingested = cameraMetrics.ingested;
  const events = createCameraEventLog({ db, log, metrics: cameraMetrics });
  const gate = createAttemptGate({ perSecond: settings.connectRate, onAttempt: () => cameraMetrics.attempts.inc() });
  const supervisor = createSupervisor({
    log,
    gate,
    guard,
    onCrash(id, error, restartInMs) {
      cameraMetrics.crashes.inc();
      const message = error instanceof Error ? error.message : String(error);
      events.add({
        camera_id: id,
        level: 'error',
        kind: 'error',
        message: `the camera's worker crashed (${message}); restarting it in ${restartInMs} ms`,
        details: JSON.stringify({ error: { code: 'WORKER_CRASHED', message }, restartInMs }),
      });
    },
    settings: {
      stallTimeoutMs: settings.stallTimeoutMs,
      backoff: {
        baseMs: settings.backoffBaseMs,
        maxMs: settings.backoffMaxMs,
        ...(settings.backoffErrorMaxMs !== undefined ? { errorMaxMs: settings.backoffErrorMaxMs } : {}),
      },
      connectTimeoutMs: settings.connectTimeoutMs,
      fpsWindowMs: 5_000,
      maxFrameBytes: 8 * 1024 * 1024,
      ffmpegPath: settings.ffmpegPath,
    },
    hooks: {
      onState(id, state, previous, error) {
        deps.onStateChange?.(id, state);
        const level = state === 'error' ? 'error' : state === 'reconnecting' || state === 'degraded' ? 'warn' : 'info';
        log[level]({ cameraId: id, state, previous, ...(error ? { error } : {}) }, 'camera state changed');
        events.add({
          camera_id: id,
          level,
          kind: error ? 'error' : 'state',
          message: error ? `${previous} → ${state}: ${error.code} ${error.message}` : `${previous} → ${state}`,
          details: JSON.stringify({ state, previous, ...(error ? { error } : {}) }),
        });
      },
      // Counted in plain numbers on the ingest path, added to the counters when they are read.
      onFrame: () => {
        ingested.frames += 1;
      },
      onBytes: (_id, bytes) => {
        ingested.bytes += bytes;
      },
      onStall(id, kind, detectionMs) {
        cameraMetrics.stalls.inc({ kind });
        cameraMetrics.offlineDetection.observe(detectionMs / 1000);
        log.warn({ cameraId: id, kind, detectionMs }, 'camera stream stalled');
      },
      onReconnect: () => cameraMetrics.reconnects.inc(),
    },
  });
  // The last hour of each running camera's status, sampled every 10 s (the camera page's chart).
  const history = createStatusHistory();
  const sampler = createHistorySampler({ history, statuses: () => supervisor.statuses() });
  // One box seals credentials for the service and opens them for the fleet's workers.
  const credentials = createCameraCredentials(deps.secrets);
  const fleet = createFleet({
    db,
    supervisor,
    nodeId: uuidv7(),
    leaseMs: settings.leaseMs,
    log,
    sourceOf: (row) => credentials.sourceOf(row),
  });
  const cameras = createCameraService({
    db,
    audit: deps.audit,
    policy: deps.policy,
    credentials,
    supervisor,
    fleet,
    announce: (ids) => {
      pubsub
        .publish(CAMERAS_CHANGED_CHANNEL, JSON.stringify({ from: fleet.nodeId, ...(ids ? { ids } : {}) }))
        .catch((error: unknown) => log.warn({ err: error }, 'could not announce a camera change'));
    },
    metrics: cameraMetrics,
    log,
    unitExists: deps.unitExists,
    guard,
    views: deps.views,
    history,
  });
  const retention = createCameraEventRetention({ database, retentionDays: settings.logRetentionDays, log, metrics });
  /** The subscription to the other processes' changes, once asked for (not awaited: a shared store that is down does not hold up the start). */
  let subscription: Promise<() => Promise<void>> | undefined;

  return {
    cameras,
    fleet,
    retention,
    /** The camera network rules, which other outbound connections (alert notifications) follow too. */
    guard,

    /**
     * Starts the runtime: log retention, listening to the other processes' changes, auto-start (on a
     * cold start only), then joins the fleet. `advertiseUrl` is where the other processes reach this one.
     */
    async start(options: { advertiseUrl: string }): Promise<void> {
      retention.start();
      // Another process changed the registry: settle those cameras (or reconcile all) now rather than at the next cycle.
      subscription = pubsub.subscribe(CAMERAS_CHANGED_CHANNEL, (message) => {
        const change = parseCameraChange(message);
        if (change === undefined || change.from === fleet.nodeId) return;
        (change.ids ? fleet.settle(change.ids) : fleet.reconcile()).catch((error: unknown) =>
          log.warn({ err: error }, 'camera reconcile failed'),
        );
      });
      if (settings.autoStart) {
        const others = await fleet.othersAlive();
        if (others > 0) log.info({ processes: others }, 'joining a running camera fleet; auto-start is left to cold starts');
        else {
          const wanted = await cameras.autoStart();
          if (wanted > 0) log.info({ cameras: wanted }, 'auto-start cameras are wanted again');
        }
      }
      await fleet.start(options.advertiseUrl);
      sampler.start();
    },

    /** Stops listening, then the workers and the leases (others take over at once), the log and its retention. */
    async stop(): Promise<void> {
      if (subscription) await (await subscription)();
      subscription = undefined;
      sampler.stop();
      await fleet.stop();
      gate.close();
      await events.close();
      await retention.stop();
    },
  };
}

export type CameraRuntime = ReturnType<typeof createCameraRuntime>;
