// Retention of detection events and their snapshots: once a day, in one process at a time (a
// singleton job). Snapshots go sooner than events (they are most of the bytes); an event whose
// snapshot is gone says so (`hasSnapshot: false`).
import type { Database } from '../../platform/db/database.js';
import { createSingletonJob } from '../../platform/jobs.js';
import type { SingletonJob } from '../../platform/jobs.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import { eventsRepo } from './events.repo.js';

const DAY_MS = 86_400_000;

export function createEventRetention(deps: {
  database: Database;
  /** Events received longer ago than this are deleted. */
  retentionDays: number;
  /** Snapshots stored longer ago than this are deleted (their events stay). */
  snapshotRetentionDays: number;
  log: Logger;
  metrics: Metrics;
  now?: () => Date;
}): SingletonJob<{ events: number; snapshots: number }> {
  const now = deps.now ?? (() => new Date());
  return createSingletonJob({
    name: 'event-retention',
    database: deps.database,
    log: deps.log,
    metrics: deps.metrics,
    intervalMs: DAY_MS,
    initialDelayMs: 20_000,
    run: async (tx) => {
      const at = now().getTime();
      const snapshots = await eventsRepo.deleteSnapshotsBefore(tx, new Date(at - deps.snapshotRetentionDays * DAY_MS));
      const events = await eventsRepo.deleteBefore(tx, new Date(at - deps.retentionDays * DAY_MS));
      return { events, snapshots };
    },
    describe: (deleted) => ({ deleted }),
  });
}
