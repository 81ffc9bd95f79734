// Sharing the camera fleet between the processes on one database, through leases.
//
// Every cycle (lease period / 6) a process: heartbeats; renews the leases it holds; stops the
// cameras whose lease it lost; releases cameras no longer wanted (or beyond its fair share, so a
// new process gets work); claims free cameras up to its share (cameras wanted / live processes)
// and every camera whose lease expired (its holder died); makes its workers match the registry
// (start, restart on a new source or a restart request); and publishes its cameras' status.
//
// A camera is ingested by one process at a time: a worker starts only after its lease is won, and
// stops before the lease is given up; a process that cannot renew stops all its workers before its
// leases can expire (a margin under the lease, by its own monotonic clock).
//
// Timing: the lease period L is the promise "a dead process's cameras move within L". Leases are
// written for ttl = L - 2 cycles and renewed every cycle (L / 6); another process claims an expired
// lease at its next cycle, so a camera moves at most ttl + 1 cycle = L - 1 cycle after its holder died.
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from '../../../platform/log.js';
import type { CameraRow, CamerasTables } from '../cameras.repo.js';
import type { Supervisor } from './supervisor.js';
import type { CameraSource, CameraStatus } from './worker.js';

export interface FleetDeps {
  db: Kysely<CamerasTables>;
  supervisor: Supervisor;
  nodeId: string;
  leaseMs: number;
  log: Logger;
  sourceOf: (row: CameraRow) => CameraSource;
  /** How often statuses are published for other processes. */
  publishMs?: number;
}

export interface CycleResult {
  started: string[];
  stopped: string[];
  restarted: string[];
  unchanged: number;
}

