// Detection events: ingest from detectors (one or a batch, each item answered on its own, a repeated
// idempotency key answered with the stored event), the review workflow, lists and counts. What a
// caller may see and do is asked of the scope policy: an event belongs to its camera's unit as it
// was when the event was stored. Every write is audited in its transaction.
import type { Kysely } from 'kysely';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { ViewAudit } from '../../platform/audit-views.js';
import type { Schema } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { createChecker } from '../../platform/validate.js';
import type { ScopePolicy } from '../auth/index.js';
import { isJpeg } from '../cameras/index.js';
import { EventErrors } from './events.errors.js';
import type { EventMetrics } from './events.metrics.js';
import type { EventFilter, EventRow, NewEventRow, StatsKey } from './events.repo.js';
import { eventsRepo } from './events.repo.js';
import { EventInput, MAX_ATTRIBUTES_BYTES, MAX_SNAPSHOT_BYTES } from './events.schemas.js';
import type { DetectionStatus } from './review.js';
import { DETECTION_STATUSES, mayMove, nextStatuses } from './review.js';

/** Who asks: the principal (its grants decide what it may see and do) and the actor the audit trail records. */
export interface EventCaller {
  principal: Principal;
  actor: Actor;
  /** The request's credentials, to fetch a frame from another process on the caller's behalf (captureSnapshot). */
  credentials?: Record<string, string>;
}

export interface DetectionEvent {
  id: string;
  cameraId: string;
  orgUnitCode: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  confidence: number;
  bbox: { x: number; y: number; width: number; height: number } | null;
  trackId: string | null;
  attributes: Record<string, unknown>;
  idempotencyKey: string | null;
  hasSnapshot: boolean;
  status: DetectionStatus;
  notes: string | null;
  handledBy: string | null;
  handledAt: string | null;
  reportedBy: string | null;
  revision: number;
}

interface ItemError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export type IngestItem =
  | { index: number; result: 'created' | 'duplicate'; event: DetectionEvent }
  | { index: number; result: 'rejected'; error: ItemError; cause: AppError };

export interface IngestResult {
  items: IngestItem[];
  created: number;
  duplicates: number;
  rejected: number;
}

export type BulkReviewItem =
  { id: string; result: 'updated'; event: DetectionEvent } | { id: string; result: 'rejected'; error: ItemError };

/** Where a camera is, for placing its events; what the cameras module tells. */
export interface CameraPlace {
  orgUnitCode: string;
}

export interface EventServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  /** Records views of snapshots once per viewer, event and window. */
  views: Pick<ViewAudit, 'viewed'>;
  policy: ScopePolicy;
  metrics: EventMetrics;
  log: Logger;
  /** The units of these cameras (those that exist). */
  locateCameras: (ids: readonly string[]) => Promise<Map<string, CameraPlace>>;
  /** A camera's latest frame, read on the caller's behalf (it may be held by another process). */
  latestFrame: (caller: EventCaller, cameraId: string) => Promise<Buffer>;
  now?: () => Date;
  /** VIGIL_TIMEZONE: the calendar of the `day` counts. */
  timeZone: string;
  /** Told after events were stored, with their cameras (the alert evaluator looks at once). */
  onIngested?: (cameraIds: readonly string[]) => void;
}

/** How far ahead of the server clock an `occurredAt` may be (a detector's clock drifts). */
const FUTURE_SKEW_MS = 5 * 60_000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const eventCursor = cursorCodec('events', cursorShape({ o: cursorField.instant, i: cursorField.uuid }));
const checkItem = createChecker(EventInput, 'body');

export function toEvent(row: EventRow): DetectionEvent {
  return {
    id: row.id,
    cameraId: row.camera_id,
    orgUnitCode: row.org_unit_code,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    receivedAt: row.received_at.toISOString(),
    confidence: Number(row.confidence),
    bbox: row.bbox,
    trackId: row.track_id,
    attributes: row.attributes,
    idempotencyKey: row.idempotency_key,
    hasSnapshot: row.has_snapshot,
    status: row.status,
    notes: row.notes,
    handledBy: row.handled_by,
    handledAt: row.handled_at?.toISOString() ?? null,
    reportedBy: row.reported_by,
    revision: row.revision,
  };
}

