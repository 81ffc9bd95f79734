// Camera events (state changes, errors, operator actions) are written to camera_events in small
// batches, off the ingest path: a flapping camera costs one insert per batch, not per change.
// Operator actions are written by the service in the transaction of the action instead.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { uuidv7 } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { CameraEventRow, CamerasTables } from './cameras.repo.js';
import { camerasRepo } from './cameras.repo.js';

export type NewCameraEvent = Omit<CameraEventRow, 'id' | 'at' | 'actor_type' | 'actor_id'> &
  Partial<Pick<CameraEventRow, 'actor_type' | 'actor_id'>>;

export function createCameraEventLog(deps: { db: Kysely<CamerasTables>; log: Logger; flushMs?: number; maxBuffered?: number }) {
  const buffer: CameraEventRow[] = [];
  const maxBuffered = deps.maxBuffered ?? 10_000;
  let dropped = 0;
  let flushing: Promise<void> | undefined;
  const timer = setInterval(() => void flush(), deps.flushMs ?? 500);
  timer.unref();

  async function flush(): Promise<void> {
    if (flushing) return flushing;
    if (buffer.length === 0) return;
    const batch = buffer.splice(0, 1000);
    flushing = camerasRepo
      .insertEvents(deps.db, batch)
      .catch((error: unknown) => {
        // A camera deleted meanwhile, or the database away: the events are lost, the log says so.
        deps.log.warn({ err: error, events: batch.length }, 'could not write camera events');
      })
      .finally(() => {
        flushing = undefined;
      });
    await flushing;
    if (buffer.length > 0) await flush();
  }

  return {
    add(event: NewCameraEvent): void {
      if (buffer.length >= maxBuffered) {
        dropped += 1;
        if (dropped % 1000 === 1) deps.log.warn({ dropped }, 'camera event buffer full; dropping events');
        return;
      }
      buffer.push({ id: uuidv7(), at: new Date(), actor_type: null, actor_id: null, ...event });
    },
    flush,
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}

export type CameraEventLog = ReturnType<typeof createCameraEventLog>;

/** pg_try_advisory_xact_lock key of the camera log retention job: "vigil-cl". */
const RETENTION_LOCK = '8532464671513881708';
const DAY_MS = 86_400_000;

/** Deletes camera log events older than `retentionDays`, once a day, in one process at a time. */
export function createCameraEventRetention(deps: { db: Kysely<CamerasTables>; retentionDays: number; log: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function runOnce(): Promise<{ ran: boolean; deleted: number }> {
    const cutoff = new Date(now().getTime() - deps.retentionDays * DAY_MS);
    return deps.db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RETENTION_LOCK}) as locked`.execute(tx);
      if (!rows[0]?.locked) return { ran: false, deleted: 0 };
      return { ran: true, deleted: await camerasRepo.deleteEventsBefore(tx, cutoff) };
    });
  }

  const tick = () => {
    running ??= runOnce()
      .then((outcome) => outcome.ran && deps.log.info({ deleted: outcome.deleted }, 'camera log retention ran'))
      .catch((error: unknown) => deps.log.error({ err: error }, 'camera log retention failed'))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    runOnce,
    start(): void {
      timer = setTimeout(function loop() {
        tick();
        timer = setTimeout(loop, DAY_MS).unref();
      }, 15_000).unref();
    },
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
