// Sharing the camera fleet between the processes on one database, through leases.
//
// Every cycle (lease period / 6) a process: heartbeats; renews the leases it holds; stops the
// cameras whose lease it lost; releases cameras no longer wanted (or beyond its fair share, so a
// new process gets work); claims free cameras up to its share (cameras wanted / live processes)
// and every camera whose lease expired (its holder died); makes its workers match the registry
// (start, restart on a new source or a restart request); and publishes its cameras' status while
// other processes are alive to read it. A worker is touched only when its camera's source or restart
// count changed, so a cycle over thousands of unchanged cameras decrypts no credentials.
//
// A control call does not wait for a cycle: `settle(ids)` claims, starts, restarts or stops just
// those cameras here (one query and one upsert), and the other processes are told to settle them
// too, so the holder of a camera acts on it at once.
//
// A camera is ingested by one process at a time: a worker starts only after its lease is won, and
// stops before the lease is given up; a process that cannot renew stops all its workers before its
// leases can expire (a margin under the lease, by its own monotonic clock).
//
// Timing: the lease period L is the promise "a dead process's cameras move within L". Leases are
// written for ttl = L - 2 cycles and renewed every cycle (L / 6); another process claims an expired
// lease at its next cycle, so a camera moves at most ttl + 1 cycle = L - 1 cycle after its holder died.
//
// The statements (and what they guarantee: one holder per camera, leases by the database's clock)
// are in leases.repo.ts.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from '../../../platform/log.js';
import { isProcessAlive } from '../../../platform/processes.js';
import { leasesRepo } from './leases.repo.js';
import type { SourceRow, WantedRow } from './leases.repo.js';
import type { Supervisor } from './supervisor.js';
import type { CameraError, CameraFailure, CameraSource, CameraState, CameraStatus } from './worker.js';
import type { Schema } from '../../../platform/db/schema.js';

export type { SourceRow } from './leases.repo.js';

export interface FleetDeps {
  db: Kysely<Schema>;
  supervisor: Supervisor;
  nodeId: string;
  leaseMs: number;
  log: Logger;
  sourceOf: (row: SourceRow) => CameraSource;
  /** How often statuses are published for other processes (only while there are others). */
  publishMs?: number;
}

export interface CycleResult {
  started: string[];
  stopped: string[];
  restarted: string[];
  unchanged: number;
}

/** Cameras that no process runs, by the state their status shows. */
export type UnrunCounts = Record<Extract<CameraState, 'stopped' | 'deactivated' | 'starting'>, number>;
const noUnrun = (): UnrunCounts => ({ stopped: 0, deactivated: 0, starting: 0 });

/**
 * A status as another process published it. One of an earlier version (during a rolling upgrade)
 * has a `lastError` without its cause and count: the last failure stands for both.
 */
export function published(status: CameraStatus): CameraStatus {
  const error = status.lastError as (Partial<CameraError> & CameraFailure) | null;
  if (error === null || (error.cause !== undefined && error.failures !== undefined)) return status;
  const { code, message, at } = error;
  return { ...status, lastError: { code, message, at, cause: error.cause ?? { code, message, at }, failures: error.failures ?? 1 } };
}

const emptyResult = (): CycleResult => ({ started: [], stopped: [], restarted: [], unchanged: 0 });
/** What a worker was started from: a camera whose key and restart count are unchanged is left alone. */
const sourceKey = (row: SourceRow) =>
  `${row.source_type} ${row.expected_fps} ${row.frozen_detection} ${row.source_url} ${row.credentials_sealed ?? ''}`;

/** A message on the `cameras.changed` channel: `{from, ids?}` as JSON; anything else is ignored (undefined). */
export function parseCameraChange(message: string): { from: string; ids?: string[] } | undefined {
  try {
    const value: unknown = JSON.parse(message);
    if (typeof value !== 'object' || value === null) return undefined;
    const { from, ids } = value as { from?: unknown; ids?: unknown };
    if (typeof from !== 'string') return undefined;
    if (ids === undefined) return { from };
    return Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? { from, ids } : undefined;
  } catch {
    return undefined;
  }
}

