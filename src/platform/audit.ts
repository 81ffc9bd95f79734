// The audit trail. Every module records its changes through `write`, on the transaction that makes
// the change, so that both commit or neither does: no audit, no write. Secrets never reach the table.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from './db/database.js';
import { decodeCursor, encodeCursor } from './http/pagination.js';
import { uuidv7, UUID_PATTERN } from './ids.js';
import { isSecretKey, REDACTED, redactString } from './log.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Schema } from './db/schema.js';

export type { AuditActorType, AuditResult } from './db/schema.js';
import type { AuditActorType, AuditResult } from './db/schema.js';

export const AUDIT_ACTOR_TYPES = ['user', 'api_key', 'system', 'anonymous'] as const satisfies readonly AuditActorType[];
export const AUDIT_RESULTS = ['success', 'failure', 'denied'] as const satisfies readonly AuditResult[];

/** `<area>.<verb>` in lower snake case, dot-separated: auth.login, org_unit.create. Same rule as the table's check. */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** An action filter that selects a family: `auth.*`, `org_unit.*`. */
const ACTION_PREFIX_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/;

/** pg_try_advisory_xact_lock key of the retention job: "vigil-au" as a 64-bit integer. */
export const AUDIT_RETENTION_LOCK_KEY = '8532464671514255733';

/**
 * The caller's Kysely instance or transaction, whatever its tables: audit_events is reached through
 * a cast. (A type parameter here is inferred badly from some Transaction types.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;

/** Who made a change, for the audit trail. */
export interface Actor {
  type: 'user' | 'api_key' | 'system';
  id: string | null;
  requestId?: string | null;
  ip?: string | null;
}

/** The audit fields that say who acted: spread into an AuditEvent. */
export function byActor(actor: Actor): Pick<AuditEvent, 'actorType' | 'actorId' | 'requestId' | 'ip'> {
  return { actorType: actor.type, actorId: actor.id, requestId: actor.requestId ?? null, ip: actor.ip ?? null };
}

export interface AuditEvent {
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  orgUnitCode?: string | null;
  before?: unknown;
  after?: unknown;
  result: AuditResult;
  requestId?: string | null;
  ip?: string | null;
}

/** An audit event as the API shows it. */
export interface AuditRecord {
  id: string;
  /** ISO 8601, UTC. */
  at: string;
  actorType: AuditActorType;
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  orgUnitCode: string | null;
  before: unknown;
  after: unknown;
  result: AuditResult;
  requestId: string | null;
  ip: string | null;
}

export interface AuditListFilters {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  actorId?: string;
  /** An exact action, or a family ending in `.*` such as `auth.*`. */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  /** Scope: only events of these units; events without a unit are left out. */
  orgUnitCodes?: string[];
  result?: AuditResult;
  limit: number;
  cursor?: string;
}

export interface AuditPage {
  items: AuditRecord[];
  nextCursor: string | null;
}

interface AuditCursor {
  /** `at` with the database's microseconds, so that no row is skipped or repeated between pages. */
  at: string;
  id: string;
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function isAuditCursor(value: unknown): value is AuditCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { at, id } = value as Record<string, unknown>;
  return typeof at === 'string' && CURSOR_AT.test(at) && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && UUID_PATTERN.test(id);
}

/** An event that cannot be recorded: a bug in the calling module, so it fails the change. */
export class InvalidAuditEventError extends Error {
  constructor(reason: string) {
    super(`invalid audit event: ${reason}`);
    this.name = 'InvalidAuditEventError';
  }
}

function validate(event: AuditEvent): void {
  if (!AUDIT_ACTOR_TYPES.includes(event.actorType)) throw new InvalidAuditEventError(`unknown actorType ${String(event.actorType)}`);
  if (typeof event.action !== 'string' || !AUDIT_ACTION_PATTERN.test(event.action)) {
    throw new InvalidAuditEventError(`action ${JSON.stringify(event.action)} must look like area.verb (lower snake case, dot-separated)`);
  }
  if (typeof event.resourceType !== 'string' || event.resourceType === '') throw new InvalidAuditEventError('resourceType is required');
  if (!AUDIT_RESULTS.includes(event.result)) throw new InvalidAuditEventError(`unknown result ${String(event.result)}`);
}

/**
 * A JSON copy of `value` in which every property whose name looks secret (at any depth) is
 * `[REDACTED]`, and credentials inside strings (URLs, bearer tokens) are masked. A boolean holds no
 * secret, whatever its name: `hasCredentials: true` says that there are some, and stays readable.
 */
export function maskSecrets(value: unknown): unknown {
  if (value === undefined) return null;
  // Through JSON first: what is stored is what JSON.stringify makes of it (dates, toJSON, undefined).
  const text = JSON.stringify(value) as string | undefined;
  return text === undefined ? null : mask(JSON.parse(text));
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(mask);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    out[key] = isSecretKey(key) && item !== null && typeof item !== 'boolean' ? REDACTED : mask(item);
  return out;
}

const asJsonb = (value: unknown) => sql`cast(cast(${JSON.stringify(maskSecrets(value))} as text) as jsonb)`;

