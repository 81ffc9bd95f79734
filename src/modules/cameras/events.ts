// Camera events (state changes, errors, operator actions) are written to camera_events in small
// batches, off the ingest path: a flapping camera costs one insert per batch, not per change.
// Operator actions are written by the service in the transaction of the action instead.
import type { Kysely } from 'kysely';
import { uuidv7 } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { CameraMetrics, EventDropReason } from './cameras.metrics.js';
import type { CameraEventRow } from './cameras.repo.js';
import { camerasRepo } from './cameras.repo.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Database } from '../../platform/db/database.js';
import { createSingletonJob } from '../../platform/jobs.js';
import type { SingletonJob } from '../../platform/jobs.js';
import type { Metrics } from '../../platform/metrics.js';

export type NewCameraEvent = Omit<CameraEventRow, 'id' | 'at' | 'actor_type' | 'actor_id'> &
  Partial<Pick<CameraEventRow, 'actor_type' | 'actor_id'>>;

/**
 * Whether the database refused the rows themselves (SQLSTATE class 22, data exception, or 23,
 * integrity: an event of a camera deleted since, a value the table does not take), rather than
 * not being reached: the other rows of the batch can still be written.
 */
function refusedRows(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
const FOREIGN_KEY_VIOLATION = '23503';

export function createCameraEventLog(deps: {
  db: Kysely<Schema>;
  log: Logger;
  metrics: Pick<CameraMetrics, 'eventsDropped'>;
  flushMs?: number;
  maxBuffered?: number;
}) {
  const buffer: CameraEventRow[] = [];
  const maxBuffered = deps.maxBuffered ?? 10_000;
  let overflow = 0;
  let flushing: Promise<void> | undefined;
  // The flush timer runs from the first event on (a log built and never written to holds no timer).
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Counts and logs events that will not be written. */
  function dropped(reason: EventDropReason, events: readonly CameraEventRow[], error?: unknown): void {
    if (events.length === 0) return;
    deps.metrics.eventsDropped.inc({ reason }, events.length);
    const cameraIds = [...new Set(events.map((e) => e.camera_id))].slice(0, 20);
    const fields = { reason, events: events.length, cameraIds, ...(error !== undefined ? { err: error } : {}) };
    // A deleted camera's log went with it: its last events are expected to have nowhere to go.
    if (reason === 'camera_deleted') deps.log.info(fields, 'camera events of deleted cameras not written');
    else deps.log.warn(fields, 'could not write camera events');
  }

  /**
   * Writes a batch in one insert. When the database refuses some of its rows, the events of cameras
   * deleted since are set aside and the rest written, row by row if need be, so that one bad row
   * costs that row only. When the database cannot be reached, the batch is lost, and counted.
   */
  async function write(batch: CameraEventRow[]): Promise<void> {
    let pending = batch;
    try {
      try {
        await camerasRepo.insertEvents(deps.db, pending);
        return;
      } catch (error) {
        if (!refusedRows(error)) throw error;
      }
      const existing = new Set(await camerasRepo.existingIds(deps.db, [...new Set(pending.map((e) => e.camera_id))]));
      dropped(
        'camera_deleted',
        pending.filter((e) => !existing.has(e.camera_id)),
      );
      pending = pending.filter((e) => existing.has(e.camera_id));
      try {
        await camerasRepo.insertEvents(deps.db, pending);
        return;
      } catch (error) {
        if (!refusedRows(error)) throw error;
      }
      // Still refused: a camera deleted in between, or a row the table does not take.
      while (pending.length > 0) {
        const event = pending[0]!;
        try {
          await camerasRepo.insertEvents(deps.db, [event]);
        } catch (error) {
          if (!refusedRows(error)) throw error;
          const deleted = (error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION;
          dropped(deleted ? 'camera_deleted' : 'rejected', [event], deleted ? undefined : error);
        }
        pending = pending.slice(1);
      }
    } catch (error) {
      dropped('write_failed', pending, error);
    }
  }

  async function flush(): Promise<void> {
    if (flushing) return flushing;
    if (buffer.length === 0) return;
    const batch = buffer.splice(0, 1000);
    flushing = write(batch).finally(() => {
      flushing = undefined;
    });
    await flushing;
    if (buffer.length > 0) await flush();
  }

  return {
    add(event: NewCameraEvent): void {
      if (buffer.length >= maxBuffered) {
        overflow += 1;
        deps.metrics.eventsDropped.inc({ reason: 'buffer_full' });
        if (overflow % 1000 === 1) deps.log.warn({ dropped: overflow }, 'camera event buffer full; dropping events');
        return;
      }
      buffer.push({ id: uuidv7(), at: new Date(), actor_type: null, actor_id: null, ...event });
      if (!timer && !closed) {
        timer = setInterval(() => void flush(), deps.flushMs ?? 500);
        timer.unref();
      }
    },
    flush,
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}

export type CameraEventLog = ReturnType<typeof createCameraEventLog>;

const DAY_MS = 86_400_000;

/** Deletes camera log events older than `retentionDays`, once a day, in one process at a time (a singleton job). */
export function createCameraEventRetention(deps: {
  database: Database;
  retentionDays: number;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
}): SingletonJob<number> {
  const now = deps.now ?? (() => new Date());
  return createSingletonJob({
    name: 'camera-log-retention',
    database: deps.database,
    log: deps.log,
    metrics: deps.metrics,
    intervalMs: DAY_MS,
    initialDelayMs: 15_000,
    run: (tx) => camerasRepo.deleteEventsBefore(tx, new Date(now().getTime() - deps.retentionDays * DAY_MS)),
    describe: (deleted) => ({ deleted }),
  });
}