const asItemError = (error: AppError): ItemError => ({ code: error.code, message: error.message, details: error.details });

/** An item that passed the schema, checked against the rules the schema cannot say; throws INVALID_EVENT. */
function checkRules(input: EventInput, at: string, now: Date): { occurredAt: Date; snapshot: Buffer | undefined } {
  const occurredAt = new Date(input.occurredAt);
  if (Number.isNaN(occurredAt.getTime())) throw EventErrors.invalid(`${at}.occurredAt`, 'is not an instant that exists');
  if (occurredAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
    throw EventErrors.invalid(`${at}.occurredAt`, 'is more than 5 minutes ahead of the server clock');
  }
  const box = input.bbox;
  if (box && (box.x + box.width > 1 + 1e-9 || box.y + box.height > 1 + 1e-9)) {
    throw EventErrors.invalid(`${at}.bbox`, 'reaches outside the frame (x + width and y + height are at most 1)');
  }
  if (input.attributes && Buffer.byteLength(JSON.stringify(input.attributes)) > MAX_ATTRIBUTES_BYTES) {
    throw EventErrors.invalid(`${at}.attributes`, `is larger than ${MAX_ATTRIBUTES_BYTES} bytes as JSON`);
  }
  if (input.snapshot !== undefined && input.captureSnapshot === true) {
    throw EventErrors.invalid(`${at}.snapshot`, 'send a snapshot or ask for one to be captured (captureSnapshot), not both');
  }
  let snapshot: Buffer | undefined;
  if (input.snapshot !== undefined) {
    if (!BASE64.test(input.snapshot)) throw EventErrors.invalid(`${at}.snapshot`, 'is not base64');
    snapshot = Buffer.from(input.snapshot, 'base64');
    if (snapshot.length > MAX_SNAPSHOT_BYTES) throw EventErrors.invalid(`${at}.snapshot`, `is larger than ${MAX_SNAPSHOT_BYTES} bytes`);
    if (!isJpeg(snapshot)) throw EventErrors.invalid(`${at}.snapshot`, 'is not a JPEG (it must run from an SOI to an EOI marker)');
  }
  return { occurredAt, snapshot };
}