export function createFleet(deps: FleetDeps) {
  const { db, supervisor, nodeId, leaseMs, log } = deps;
  const cycleMs = Math.max(150, Math.floor(leaseMs / 6));
  const ttlMs = leaseMs - 2 * cycleMs;
  /** Per camera run here: the source key and restart count its worker was started with. */
  const applied = new Map<string, { key: string; seq: number }>();
  let lastRenewed = performance.now();
  let liveNodes = 1;
  /** Whether this process counts the cameras no process runs (one process of the fleet does). */
  let countsUnrun = false;
  let unrun = noUnrun();
  /** Where the other processes reach this one (set by start). */
  let url: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let publisher: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Cycles and settles run one at a time, in order: both change the workers and the leases. */
  let tail: Promise<unknown> = Promise.resolve();
  let queuedCycle: Promise<CycleResult> | undefined;

  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  }

  async function stopLocal(id: string, result: CycleResult): Promise<void> {
    if (await supervisor.stop(id)) result.stopped.push(id);
    applied.delete(id);
  }

  /** Makes this process's worker match a camera it holds: start it, or restart it on a new source or a restart request. */
  async function apply(row: WantedRow, result: CycleResult): Promise<void> {
    const key = sourceKey(row);
    const before = applied.get(row.id);
    if (before && before.key === key && before.seq === row.restart_seq && supervisor.has(row.id)) {
      result.unchanged += 1;
      return;
    }
    const source = deps.sourceOf(row);
    const outcome = await supervisor.start(source);
    if (outcome === 'running' && before !== undefined && before.seq !== row.restart_seq) {
      await supervisor.restart(source);
      result.restarted.push(row.id);
    } else if (outcome === 'started') result.started.push(row.id);
    else if (outcome === 'restarted') result.restarted.push(row.id);
    else result.unchanged += 1;
    applied.set(row.id, { key, seq: row.restart_seq });
  }

  async function release(ids: readonly string[]): Promise<void> {
    await leasesRepo.release(db, nodeId, ids);
  }

  async function cycle(): Promise<CycleResult> {
    const result = emptyResult();
    if (stopped) return result;
    try {
      await leasesRepo.heartbeat(db, { id: nodeId, host: hostname(), pid: process.pid, url });
      const renewed = await leasesRepo.renew(db, nodeId, ttlMs);
      lastRenewed = performance.now();
      const owned = new Set(renewed);
      // Lost leases (taken over while this process was stalled): stop ingesting at once.
      for (const id of supervisor.ids()) if (!owned.has(id)) await stopLocal(id, result);

      const wanted = await leasesRepo.wanted(db);
      const wantedIds = new Set(wanted.map((r) => r.id));
      const live = await leasesRepo.liveNodes(db, ttlMs);
      liveNodes = Math.max(1, live.count);
      // The live process with the lowest id counts the cameras that no process runs.
      countsUnrun = (live.first ?? nodeId) === nodeId;
      const share = Math.ceil(wanted.length / liveNodes);

      // Give up what is no longer wanted, and what is beyond the fair share (worker first, then lease).
      const mine = [...owned].filter((id) => wantedIds.has(id)).sort();
      const excess = mine.length > share + 1 ? mine.slice(share) : [];
      const given = [...[...owned].filter((id) => !wantedIds.has(id)), ...excess];
      for (const id of given) await stopLocal(id, result);
      await release(given);
      for (const id of given) owned.delete(id);

      // Claim: cameras whose holder died (expired lease) always; free ones up to the share.
      const room = Math.max(0, share - owned.size);
      for (const id of await leasesRepo.claimFree(db, nodeId, ttlMs, room)) owned.add(id);

      for (const row of wanted) if (owned.has(row.id)) await apply(row, result);
    } catch (error) {
      log.warn({ err: error }, 'camera lease cycle failed');
      // Unable to renew for long enough that a lease might expire: stop everything, to never ingest twice.
      if (performance.now() - lastRenewed > ttlMs - cycleMs && supervisor.size() > 0) {
        log.error({ cameras: supervisor.size() }, 'could not renew camera leases; stopping this process’s cameras');
        for (const id of supervisor.ids()) await stopLocal(id, result);
      }
    }
    await countUnrun();
    return result;
  }

  /**
   * Counts, in the process that counts them, the cameras no process runs: stopped, deactivated, and
   * wanted but held by no live lease yet (their status says starting). Every other process counts
   * none, so that the `cameras{state}` gauge summed over the fleet counts each camera once.
   */
  async function countUnrun(): Promise<void> {
    if (!countsUnrun) {
      unrun = noUnrun();
      return;
    }
    try {
      unrun = await leasesRepo.countUnrun(db);
    } catch (error) {
      log.warn({ err: error }, 'could not count the cameras no process runs');
    }
  }

  /**
   * Acts on a few cameras now, after a control call: a wanted camera that is free, expired or already
   * held here is claimed and its worker made to match; one that is not wanted (or was deleted) is
   * stopped here and its lease given up. Cameras another live process holds are left to it (it is
   * told through pub/sub and settles them the same way). Costs a few rows, whatever the fleet's size.
   * The cameras are read here, in turn with the other settles and cycles, not taken from the caller:
   * two control calls on one camera can reach this queue in another order than they committed, and
   * only a read in turn acts on the latest.
   */
  async function settleNow(ids: readonly string[]): Promise<CycleResult> {
    const result = emptyResult();
    if (ids.length === 0 || stopped) return result;
    const unique = [...new Set(ids)];
    const wanted = await leasesRepo.wantedAmong(db, unique);
    const wantedIds = new Set(wanted.map((r) => r.id));
    const unwanted = unique.filter((id) => !wantedIds.has(id));
    for (const id of unwanted) await stopLocal(id, result);
    await release(unwanted);
    if (wanted.length === 0) return result;
    const mine = new Set(
      await leasesRepo.claimOrKeep(
        db,
        nodeId,
        ttlMs,
        wanted.map((r) => r.id),
      ),
    );
    for (const row of wanted) if (mine.has(row.id)) await apply(row, result);
    return result;
  }

  async function publish(): Promise<void> {
    // Statuses are for the other processes: alone (PGlite always is), there is no one to read them.
    if (liveNodes <= 1) return;
    const ids = supervisor.ids();
    if (ids.length === 0) return;
    const statuses = ids.map((id) => supervisor.status(id)).filter((s): s is CameraStatus => s !== undefined);
    await leasesRepo.publishStatuses(
      db,
      nodeId,
      statuses.map((s) => ({ cameraId: s.cameraId, status: s })),
    );
  }

  /** Runs a cycle after the work under way (callers that come before it begins share it); answers what it did. */
  function reconcile(): Promise<CycleResult> {
    if (queuedCycle) return queuedCycle;
    const run = exclusive(() => {
      queuedCycle = undefined;
      return cycle();
    });
    queuedCycle = run;
    return run;
  }

  /** Settles these cameras now (see settleNow); a failure is logged, and the next cycle converges. */
  function settle(ids: readonly string[]): Promise<CycleResult> {
    return exclusive(() => settleNow(ids)).catch((error: unknown) => {
      log.warn({ err: error, cameras: ids.length }, 'could not settle cameras now; the next lease cycle will');
      return emptyResult();
    });
  }

  function loop(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void reconcile().finally(loop);
    }, cycleMs);
    timer.unref();
  }

  return {
    nodeId,
    reconcile,
    settle,
    /** The cameras no process runs, as of the last lease cycle (zero in all but one process of the fleet). */
    unrunCounts: (): UnrunCounts => ({ ...unrun }),
    /** Cameras in `state` here or, as published, on the other processes. */
    async idsInState(state: string): Promise<string[]> {
      const local = supervisor.ids().filter((id) => supervisor.status(id)?.state === state);
      return [...local, ...(await leasesRepo.idsInStateElsewhere(db, nodeId, state))];
    },

    /** Statuses other processes published, for cameras not run here (fresh ones only). */
    async remoteStatuses(ids: readonly string[], executor: Kysely<Schema> = db): Promise<Map<string, CameraStatus>> {
      const remote = ids.filter((id) => supervisor.status(id) === undefined);
      if (remote.length === 0) return new Map();
      const rows = await leasesRepo.publishedStatuses(executor, remote, leaseMs);
      return new Map(
        rows.map((r) => [r.camera_id, published((typeof r.status === 'string' ? JSON.parse(r.status) : r.status) as CameraStatus)]),
      );
    },
    /**
     * The base URL of the live process that holds this camera, when it is not this one and said where
     * it is reached (undefined: held here, by nobody, or by a process that did not say).
     */
    async holderUrl(id: string): Promise<string | undefined> {
      return (await leasesRepo.holderUrl(db, id, nodeId)) ?? undefined;
    },

    /**
     * How many other processes are alive in the fleet: a heartbeat within the lease ttl, and not an
     * earlier run on this host that died (its pid is gone, or is this process's own pid).
     */
    async othersAlive(): Promise<number> {
      const rows = await leasesRepo.otherLiveNodes(db, nodeId, ttlMs);
      return rows.filter((row) => row.host !== hostname() || (row.pid !== process.pid && isProcessAlive(row.pid))).length;
    },

    /** Joins the fleet; `advertiseUrl` is where the other processes reach this one. */
    async start(advertiseUrl?: string): Promise<void> {
      url = advertiseUrl ?? null;
      await reconcile();
      loop();
      publisher = setInterval(() => {
        publish().catch((error: unknown) => log.warn({ err: error }, 'could not publish camera statuses'));
      }, deps.publishMs ?? 1_000);
      publisher.unref();
    },
    /** Stops the workers, then gives up the leases and leaves, so other processes take over at once. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (publisher) clearInterval(publisher);
      await tail;
      await supervisor.stopAll();
      try {
        await leasesRepo.leave(db, nodeId);
      } catch (error) {
        log.warn({ err: error }, 'could not give up camera leases; they expire by themselves');
      }
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
