// Views in the audit trail: who looked at a resource (a camera's status, a frame, a log, an event's
// snapshot), recorded once per viewer, resource and action within a window, not once per read. A
// camera wall refreshing every second writes one row per tile and viewer every window instead of a
// row per tile per second, and a repeated read touches no table at all.
//
// The memory of what was recorded is this process's own: a map bounded in size, oldest first. In a
// cluster each process records a view at most once per window (N processes: at most N rows). When
// the map is full the oldest entry goes, so a crowded memory records a view again early: more rows,
// never fewer. Rows are written after the answer, in one statement per batch of views; a write that
// fails is logged and counted (audit_views_total{outcome="failed"}), and the view is forgotten so
// that the next one is recorded again. `flush` waits for the writes in flight (shutdown).
import type { Kysely } from 'kysely';
import type { Actor, Audit, AuditEvent } from './audit.js';
import { byActor } from './audit.js';
import type { Schema } from './db/schema.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** A resource seen, with what the audit row says of the view (`after`: a frame's size, ...). */
export interface View {
  resourceType: string;
  resourceId: string;
  orgUnitCode: string | null;
  after?: Record<string, unknown> | null;
}

export interface ViewAuditDeps {
  db: Kysely<Schema>;
  audit: Pick<Audit, 'writeMany'>;
  metrics: Pick<Metrics, 'auditViews'>;
  log: Logger;
  /** VIGIL_AUDIT_VIEW_WINDOW_S in ms; 0 records every view. */
  windowMs: number;
  now?: () => Date;
  /** Views remembered at most; the oldest is forgotten first. */
  maxEntries?: number;
}

/** About 170 bytes an entry (measured): some 17 MB when full, e.g. 1,000 cameras watched by 100 viewers. */
export const DEFAULT_MAX_VIEW_ENTRIES = 100_000;
/** Rows per INSERT: 13 parameters each, far below PostgreSQL's 65,535. */
const ROWS_PER_STATEMENT = 1_000;

interface Recorded {
  event: AuditEvent;
  key: string;
  until: number;
}

export function createViewAudit(deps: ViewAuditDeps) {
  const { windowMs, log } = deps;
  const now = deps.now ?? (() => new Date());
  const maxEntries = deps.maxEntries ?? DEFAULT_MAX_VIEW_ENTRIES;
  /** Key → until when a view is already recorded. Insertion order is expiry order (one window for all). */
  const seen = new Map<string, number>();
  let queue: Recorded[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const writing = new Set<Promise<void>>();
  // Every outcome is exported from the start, at 0, so that a rate of it can be graphed before the first.
  for (const outcome of ['recorded', 'deduplicated', 'failed']) deps.metrics.auditViews.inc({ outcome }, 0);

  // join makes one flat string; a template literal would keep a tree of its parts, twice the memory.
  const keyOf = (actor: Actor, action: string, view: View) =>
    [actor.type, actor.id ?? '', action, view.resourceType, view.resourceId].join('\u0000');

  /** Drops the expired entries, oldest first. */
  function sweep(at: number): void {
    for (const [key, until] of seen) {
      if (until > at) break;
      seen.delete(key);
    }
  }

  /** Remembers a view until `until`, last in the map (expiry order), forgetting the oldest when full. */
  function remember(key: string, until: number): void {
    seen.delete(key);
    while (seen.size >= maxEntries) {
      const oldest = seen.keys().next();
      if (oldest.done === true) break;
      seen.delete(oldest.value);
    }
    seen.set(key, until);
  }

  async function write(batch: Recorded[]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) {
      const part = batch.slice(i, i + ROWS_PER_STATEMENT);
      try {
        await deps.audit.writeMany(
          deps.db,
          part.map((r) => r.event),
        );
        deps.metrics.auditViews.inc({ outcome: 'recorded' }, part.length);
      } catch (error) {
        deps.metrics.auditViews.inc({ outcome: 'failed' }, part.length);
        // Forgotten, so that the next view of each is recorded again (unless already recorded anew).
        for (const r of part) if (seen.get(r.key) === r.until) seen.delete(r.key);
        log.error(
          { err: error, views: part.length, actions: [...new Set(part.map((r) => r.event.action))] },
          'could not record views in the audit trail',
        );
      }
    }
  }

  function drain(): void {
    scheduled = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const done: Promise<void> = write(batch).finally(() => writing.delete(done));
    writing.add(done);
  }

  return {
    /**
     * Records that `actor` saw these resources through `action` (`camera.view_status`, ...), for
     * those not yet recorded for it within the window. Never throws and never waits: the rows are
     * written after the current turn, views of the same turn in one statement.
     */
    viewed(actor: Actor, action: string, views: readonly View[]): void {
      const at = now().getTime();
      sweep(at);
      let deduplicated = 0;
      for (const view of views) {
        const key = keyOf(actor, action, view);
        if ((seen.get(key) ?? Number.NEGATIVE_INFINITY) > at) {
          deduplicated += 1;
          continue;
        }
        const until = at + windowMs;
        if (windowMs > 0) remember(key, until);
        queue.push({
          key,
          until,
          event: {
            ...byActor(actor),
            action,
            resourceType: view.resourceType,
            resourceId: view.resourceId,
            orgUnitCode: view.orgUnitCode,
            after: view.after ?? null,
            result: 'success',
          },
        });
      }
      if (deduplicated > 0) deps.metrics.auditViews.inc({ outcome: 'deduplicated' }, deduplicated);
      if (queue.length > 0) scheduled ??= setImmediate(drain);
    },

    /** Writes what is queued and waits for every write in flight. */
    async flush(): Promise<void> {
      while (scheduled || writing.size > 0) {
        if (scheduled) {
          clearImmediate(scheduled);
          drain();
        }
        await Promise.all([...writing]);
      }
    },

    /** How many views are remembered (bounded by `maxEntries`). */
    size: () => seen.size,
  };
}

export type ViewAudit = ReturnType<typeof createViewAudit>;