export function createFleet(deps: FleetDeps) {
  const { db, supervisor, nodeId, leaseMs, log } = deps;
  const cycleMs = Math.max(150, Math.floor(leaseMs / 6));
  const ttlMs = leaseMs - 2 * cycleMs;
  const ttl = `${ttlMs} milliseconds`;
  const restartSeqs = new Map<string, number>();
  let lastRenewed = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let publisher: NodeJS.Timeout | undefined;
  let cycling: Promise<CycleResult> | undefined;
  let next: Promise<CycleResult> | undefined;
  let stopped = false;

  async function stopLocal(id: string, result: CycleResult): Promise<void> {
    if (await supervisor.stop(id)) result.stopped.push(id);
    restartSeqs.delete(id);
  }

  async function cycle(): Promise<CycleResult> {
    const result: CycleResult = { started: [], stopped: [], restarted: [], unchanged: 0 };
    try {
      await sql`insert into vigil_nodes (id, host, pid, heartbeat_at) values (${nodeId}, ${hostname()}, ${process.pid}, now())
                on conflict (id) do update set heartbeat_at = now()`.execute(db);
      const renewed = await sql<{ camera_id: string }>`
        update camera_leases set expires_at = now() + ${ttl}::interval
        where owner = ${nodeId} returning camera_id`.execute(db);
      lastRenewed = performance.now();
      const owned = new Set(renewed.rows.map((r) => r.camera_id));
      // Lost leases (taken over while this process was stalled): stop ingesting at once.
      for (const id of supervisor.ids()) if (!owned.has(id)) await stopLocal(id, result);

      const wanted = await db.selectFrom('cameras').selectAll().where('desired_running', '=', true).where('active', '=', true).execute();
      const wantedIds = new Set(wanted.map((r) => r.id));
      const live = await sql<{ n: number }>`
        select count(*)::int as n from vigil_nodes where heartbeat_at > now() - ${ttl}::interval`.execute(db);
      const share = Math.ceil(wanted.length / Math.max(1, live.rows[0]?.n ?? 1));

      // Give up what is no longer wanted, and what is beyond the fair share (worker first, then lease).
      const mine = [...owned].filter((id) => wantedIds.has(id)).sort();
      const excess = mine.length > share + 1 ? mine.slice(share) : [];
      const release = [...[...owned].filter((id) => !wantedIds.has(id)), ...excess];
      for (const id of release) await stopLocal(id, result);
      if (release.length > 0) {
        await db.deleteFrom('camera_leases').where('owner', '=', nodeId).where('camera_id', 'in', release).execute();
        await db.deleteFrom('camera_runtime').where('owner', '=', nodeId).where('camera_id', 'in', release).execute();
        for (const id of release) owned.delete(id);
      }

      // Claim: cameras whose holder died (expired lease) always; free ones up to the share.
      const room = Math.max(0, share - owned.size);
      const claimed = await sql<{ camera_id: string }>`
        with candidates as (
          (select c.id from cameras c join camera_leases l on l.camera_id = c.id
           where c.desired_running and c.active and l.expires_at <= now())
          union all
          (select c.id from cameras c
           where c.desired_running and c.active and not exists (select 1 from camera_leases l where l.camera_id = c.id)
           order by c.id limit ${room})
        )
        insert into camera_leases (camera_id, owner, expires_at)
        select id, ${nodeId}, now() + ${ttl}::interval from candidates
        on conflict (camera_id) do update set owner = excluded.owner, expires_at = excluded.expires_at, acquired_at = now()
          where camera_leases.expires_at <= now()
        returning camera_id`.execute(db);
      for (const row of claimed.rows) owned.add(row.camera_id);

      // Make the workers match: start, restart on a changed source or a restart request.
      for (const row of wanted) {
        if (!owned.has(row.id)) continue;
        const outcome = await supervisor.start(deps.sourceOf(row));
        const seq = restartSeqs.get(row.id);
        if (outcome === 'running' && seq !== undefined && seq !== row.restart_seq) {
          await supervisor.restart(deps.sourceOf(row));
          result.restarted.push(row.id);
        } else if (outcome === 'started') result.started.push(row.id);
        else if (outcome === 'restarted') result.restarted.push(row.id);
        else result.unchanged += 1;
        restartSeqs.set(row.id, row.restart_seq);
      }
    } catch (error) {
      log.warn({ err: error }, 'camera lease cycle failed');
      // Unable to renew for long enough that a lease might expire: stop everything, to never ingest twice.
      if (performance.now() - lastRenewed > ttlMs - cycleMs && supervisor.size() > 0) {
        log.error({ cameras: supervisor.size() }, 'could not renew camera leases; stopping this process’s cameras');
        for (const id of supervisor.ids()) await stopLocal(id, result);
      }
    }
    return result;
  }

  async function publish(): Promise<void> {
    const ids = supervisor.ids();
    if (ids.length === 0) return;
    const statuses = ids.map((id) => supervisor.status(id)).filter((s): s is CameraStatus => s !== undefined);
    await sql`
      insert into camera_runtime (camera_id, owner, status, updated_at)
      select s.id, ${nodeId}, s.status, now()
      from unnest(${sql.val(statuses.map((s) => s.cameraId))}::uuid[], ${sql.val(statuses.map((s) => JSON.stringify(s)))}::jsonb[]) as s(id, status)
      where exists (select 1 from cameras c where c.id = s.id)
      on conflict (camera_id) do update set owner = excluded.owner, status = excluded.status, updated_at = excluded.updated_at`.execute(db);
  }

  /** Runs a cycle now, or once right after the one under way (callers meanwhile share it); answers what it did. */
  function reconcile(): Promise<CycleResult> {
    if (!cycling) {
      cycling = cycle().finally(() => {
        cycling = undefined;
      });
      return cycling;
    }
    next ??= cycling.then(() => {
      next = undefined;
      return reconcile();
    });
    return next;
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
    /** Cameras in `state` here or, as published, on the other processes. */
    async idsInState(state: string): Promise<string[]> {
      const local = supervisor.ids().filter((id) => supervisor.status(id)?.state === state);
      const rows = await sql<{ camera_id: string }>`
        select r.camera_id from camera_runtime r
        join camera_leases l on l.camera_id = r.camera_id and l.owner = r.owner and l.expires_at > now()
        where r.owner <> ${nodeId} and r.status->>'state' = ${state}`.execute(db);
      return [...local, ...rows.rows.map((r) => r.camera_id)];
    },

    /** Statuses other processes published, for cameras not run here (fresh ones only). */
    async remoteStatuses(ids: readonly string[]): Promise<Map<string, CameraStatus>> {
      const remote = ids.filter((id) => supervisor.status(id) === undefined);
      if (remote.length === 0) return new Map();
      const rows = await sql<{ camera_id: string; status: CameraStatus | string }>`
        select r.camera_id, r.status from camera_runtime r
        join camera_leases l on l.camera_id = r.camera_id and l.owner = r.owner and l.expires_at > now()
        where r.camera_id = any(${sql.val(remote)}::uuid[]) and r.updated_at > now() - ${`${leaseMs} milliseconds`}::interval`.execute(db);
      return new Map(rows.rows.map((r) => [r.camera_id, typeof r.status === 'string' ? (JSON.parse(r.status) as CameraStatus) : r.status]));
    },
    async start(): Promise<void> {
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
      await cycling;
      await supervisor.stopAll();
      try {
        await db.deleteFrom('camera_runtime').where('owner', '=', nodeId).execute();
        await db.deleteFrom('camera_leases').where('owner', '=', nodeId).execute();
        await db.deleteFrom('vigil_nodes').where('id', '=', nodeId).execute();
      } catch (error) {
        log.warn({ err: error }, 'could not give up camera leases; they expire by themselves');
      }
    },
  };
}

export type Fleet = ReturnType<typeof createFleet>;