export function createEventService(deps: EventServiceDeps) {
  const { db, audit, policy, metrics } = deps;
  const now = deps.now ?? (() => new Date());

  /** The event, if the caller may read it (404 otherwise, whether or not it exists). */
  async function visible(caller: EventCaller, id: string, row?: EventRow): Promise<EventRow> {
    const found = row ?? (await eventsRepo.find(db, id));
    if (!found || !policy.covers(await policy.reach(caller.principal, 'events:read'), found.org_unit_code)) throw EventErrors.notFound(id);
    return found;
  }

  /** The units a list or a count covers: the caller's reach, narrowed to a subtree when asked. */
  async function unitsFor(caller: EventCaller, orgUnitCode: string | undefined): Promise<string[] | undefined> {
    const reach = await policy.reach(caller.principal, 'events:read');
    if (orgUnitCode !== undefined) return [...(await policy.narrow(reach, orgUnitCode))];
    return reach === 'all' ? undefined : [...reach];
  }

  return {
    /**
     * Stores events: each item is checked (schema, rules, the caller's reach over its camera) and
     * answered on its own; the good ones are stored in one transaction with their audit records.
     */
    async ingest(caller: EventCaller, items: readonly unknown[], at: (index: number) => string): Promise<IngestResult> {
      const received = now();
      const results: (IngestItem | undefined)[] = new Array<IngestItem | undefined>(items.length);
      const reject = (index: number, error: unknown, type: string) => {
        if (!(error instanceof AppError)) throw error;
        results[index] = { index, result: 'rejected', error: asItemError(error), cause: error };
        metrics.ingested.inc({ type, result: 'rejected' });
      };

      // 1. Each item on its own: the schema, then the rules.
      const accepted: { index: number; input: EventInput; occurredAt: Date; snapshot: Buffer | undefined }[] = [];
      for (const [index, item] of items.entries()) {
        const checked = checkItem(item, at(index));
        if (!checked.ok) {
          reject(index, checked.error, 'invalid');
          continue;
        }
        try {
          accepted.push({ index, input: checked.value, ...checkRules(checked.value, at(index), received) });
        } catch (error) {
          reject(index, error, 'invalid');
        }
      }

      // 2. Their cameras, within the caller's reach: one it may not read is not found; one it may read but not report on is refused.
      const places = await deps.locateCameras([...new Set(accepted.map((a) => a.input.cameraId))]);
      const readable = await policy.reach(caller.principal, 'cameras:read');
      const writable = await policy.reach(caller.principal, 'events:write');
      const admitted: (typeof accepted)[number][] = [];
      for (const entry of accepted) {
        const place = places.get(entry.input.cameraId);
        if (!place || !policy.covers(readable, place.orgUnitCode))
          reject(entry.index, EventErrors.cameraNotFound(entry.input.cameraId), entry.input.type);
        else if (!policy.covers(writable, place.orgUnitCode))
          reject(entry.index, EventErrors.outOfScope(`camera ${entry.input.cameraId}`), entry.input.type);
        else admitted.push(entry);
      }

      // 3. Frames asked for are read before the transaction (from this process or the camera's holder).
      const captured = new Map<number, Buffer>();
      for (const entry of admitted) {
        if (entry.input.captureSnapshot !== true) continue;
        try {
          captured.set(entry.index, await deps.latestFrame(caller, entry.input.cameraId));
        } catch (error) {
          deps.log.info({ err: error, cameraId: entry.input.cameraId }, 'no frame to capture for a detection event; stored without one');
        }
      }

      // 4. Store: new ones inserted, repeated keys answered with what is stored; audited per unit.
      if (admitted.length > 0) {
        const rows: NewEventRow[] = admitted.map(({ input, index, occurredAt, snapshot }) => ({
          id: uuidv7(),
          camera_id: input.cameraId,
          org_unit_code: places.get(input.cameraId)!.orgUnitCode,
          type: input.type,
          occurred_at: occurredAt,
          received_at: received,
          confidence: input.confidence,
          bbox: input.bbox ? JSON.stringify(input.bbox) : null,
          track_id: input.trackId ?? null,
          attributes: JSON.stringify(input.attributes ?? {}),
          idempotency_key: input.idempotencyKey ?? null,
          has_snapshot: snapshot !== undefined || captured.has(index),
          status: 'pending',
          revision: 1,
          reported_by_type: caller.actor.type,
          reported_by: caller.actor.id,
        }));
        await db.transaction().execute(async (tx) => {
          const stored = new Map((await eventsRepo.insertNew(tx, rows)).map((row) => [row.id, row]));
          const keyOf = (cameraId: string, key: string) => `${cameraId} ${key}`;
          const repeated = admitted.filter((_, i) => !stored.has(rows[i]!.id));
          const earlier = new Map(
            (
              await eventsRepo.byIdempotencyKeys(
                tx,
                repeated.map((r) => ({ cameraId: r.input.cameraId, key: r.input.idempotencyKey! })),
              )
            ).map((row) => [keyOf(row.camera_id, row.idempotency_key!), row]),
          );
          const snapshots: { event_id: string; jpeg: Buffer; stored_at: Date }[] = [];
          const byUnit = new Map<string, { created: string[]; duplicates: string[] }>();
          for (const [i, entry] of admitted.entries()) {
            const row = rows[i]!;
            const mine = stored.get(row.id);
            const kept = mine ?? earlier.get(keyOf(entry.input.cameraId, entry.input.idempotencyKey!));
            if (!kept) throw new Error(`event ${row.id} was neither stored nor found by its idempotency key`);
            const unit = byUnit.get(kept.org_unit_code) ?? { created: [], duplicates: [] };
            byUnit.set(kept.org_unit_code, unit);
            if (mine) {
              const jpeg = entry.snapshot ?? captured.get(entry.index);
              if (jpeg) snapshots.push({ event_id: mine.id, jpeg, stored_at: received });
              unit.created.push(mine.id);
            } else unit.duplicates.push(kept.id);
            results[entry.index] = { index: entry.index, result: mine ? 'created' : 'duplicate', event: toEvent(kept) };
          }
          await eventsRepo.insertSnapshots(tx, snapshots);
          // A replay changes nothing and is not recorded; a unit with new events gets one record.
          for (const [orgUnitCode, { created, duplicates }] of byUnit) {
            if (created.length === 0) continue;
            await audit.write(tx, {
              ...byActor(caller.actor),
              action: 'event.ingest',
              resourceType: 'detection_event',
              resourceId: created.length === 1 && duplicates.length === 0 ? created[0]! : null,
              orgUnitCode,
              after: { created, duplicates },
              result: 'success',
            });
          }
        });
        for (const item of results) {
          if (item && item.result !== 'rejected') metrics.ingested.inc({ type: item.event.type, result: item.result });
        }
        const touched = new Set(results.flatMap((item) => (item?.result === 'created' ? [item.event.cameraId] : [])));
        if (touched.size > 0) deps.onIngested?.([...touched]);
      }
      const done = results.map((item, index) => {
        if (!item) throw new Error(`event item ${index} was neither stored nor refused`);
        return item;
      });
      return {
        items: done,
        created: done.filter((i) => i.result === 'created').length,
        duplicates: done.filter((i) => i.result === 'duplicate').length,
        rejected: done.filter((i) => i.result === 'rejected').length,
      };
    },

    /** What alert rules judge, per camera, for a window ending at `until`: no caller, all cameras. */
    signals: {
      counts: (executor: Kysely<Schema>, type: string | null, since: Date, until: Date) =>
        eventsRepo.countsByCamera(executor, type, since, until),
      times: (executor: Kysely<Schema>, type: string, since: Date, until: Date) => eventsRepo.timesByCamera(executor, type, since, until),
      latest: (executor: Kysely<Schema>, type: string | null, since: Date, until: Date) =>
        eventsRepo.latestByCamera(executor, type, since, until),
    },

    get: async (caller: EventCaller, id: string) => toEvent(await visible(caller, id)),

    /**
     * The event's snapshot (404 SNAPSHOT_NOT_FOUND when it has none); audited with who saw it, once
     * per viewer and event within the view window, after the answer (platform/audit-views.ts).
     */
    async snapshot(caller: EventCaller, id: string): Promise<Buffer> {
      const row = await visible(caller, id);
      const jpeg = row.has_snapshot ? await eventsRepo.snapshot(db, id) : undefined;
      if (!jpeg) throw EventErrors.noSnapshot(id);
      deps.views.viewed(caller.actor, 'event.view_snapshot', [
        { resourceType: 'detection_event', resourceId: id, orgUnitCode: row.org_unit_code, after: { bytes: jpeg.length } },
      ]);
      return jpeg;
    },

    /** Newest first (occurredAt, then id); a cursor keeps its place however many events arrive meanwhile. */
    async list(
      caller: EventCaller,
      filter: Omit<EventFilter, 'units'> & { orgUnitCode?: string },
      page: { limit: number; cursor?: string },
    ) {
      const position = eventCursor.decode(page.cursor);
      const { orgUnitCode, ...rest } = filter;
      const units = await unitsFor(caller, orgUnitCode);
      const rows = await eventsRepo.list(
        db,
        { ...rest, ...(units !== undefined ? { units } : {}) },
        { limit: page.limit + 1, ...(position ? { before: { occurredAt: new Date(position.o), id: position.i } } : {}) },
      );
      const items = rows.slice(0, page.limit);
      const last = items.at(-1);
      return {
        items: items.map(toEvent),
        nextCursor: rows.length > page.limit && last ? eventCursor.encode({ o: last.occurred_at.toISOString(), i: last.id }) : null,
      };
    },

    /** Counts per type, camera, unit or day, each split by review status. */
    async stats(caller: EventCaller, groupBy: StatsKey, filter: Omit<EventFilter, 'units' | 'status'> & { orgUnitCode?: string }) {
      const { orgUnitCode, ...rest } = filter;
      const units = await unitsFor(caller, orgUnitCode);
      const rows = await eventsRepo.stats(db, { ...rest, ...(units !== undefined ? { units } : {}) }, groupBy, deps.timeZone);
      const byKey = new Map<string, Record<DetectionStatus, number>>();
      for (const row of rows) {
        const counts = byKey.get(row.key) ?? (Object.fromEntries(DETECTION_STATUSES.map((s) => [s, 0])) as Record<DetectionStatus, number>);
        counts[row.status] = Number(row.count);
        byKey.set(row.key, counts);
      }
      return {
        groupBy,
        items: [...byKey].map(([key, c]) => ({
          key,
          total: c.pending + c.confirmed + c.false_positive + c.resolved,
          pending: c.pending,
          confirmed: c.confirmed,
          falsePositive: c.false_positive,
          resolved: c.resolved,
        })),
      };
    },

    /** A review of one event: a status move the workflow allows, and/or notes; takes If-Match. */
    async review(caller: EventCaller, id: string, change: { status?: DetectionStatus; notes?: string | null }, ifMatch?: number) {
      const reviewable = await policy.reach(caller.principal, 'events:review');
      const readable = await policy.reach(caller.principal, 'events:read');
      const event = await db.transaction().execute(async (tx) => {
        const row = await eventsRepo.find(tx, id, true);
        if (!row || !policy.covers(readable, row.org_unit_code)) throw EventErrors.notFound(id);
        if (!policy.covers(reviewable, row.org_unit_code)) throw EventErrors.outOfScope(`event ${id}`);
        if (ifMatch !== undefined && ifMatch !== row.revision) throw EventErrors.stale(id, ifMatch, row.revision);
        return applyReview(tx, caller, row, change);
      });
      return event;
    },

    /** One status for many events; each id answered on its own (not found, refused move, updated). */
    async reviewMany(caller: EventCaller, ids: readonly string[], change: { status: DetectionStatus; notes?: string | null }) {
      const reviewable = await policy.reach(caller.principal, 'events:review');
      const readable = await policy.reach(caller.principal, 'events:read');
      const wellFormed = ids.filter((id) => cursorField.uuid(id));
      const items = await db.transaction().execute(async (tx) => {
        const rows = new Map((await eventsRepo.findManyLocked(tx, wellFormed)).map((r) => [r.id, r]));
        const answers: BulkReviewItem[] = [];
        for (const id of ids) {
          const row = rows.get(id);
          try {
            if (!row || !policy.covers(readable, row.org_unit_code)) throw EventErrors.notFound(id);
            if (!policy.covers(reviewable, row.org_unit_code)) throw EventErrors.outOfScope(`event ${id}`);
            answers.push({ id, result: 'updated', event: await applyReview(tx, caller, row, change) });
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            answers.push({ id, result: 'rejected', error: asItemError(error) });
          }
        }
        return answers;
      });
      return {
        items,
        updated: items.filter((i) => i.result === 'updated').length,
        rejected: items.filter((i) => i.result === 'rejected').length,
      };
    },
  };

  async function applyReview(
    tx: Kysely<Schema>,
    caller: EventCaller,
    row: EventRow,
    change: { status?: DetectionStatus; notes?: string | null },
  ): Promise<DetectionEvent> {
    const to = change.status;
    if (to !== undefined && !mayMove(row.status, to)) {
      metrics.reviews.inc({ status: to, result: 'refused' });
      throw EventErrors.invalidTransition(row.id, row.status, to, nextStatuses(row.status));
    }
    const updated = await eventsRepo.review(tx, row.id, {
      status: to ?? row.status,
      notes: change.notes !== undefined ? change.notes : row.notes,
      handled_by_type: caller.actor.type,
      handled_by: caller.actor.id,
      handled_at: now(),
    });
    await audit.write(tx, {
      ...byActor(caller.actor),
      action: 'event.review',
      resourceType: 'detection_event',
      resourceId: row.id,
      orgUnitCode: row.org_unit_code,
      before: { status: row.status, notes: row.notes },
      after: { status: updated.status, notes: updated.notes },
      result: 'success',
    });
    metrics.reviews.inc({ status: updated.status, result: 'applied' });
    return toEvent(updated);
  }
}

export type EventService = ReturnType<typeof createEventService>;
