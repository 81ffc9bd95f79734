// Cameras: the registry (each write audited in its transaction) and the control of their runtime in
// this process. Credentials are sealed (credentials.ts) and never leave the service.
import type { Kysely } from 'kysely';
import type { Actor, Audit } from '../../platform/audit.js';
import type { ViewAudit } from '../../platform/audit-views.js';
import { byActor } from '../../platform/audit.js';
import { AppError } from '../../platform/errors.js';
import type { Permission, Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { UUID_PATTERN, uuidv7 } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { CameraErrors } from './cameras.errors.js';
import type { CameraMetrics } from './cameras.metrics.js';
import type { CameraEventRow, CameraRow } from './cameras.repo.js';
import { camerasRepo } from './cameras.repo.js';
import type { CameraCredentials, Credentials } from './credentials.js';
import type { Fleet } from './runtime/fleet.js';
import type { HistorySample, StatusHistory } from './runtime/history.js';
import type { SourceGuard } from './source-guard.js';
import type { Supervisor } from './runtime/supervisor.js';
import type { CameraState, CameraStatus } from './runtime/worker.js';
import { frozenDetectionOf } from './runtime/worker.js';
import { checkSource } from './source.js';
import type { SourceType } from './source.js';
import type { Schema } from '../../platform/db/schema.js';
import type { ScopePolicy } from '../auth/index.js';

/**
 * Who asks: the principal, whose grants decide which cameras it may see and act on (the scope
 * policy: its reach in today's tree), and the actor the audit trail records.
 */
export interface CameraCaller {
  principal: Principal;
  actor: Actor;
}

export interface Camera {
  id: string;
  orgUnitCode: string;
  name: string;
  sourceUrl: string;
  sourceType: SourceType;
  expectedFps: number;
  /** In effect: the camera's own setting, else the default for its source type. */
  frozenDetection: boolean;
  hasCredentials: boolean;
  labels: string[];
  active: boolean;
  autoStart: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export type { Credentials } from './credentials.js';

export interface NewCamera {
  orgUnitCode: string;
  name: string;
  sourceUrl: string;
  sourceType?: SourceType;
  expectedFps?: number;
  /** Null or absent: the default for the source type (on for streams, off for snapshots). */
  frozenDetection?: boolean | null;
  credentials?: Credentials | null;
  labels?: string[];
  active?: boolean;
  autoStart?: boolean;
}

export type CameraPatch = Partial<Omit<NewCamera, 'active' | 'autoStart'>>;

/** Marks a snapshot request forwarded from another process, which the holder answers itself. */
export const FORWARDED_HEADER = 'x-vigil-forwarded';

/** The status of a camera that no process runs: deactivated, stopped, or wanted but not picked up yet (starting). */
export function idleStatus(row: CameraRow): CameraStatus {
  return {
    cameraId: row.id,
    state: !row.active ? 'deactivated' : row.desired_running ? 'starting' : 'stopped',
    since: row.updated_at.toISOString(),
    fps: 0,
    bytesPerSecond: 0,
    lastFrameAt: null,
    reconnects: 0,
    lastError: null,
    frameWidth: null,
    frameHeight: null,
  };
}
const HOLDER_TIMEOUT_MS = 3_000;

export interface RefreshResult {
  started: string[];
  stopped: string[];
  restarted: string[];
  unchanged: number;
}

const cameraCursor = cursorCodec('cameras', cursorShape({ i: cursorField.uuid }));
const logCursor = cursorCodec('camera logs', cursorShape({ at: cursorField.instant, id: cursorField.uuid }));

export function toCamera(row: CameraRow): Camera {
  return {
    id: row.id,
    orgUnitCode: row.org_unit_code,
    name: row.name,
    sourceUrl: row.source_url,
    sourceType: row.source_type,
    expectedFps: Number(row.expected_fps),
    frozenDetection: frozenDetectionOf({ sourceType: row.source_type, frozenDetection: row.frozen_detection ?? undefined }),
    hasCredentials: row.credentials_sealed !== null,
    labels: row.labels,
    active: row.active,
    autoStart: row.auto_start,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface CameraServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  /** Which cameras a caller may see and act on: those of the units its grants reach. */
  policy: ScopePolicy;
  /** Seals the credentials registered (and opens them for the fleet's workers: the same box). */
  credentials: CameraCredentials;
  supervisor: Supervisor;
  /** The lease coordinator: control calls change the registry, then the holder of the camera acts. */
  fleet: Fleet;
  /** Tells the other processes that the registry changed (pub/sub): these cameras, or (no ids) all of them. */
  announce: (ids?: readonly string[]) => void;
  metrics: CameraMetrics;
  log: Logger;
  /** Whether an org unit exists (in force today or scheduled). */
  unitExists: (code: string) => Promise<boolean>;
  /** The camera network rules: a source whose host is an address they refuse is not registered. */
  guard: SourceGuard;
  /** Records views (status, logs, frames) once per viewer, camera and window. */
  views: Pick<ViewAudit, 'viewed'>;
  /** The last hour of status samples of the cameras this process runs. */
  history: Pick<StatusHistory, 'read' | 'forget' | 'intervalMs'>;
}

export type { Actor };

export function createCameraService(deps: CameraServiceDeps) {
  const { db, audit, policy, credentials, supervisor, fleet, metrics } = deps;

  async function statusesOf(rows: readonly CameraRow[], executor: Kysely<Schema> = db): Promise<CameraStatus[]> {
    const remote = await fleet.remoteStatuses(
      rows.map((r) => r.id),
      executor,
    );
    return rows.map((row) => statusOf(row, remote.get(row.id)));
  }

  /** After a committed change to a camera: act on it here now, and tell the other processes (its holder acts there). */
  async function settle(id: string): Promise<void> {
    await fleet.settle([id]);
    deps.announce([id]);
  }

  /** A camera's status: from this process's worker, else from the process that holds it, else from the registry. */
  function statusOf(row: CameraRow, remote?: CameraStatus): CameraStatus {
    const running = supervisor.status(row.id) ?? remote;
    if (running && row.desired_running && row.active) return running;
    return idleStatus(row);
  }

  /** Asks the process holding a camera for its snapshot or history, with the caller's credentials and the forwarded mark. */
  async function askHolder(base: string, id: string, what: 'snapshot' | 'history', headers: Record<string, string>, query = '') {
    const url = `${base.replace(/\/+$/, '')}/api/v1/cameras/${encodeURIComponent(id)}/${what}${query}`;
    try {
      return await fetch(url, {
        headers: { ...headers, [FORWARDED_HEADER]: '1', accept: what === 'snapshot' ? 'image/jpeg' : 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(HOLDER_TIMEOUT_MS),
      });
    } catch (error) {
      deps.log.warn({ err: error, cameraId: id, holder: base }, `the process holding a camera did not answer for its ${what}`);
      throw CameraErrors.holderUnreachable(id, undefined, what);
    }
  }

  async function fromHolder(base: string, id: string, headers: Record<string, string>): Promise<Buffer> {
    const response = await askHolder(base, id, 'snapshot', headers);
    if (response.ok && response.headers.get('content-type')?.startsWith('image/jpeg')) return Buffer.from(await response.arrayBuffer());
    await response.body?.cancel();
    if (response.status === 404) throw CameraErrors.noFrame(id);
    deps.log.warn({ cameraId: id, holder: base, status: response.status }, 'the process holding a camera refused its snapshot');
    throw CameraErrors.holderUnreachable(id, response.status);
  }

  async function historyFromHolder(base: string, id: string, headers: Record<string, string>, from?: Date): Promise<HistorySample[]> {
    const response = await askHolder(base, id, 'history', headers, from ? `?from=${encodeURIComponent(from.toISOString())}` : '');
    if (response.ok) {
      const body = (await response.json().catch(() => undefined)) as { items?: unknown } | undefined;
      if (Array.isArray(body?.items)) return body.items as HistorySample[];
    } else await response.body?.cancel();
    deps.log.warn({ cameraId: id, holder: base, status: response.status }, 'the process holding a camera refused its history');
    throw CameraErrors.holderUnreachable(id, response.status, 'history');
  }

  /** Counts an operation's outcome; a failure for which `counts` says false is not an operation (a caller turned away). */
  async function counted<T>(operation: string, work: () => Promise<T>, counts: () => boolean = () => true): Promise<T> {
    try {
      const result = await work();
      metrics.operations.inc({ operation, status: 'success' });
      return result;
    } catch (error) {
      if (!counts()) throw error;
      metrics.operations.inc({ operation, status: error instanceof AppError && error.status < 500 ? 'rejected' : 'error' });
      throw error;
    }
  }

  /** The audit record and the camera's own log line of an operator's action, in one transaction. */
  async function record(tx: Kysely<Schema>, actor: Actor, action: string, row: CameraRow, before: unknown, after: unknown) {
    await audit.write(tx, {
      ...byActor(actor),
      action: `camera.${action}`,
      resourceType: 'camera',
      resourceId: row.id,
      orgUnitCode: row.org_unit_code,
      before,
      after,
      result: 'success',
    });
    const event: CameraEventRow = {
      id: uuidv7(),
      camera_id: row.id,
      at: new Date(),
      level: 'info',
      kind: 'operator',
      message: `${action} by ${actor.type} ${actor.id ?? ''}`.trim(),
      details: JSON.stringify({ action, requestId: actor.requestId ?? null }),
      actor_type: actor.type,
      actor_id: actor.id,
    };
    if (action !== 'delete') await camerasRepo.insertEvents(tx, [event]);
  }

  /**
   * A read of a camera's runtime or content (status, logs, snapshot): audited with who read it, once
   * per viewer, camera and action within the view window (platform/audit-views.ts), after the answer
   * and outside any transaction; not written to the camera's own log, which is for what happened to it.
   */
  function viewed(actor: Actor, action: string, rows: readonly CameraRow[], after?: Record<string, unknown>) {
    deps.views.viewed(
      actor,
      `camera.${action}`,
      rows.map((row) => ({ resourceType: 'camera', resourceId: row.id, orgUnitCode: row.org_unit_code, ...(after ? { after } : {}) })),
    );
  }

  async function load(id: string, executor: Kysely<Schema> = db, lock = false): Promise<CameraRow> {
    const row = await camerasRepo.find(executor, id, lock);
    if (!row) throw CameraErrors.notFound(id);
    return row;
  }

  const seal = (id: string, given: Credentials | null | undefined) => credentials.seal(id, given);

  /** A source URL whose host is an address the network rules refuse: 400, before any connection (names are checked once resolved, at connect). */
  async function checkAddress(sourceUrl: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(sourceUrl);
    } catch {
      return; // checkSource says what is wrong with it
    }
    if (!['http:', 'https:', 'rtsp:'].includes(url.protocol)) return;
    const refusal = await deps.guard.literal(url);
    if (refusal) throw CameraErrors.sourceForbidden(refusal);
  }

  async function checkUnit(code: string): Promise<void> {
    if (!(await deps.unitExists(code))) throw CameraErrors.unknownUnit(code);
  }

  /**
   * The check of a camera's org unit for a caller and a permission, built once and run on a row read
   * elsewhere (a control call runs it under the camera's lock): a camera the caller may not read is
   * not found (404, whether or not it exists); one it may read but not use `permission` on is 403.
   */
  async function admission(caller: CameraCaller, id: string, permission: Permission): Promise<(orgUnitCode: string) => void> {
    const readable = await policy.reach(caller.principal, 'cameras:read');
    const allowed = permission === 'cameras:read' ? readable : await policy.reach(caller.principal, permission);
    return (orgUnitCode) => {
      if (!policy.covers(readable, orgUnitCode)) throw CameraErrors.notFound(id);
      if (!policy.covers(allowed, orgUnitCode)) throw CameraErrors.outOfScope();
    };
  }

  /** The camera, if the caller may read it and use `permission` on it (see `admission`). */
  async function visible(caller: CameraCaller, id: string, permission: Permission = 'cameras:read'): Promise<CameraRow> {
    const row = await load(id);
    (await admission(caller, id, permission))(row.org_unit_code);
    return row;
  }

  /** A camera may be placed only at a unit the caller's `cameras:write` reaches. */
  async function mayPlaceIn(caller: CameraCaller, orgUnitCode: string): Promise<void> {
    if (!policy.covers(await policy.reach(caller.principal, 'cameras:write'), orgUnitCode)) throw CameraErrors.outOfScope();
  }

  /** Whether the caller reaches a camera's unit with `permission`, for filtering many rows. */
  async function visibility(caller: CameraCaller, permission: Permission): Promise<(row: CameraRow) => boolean> {
    const reach = await policy.reach(caller.principal, permission);
    return (row) => policy.covers(reach, row.org_unit_code);
  }

  /**
   * An operator action on one camera: lock, check the caller may act on it (`may`, given its org unit:
   * throws when not), change the registry, record; then settle; answers the status. The camera's row is
   * read once, under its lock (the route does not read it first), and the row committed is reported.
   */
  function control(
    operation: string,
    id: string,
    actor: Actor,
    may: (orgUnitCode: string) => void,
    act: (row: CameraRow, tx: Kysely<Schema>) => Promise<CameraRow | void>,
  ) {
    // A caller turned away by `may` (or asking for a camera that does not exist) is not counted as an
    // operation, like the refusals of the other calls, which are checked before they are counted.
    let admitted = false;
    return counted(
      operation,
      async () => {
        const committed = await db.transaction().execute(async (tx) => {
          const current = await load(id, tx, true);
          may(current.org_unit_code);
          admitted = true;
          const next = (await act(current, tx)) ?? current;
          const summary = (r: CameraRow) => ({ active: r.active, autoStart: r.auto_start, running: r.desired_running });
          await record(tx, actor, operation, next, summary(current), summary(next));
          return next;
        });
        // The fleet reads the camera's wanted state itself, in turn with its other work (see settleNow).
        await settle(id);
        const [status] = await statusesOf([committed]);
        return status!;
      },
      () => admitted,
    );
  }

  return {
    async create(input: NewCamera, caller: CameraCaller): Promise<Camera> {
      const { actor } = caller;
      await mayPlaceIn(caller, input.orgUnitCode);
      const sourceType = checkSource(input.sourceUrl, input.sourceType);
      await checkAddress(input.sourceUrl);
      return counted('create', async () => {
        await checkUnit(input.orgUnitCode);
        const id = uuidv7();
        return db.transaction().execute(async (tx) => {
          const row = await camerasRepo.insert(tx, {
            id,
            org_unit_code: input.orgUnitCode,
            name: input.name,
            source_url: input.sourceUrl,
            source_type: sourceType,
            expected_fps: input.expectedFps ?? 5,
            frozen_detection: input.frozenDetection ?? null,
            credentials_sealed: seal(id, input.credentials),
            labels: [...new Set(input.labels ?? [])],
            active: input.active ?? true,
            auto_start: input.autoStart ?? false,
            desired_running: false,
            restart_seq: 0,
            revision: 1,
            created_at: new Date(),
            updated_at: new Date(),
          });
          const camera = toCamera(row);
          await record(tx, actor, 'create', row, null, camera);
          return camera;
        });
      });
    },

    /** Where these cameras are (those that exist), for modules that place records by camera; no caller, no audit. */
    async locate(ids: readonly string[]): Promise<Map<string, { orgUnitCode: string; name: string }>> {
      const rows = await camerasRepo.findMany(db, ids);
      return new Map(rows.map((row) => [row.id, { orgUnitCode: row.org_unit_code, name: row.name }]));
    },

    /**
     * Every camera with its runtime status, as this process knows it (its own workers, the statuses
     * the other processes publish, else the registry): what the alert evaluator judges. No caller.
     */
    async facts(executor: Kysely<Schema> = db): Promise<{ row: Camera; wanted: boolean; status: CameraStatus }[]> {
      const rows = await camerasRepo.all(executor);
      const statuses = await statusesOf(rows, executor);
      return rows.map((row, i) => ({ row: toCamera(row), wanted: row.desired_running, status: statuses[i]! }));
    },

    /** Reconnects per camera since `since` (from the cameras' logs). No caller. */
    reconnectsSince: (since: Date, executor: Kysely<Schema> = db) => camerasRepo.reconnectsSince(executor, since),

    /** The camera, if the caller may read it (404 otherwise). */
    get: async (caller: CameraCaller, id: string) => toCamera(await visible(caller, id)),

    /** Cameras of the units the caller reaches, within `orgUnitCode`'s subtree when given. */
    async list(
      caller: CameraCaller,
      options: { limit: number; cursor?: string; orgUnitCode?: string; label?: string; text?: string; state?: CameraState },
    ) {
      const seen = await policy.reach(caller.principal, 'cameras:read');
      const units =
        options.orgUnitCode !== undefined ? [...(await policy.narrow(seen, options.orgUnitCode))] : seen === 'all' ? undefined : [...seen];
      const after = cameraCursor.decode(options.cursor)?.i;
      let ids: string[] | undefined;
      let matches = (_row: CameraRow) => true;
      if (options.state === 'stopped') matches = (row) => row.active && !row.desired_running;
      else if (options.state === 'deactivated') matches = (row) => !row.active;
      else if (options.state !== undefined) ids = await fleet.idsInState(options.state);
      const items: Camera[] = [];
      let cursor = after;
      // With a "not running" state filter, rows are read and filtered until the page is full.
      for (;;) {
        const rows = await camerasRepo.list(db, {
          limit: options.limit,
          ...(cursor !== undefined ? { after: cursor } : {}),
          ...(units !== undefined ? { units } : {}),
          ...(options.label !== undefined ? { label: options.label } : {}),
          ...(options.text !== undefined ? { text: options.text } : {}),
          ...(ids !== undefined ? { ids } : {}),
        });
        let read = 0;
        for (const row of rows) {
          if (items.length === options.limit) break;
          read += 1;
          cursor = row.id;
          if (matches(row)) items.push(toCamera(row));
        }
        const exhausted = rows.length < options.limit && read === rows.length;
        if (exhausted) return { items, nextCursor: null };
        if (items.length === options.limit) return { items, nextCursor: cameraCursor.encode({ i: cursor! }) };
      }
    },

    async update(caller: CameraCaller, id: string, patch: CameraPatch, ifMatch?: number): Promise<Camera> {
      const { actor } = caller;
      await visible(caller, id, 'cameras:write');
      if (patch.orgUnitCode !== undefined) await mayPlaceIn(caller, patch.orgUnitCode);
      return counted('update', async () => {
        if (patch.orgUnitCode !== undefined) await checkUnit(patch.orgUnitCode);
        if (patch.sourceUrl !== undefined) await checkAddress(patch.sourceUrl);
        const updated = await db.transaction().execute(async (tx) => {
          const row = await load(id, tx, true);
          if (ifMatch !== undefined && ifMatch !== row.revision) throw CameraErrors.stale(id, ifMatch, row.revision);
          const sourceUrl = patch.sourceUrl ?? row.source_url;
          const sourceType =
            patch.sourceUrl !== undefined || patch.sourceType !== undefined
              ? checkSource(sourceUrl, patch.sourceType ?? (patch.sourceUrl !== undefined ? undefined : row.source_type))
              : row.source_type;
          const next = await camerasRepo.update(tx, id, {
            ...(patch.orgUnitCode !== undefined ? { org_unit_code: patch.orgUnitCode } : {}),
            ...(patch.name !== undefined ? { name: patch.name } : {}),
            source_url: sourceUrl,
            source_type: sourceType,
            ...(patch.expectedFps !== undefined ? { expected_fps: patch.expectedFps } : {}),
            ...(patch.frozenDetection !== undefined ? { frozen_detection: patch.frozenDetection } : {}),
            ...(patch.credentials !== undefined ? { credentials_sealed: seal(id, patch.credentials) } : {}),
            ...(patch.labels !== undefined ? { labels: [...new Set(patch.labels)] } : {}),
          });
          await record(tx, actor, 'update', next, toCamera(row), toCamera(next));
          return next;
        });
        // A running camera whose source changed picks up the change now (wherever it runs).
        if (updated.desired_running) await settle(id);
        return toCamera(updated);
      });
    },

    async remove(caller: CameraCaller, id: string, ifMatch?: number): Promise<void> {
      const { actor } = caller;
      await visible(caller, id, 'cameras:write');
      await counted('delete', async () => {
        await db.transaction().execute(async (tx) => {
          const row = await load(id, tx, true);
          if (ifMatch !== undefined && ifMatch !== row.revision) throw CameraErrors.stale(id, ifMatch, row.revision);
          await record(tx, actor, 'delete', row, toCamera(row), null);
          await camerasRepo.delete(tx, id);
        });
        deps.history.forget(id);
        await settle(id);
      });
    },

    /** The operator actions: each checks the caller may control the camera, under the camera's lock. */
    start: async (caller: CameraCaller, id: string) =>
      control('start', id, caller.actor, await admission(caller, id, 'cameras:control'), async (row, tx) => {
        if (!row.active) throw CameraErrors.deactivated(id);
        return row.desired_running ? row : camerasRepo.update(tx, id, { desired_running: true });
      }),

    stop: async (caller: CameraCaller, id: string) =>
      control('stop', id, caller.actor, await admission(caller, id, 'cameras:control'), async (row, tx) =>
        row.desired_running ? camerasRepo.update(tx, id, { desired_running: false }) : row,
      ),

    restart: async (caller: CameraCaller, id: string) =>
      control('restart', id, caller.actor, await admission(caller, id, 'cameras:control'), async (row, tx) => {
        if (!row.active) throw CameraErrors.deactivated(id);
        return camerasRepo.update(tx, id, { desired_running: true, restart_seq: row.restart_seq + 1 });
      }),

    activate: async (caller: CameraCaller, id: string) =>
      control('activate', id, caller.actor, await admission(caller, id, 'cameras:control'), async (row, tx) =>
        row.active ? row : camerasRepo.update(tx, id, { active: true }),
      ),

    deactivate: async (caller: CameraCaller, id: string) =>
      control('deactivate', id, caller.actor, await admission(caller, id, 'cameras:control'), async (row, tx) =>
        row.active || row.desired_running ? camerasRepo.update(tx, id, { active: false, desired_running: false }) : row,
      ),

    async setAutoStart(caller: CameraCaller, id: string, enabled: boolean): Promise<Camera> {
      const { actor } = caller;
      await visible(caller, id, 'cameras:write');
      return counted('auto_start', () =>
        db.transaction().execute(async (tx) => {
          const row = await load(id, tx, true);
          const next = row.auto_start === enabled ? row : await camerasRepo.update(tx, id, { auto_start: enabled });
          await record(tx, actor, 'auto_start', next, { autoStart: row.auto_start }, { autoStart: enabled });
          return toCamera(next);
        }),
      );
    },

    async status(caller: CameraCaller, id: string): Promise<CameraStatus> {
      const { actor } = caller;
      // The row the scope check read: reading it again would only answer the same a moment later.
      const row = await visible(caller, id);
      return counted('status', async () => {
        const [status] = await statusesOf([row]);
        viewed(actor, 'view_status', [row]);
        return status!;
      });
    },

    /** Statuses of many cameras; ids that are not ids, do not exist or are outside the caller's units are listed under notFound. */
    async batchStatus(caller: CameraCaller, ids: readonly string[]) {
      const { actor } = caller;
      const seen = await visibility(caller, 'cameras:read');
      return counted('batch_status', async () => {
        // Well-formed ids in the database's spelling (lower case); only those reach the query, which
        // PostgreSQL would refuse as a whole for one malformed uuid. The others are not found.
        const unique = [...new Set(ids.map((id) => (UUID_PATTERN.test(id) ? id.toLowerCase() : id)))];
        const wellFormed = unique.filter((id) => UUID_PATTERN.test(id));
        const rows = new Map((await camerasRepo.findMany(db, wellFormed)).map((r) => [r.id, r]));
        const found: CameraRow[] = [];
        const notFound: string[] = [];
        for (const id of unique) {
          const row = rows.get(id);
          if (row && seen(row)) found.push(row);
          else notFound.push(id);
        }
        const items = await statusesOf(found);
        // One row per camera not yet recorded for this caller, scoped to the camera's unit like a single read.
        viewed(actor, 'view_status', found, { batch: true });
        return { items, notFound };
      });
    },

    /**
     * The latest frame of a camera. A camera ingested by another process is fetched from it when
     * `forward` carries the caller's credentials (the holder checks them again); a forwarded request
     * is answered by the holder itself, never forwarded again, and not audited (the first process
     * audits it). A frame served is audited with who saw it (once per viewer and window).
     */
    async snapshot(caller: CameraCaller, id: string, forward: { headers: Record<string, string> } | 'forwarded'): Promise<Buffer> {
      // The row read for the scope check is the one audited: one read of the camera per frame.
      const row = await visible(caller, id);
      const actor = forward === 'forwarded' ? undefined : caller.actor;
      return counted('snapshot', async () => {
        let frame = supervisor.latestFrame(id);
        if (!frame) {
          const holder = forward === 'forwarded' ? undefined : await fleet.holderUrl(id);
          if (!holder || forward === 'forwarded') throw CameraErrors.noFrame(id);
          frame = await fromHolder(holder, id, forward.headers);
        }
        if (actor) viewed(actor, 'view_snapshot', [row], { bytes: frame.length });
        return frame;
      });
    },

    /**
     * A camera's state, fps and reconnects over the last hour, sampled every 10 s by the process that
     * runs it: asked of the holder when another process holds it (like a snapshot, with the caller's
     * credentials; a forwarded request is answered from here), else from this process's samples (a
     * camera not running anywhere keeps what was sampled here while it ran). Audited as a status view.
     */
    async history(
      caller: CameraCaller,
      id: string,
      options: { from?: Date },
      forward: { headers: Record<string, string> } | 'forwarded',
    ): Promise<{ intervalSeconds: number; items: HistorySample[] }> {
      const row = await visible(caller, id);
      return counted('history', async () => {
        const holder = forward === 'forwarded' || supervisor.has(id) ? undefined : await fleet.holderUrl(id);
        const items =
          holder !== undefined && forward !== 'forwarded'
            ? await historyFromHolder(holder, id, forward.headers, options.from)
            : deps.history.read(id, options.from?.getTime());
        if (forward !== 'forwarded') viewed(caller.actor, 'view_status', [row]);
        return { intervalSeconds: deps.history.intervalMs / 1000, items };
      });
    },

    async logs(
      caller: CameraCaller,
      id: string,
      options: { limit: number; cursor?: string; levels?: readonly string[]; from?: Date; to?: Date },
    ) {
      const { actor } = caller;
      await visible(caller, id);
      return counted('logs', async () => {
        const row = await load(id);
        const position = logCursor.decode(options.cursor);
        const rows = await camerasRepo.events(db, {
          cameraId: id,
          limit: options.limit + 1,
          ...(position ? { before: { at: new Date(position.at), id: position.id } } : {}),
          ...(options.levels ? { levels: options.levels } : {}),
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
        });
        const page = rows.slice(0, options.limit);
        const last = page.at(-1);
        viewed(actor, 'view_logs', [row]);
        return {
          items: page.map((r) => ({
            id: r.id,
            at: r.at.toISOString(),
            level: r.level,
            kind: r.kind,
            message: r.message,
            details: (typeof r.details === 'string' ? JSON.parse(r.details) : r.details) as Record<string, unknown> | null,
            actorType: r.actor_type,
            actorId: r.actor_id,
          })),
          nextCursor: rows.length > options.limit && last ? logCursor.encode({ at: last.at.toISOString(), id: last.id }) : null,
        };
      });
    },

    /**
     * Reconciles the runtime with the registry: active auto-start cameras that are not wanted become
     * wanted, then this process runs a lease cycle (start, stop, restart as needed) and the others
     * are told to run one.
     */
    async refresh(caller: CameraCaller): Promise<RefreshResult> {
      const { actor } = caller;
      const controllable = await visibility(caller, 'cameras:control');
      return counted('refresh', async () => {
        const wake = (await camerasRepo.all(db))
          .filter((r) => controllable(r) && r.active && r.auto_start && !r.desired_running)
          .map((r) => r.id);
        await camerasRepo.want(db, wake);
        const result = await fleet.reconcile();
        deps.announce();
        await audit.write(db, {
          ...byActor(actor),
          action: 'camera.refresh',
          resourceType: 'camera',
          resourceId: null,
          after: {
            started: result.started.length,
            stopped: result.stopped.length,
            restarted: result.restarted.length,
            unchanged: result.unchanged,
          },
          result: 'success',
        });
        return result;
      });
    },

    /** When a process starts: the active cameras with auto-start are wanted again. */
    async autoStart(): Promise<number> {
      return camerasRepo.wantAutoStart(db);
    },
  };
}

export type CameraService = ReturnType<typeof createCameraService>;