export function createAudit(deps: { metrics: Pick<Metrics, 'auditWrites'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  return {
    /**
     * Records `event` on `db`, which must be the transaction making the change: if this throws,
     * the caller's transaction fails and the change with it.
     */
    async write(db: AnyKysely, event: AuditEvent): Promise<void> {
      try {
        validate(event);
        const at = now();
        await (db as Kysely<Schema>)
          .insertInto('audit_events')
          .values({
            id: uuidv7(at.getTime()),
            at,
            actor_type: event.actorType,
            actor_id: event.actorId,
            action: event.action,
            resource_type: event.resourceType,
            resource_id: event.resourceId,
            org_unit_code: event.orgUnitCode ?? null,
            before: asJsonb(event.before),
            after: asJsonb(event.after),
            result: event.result,
            request_id: event.requestId ?? null,
            ip: event.ip ?? null,
          })
          .execute();
      } catch (error) {
        deps.metrics.auditWrites.inc({ status: 'failure' });
        throw error;
      }
      deps.metrics.auditWrites.inc({ status: 'success' });
    },

    /** Newest first, by (at, id); a bad cursor is 400 INVALID_CURSOR. */
    async list(db: AnyKysely, filters: AuditListFilters): Promise<AuditPage> {
      const after = decodeCursor(filters.cursor, isAuditCursor);
      if (filters.orgUnitCodes?.length === 0) return { items: [], nextCursor: null };
      let query = (db as Kysely<Schema>)
        .selectFrom('audit_events')
        .selectAll()
        .select(sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('at_exact'))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(filters.limit + 1);
      if (filters.from) query = query.where('at', '>=', filters.from);
      if (filters.to) query = query.where('at', '<', filters.to);
      if (filters.actorId !== undefined) query = query.where('actor_id', '=', filters.actorId);
      if (filters.action !== undefined) {
        query = ACTION_PREFIX_PATTERN.test(filters.action)
          ? // `_` is a LIKE wildcard: escape it (backslash is LIKE's default escape).
            query.where('action', 'like', `${filters.action.slice(0, -1).replaceAll('_', '\\_')}%`)
          : query.where('action', '=', filters.action);
      }
      if (filters.resourceType !== undefined) query = query.where('resource_type', '=', filters.resourceType);
      if (filters.resourceId !== undefined) query = query.where('resource_id', '=', filters.resourceId);
      if (filters.orgUnitCodes) query = query.where('org_unit_code', 'in', filters.orgUnitCodes);
      if (filters.result !== undefined) query = query.where('result', '=', filters.result);
      if (after) {
        query = query.where(
          sql<boolean>`(at, id) < (cast(cast(${after.at} as text) as timestamptz), cast(cast(${after.id} as text) as uuid))`,
        );
      }
      const rows = await query.execute();
      const page = rows.slice(0, filters.limit);
      const last = page.at(-1);
      return {
        items: page.map((row): AuditRecord => ({
          id: row.id,
          at: row.at.toISOString(),
          actorType: row.actor_type,
          actorId: row.actor_id,
          action: row.action,
          resourceType: row.resource_type,
          resourceId: row.resource_id,
          orgUnitCode: row.org_unit_code,
          before: row.before,
          after: row.after,
          result: row.result,
          requestId: row.request_id,
          ip: row.ip,
        })),
        nextCursor: rows.length > filters.limit && last ? encodeCursor({ at: last.at_exact, id: last.id }) : null,
      };
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit events older than `retentionDays`, once soon after start and then every
 * `intervalMs`. Processes sharing a database take turns through an advisory lock: one deletes,
 * the others skip that round.
 */
export function createAuditRetention(deps: {
  database: Database;
  retentionDays: number;
  log: Logger;
  intervalMs?: number;
  /** Wait before the first run, so start-up is not slowed by it. */
  initialDelayMs?: number;
  /** Rows deleted per statement, so that each stays well inside the statement timeout however many are due. */
  batchSize?: number;
  now?: () => Date;
}) {
  if (!Number.isInteger(deps.retentionDays) || deps.retentionDays < 1) {
    throw new Error(`audit retention must be a whole number of days, at least 1 (got ${deps.retentionDays})`);
  }
  const intervalMs = deps.intervalMs ?? DAY_MS;
  const initialDelayMs = deps.initialDelayMs ?? 10_000;
  const now = deps.now ?? (() => new Date());
  const db = deps.database.db;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOnce(): Promise<{ ran: boolean; deleted: number }> {
    const cutoff = new Date(now().getTime() - deps.retentionDays * DAY_MS);
    const outcome = await db.transaction().execute(async (tx) => {
      // Released by the commit: a crashed run cannot leave the lock behind.
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${AUDIT_RETENTION_LOCK_KEY}) as locked`.execute(tx);
      if (!rows[0]?.locked) return { ran: false, deleted: 0 };
      const batch = deps.batchSize ?? 5_000;
      let deleted = 0;
      for (;;) {
        const due = tx.selectFrom('audit_events').select('id').where('at', '<', cutoff).limit(batch);
        const result = await tx.deleteFrom('audit_events').where('id', 'in', due).executeTakeFirst();
        deleted += Number(result.numDeletedRows);
        if (Number(result.numDeletedRows) < batch) return { ran: true, deleted };
      }
    });
    if (outcome.ran) deps.log.info({ deleted: outcome.deleted, cutoff: cutoff.toISOString() }, 'audit retention ran');
    else deps.log.debug('audit retention skipped: another process holds its lock');
    return outcome;
  }

  function tick(): void {
    if (running) return; // the previous run is still going: skip this one
    running = runOnce()
      .catch((error: unknown) => deps.log.error({ err: error }, 'audit retention failed'))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    runOnce,
    start(): void {
      if (timer || stopped) return;
      timer = setTimeout(() => {
        tick();
        if (stopped) return;
        timer = setInterval(tick, intervalMs);
        timer.unref();
      }, initialDelayMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      stopped = true;
      // clearTimeout and clearInterval are interchangeable in Node.
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

export type AuditRetention = ReturnType<typeof createAuditRetention>;
