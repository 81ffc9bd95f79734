// The audit trail. Every module records its changes through `write`, on the transaction that makes
// the change, so that both commit or neither does: no audit, no write. Views (reads worth recording)
// go through audit-views.ts instead: once per viewer and window, outside any transaction. Secrets
// never reach the table.
import type { Kysely } from 'kysely';
import type { Database } from './db/database.js';
import { cursorCodec, cursorField, cursorShape } from './http/pagination.js';
import { uuidv7 } from './ids.js';
import { isSecretKey, REDACTED, redactString } from './log.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { auditRepo } from './audit.repo.js';
import type { AuditInsert } from './audit.repo.js';
import { createSingletonJob } from './jobs.js';
import type { SingletonJob } from './jobs.js';
import type { Schema } from './db/schema.js';

export type { AuditActorType, AuditResult } from './db/schema.js';
import type { AuditActorType, AuditResult } from './db/schema.js';

export const AUDIT_ACTOR_TYPES = ['user', 'api_key', 'system', 'anonymous'] as const satisfies readonly AuditActorType[];
export const AUDIT_RESULTS = ['success', 'failure', 'denied'] as const satisfies readonly AuditResult[];

/** `<area>.<verb>` in lower snake case, dot-separated: auth.login, org_unit.create. Same rule as the table's check. */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** An action filter that selects a family: `auth.*`, `org_unit.*`. */
const ACTION_PREFIX_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/;

/** The job that deletes old audit events; its lock is `job:audit-retention`. */
export const AUDIT_RETENTION_JOB = 'audit-retention';

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

/** `at` with the database's microseconds, so that no row is skipped or repeated between pages. */
const auditCursor = cursorCodec('audit', cursorShape({ at: cursorField.instantMicros, id: cursorField.uuid }));

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

export function createAudit(deps: { metrics: Pick<Metrics, 'auditWrites'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  function toRow(event: AuditEvent, at: Date): AuditInsert {
    return {
      id: uuidv7(at.getTime()),
      at,
      actor_type: event.actorType,
      actor_id: event.actorId,
      action: event.action,
      resource_type: event.resourceType,
      resource_id: event.resourceId,
      org_unit_code: event.orgUnitCode ?? null,
      before: JSON.stringify(maskSecrets(event.before)),
      after: JSON.stringify(maskSecrets(event.after)),
      result: event.result,
      request_id: event.requestId ?? null,
      ip: event.ip ?? null,
    };
  }

  async function insert(db: Kysely<Schema>, events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      for (const event of events) validate(event);
      const at = now();
      await auditRepo.insert(
        db,
        events.map((event) => toRow(event, at)),
      );
    } catch (error) {
      deps.metrics.auditWrites.inc({ status: 'failure' }, events.length);
      throw error;
    }
    deps.metrics.auditWrites.inc({ status: 'success' }, events.length);
  }

  return {
    /**
     * Records `event` on `db`, which must be the transaction making the change: if this throws,
     * the caller's transaction fails and the change with it.
     */
    write: (db: Kysely<Schema>, event: AuditEvent): Promise<void> => insert(db, [event]),

    /** Records several events in one statement, all or none (views of many resources at once: audit-views.ts). */
    writeMany: (db: Kysely<Schema>, events: readonly AuditEvent[]): Promise<void> => insert(db, events),

    /** Newest first, by (at, id); a bad cursor is 400 INVALID_CURSOR. */
    async list(db: Kysely<Schema>, filters: AuditListFilters): Promise<AuditPage> {
      const after = auditCursor.decode(filters.cursor);
      if (filters.orgUnitCodes?.length === 0) return { items: [], nextCursor: null };
      const { action, cursor: _cursor, ...rest } = filters;
      const rows = await auditRepo.list(db, {
        ...rest,
        ...(action !== undefined
          ? { action: ACTION_PREFIX_PATTERN.test(action) ? { prefix: action.slice(0, -1) } : { exact: action } }
          : {}),
        after,
        limit: filters.limit + 1,
      });
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
        nextCursor: rows.length > filters.limit && last ? auditCursor.encode({ at: last.at_exact, id: last.id }) : null,
      };
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit events older than `retentionDays`, once soon after start and then every
 * `intervalMs`, in one process of those sharing the database at a time (a singleton job).
 */
export function createAuditRetention(deps: {
  database: Database;
  retentionDays: number;
  log: Logger;
  metrics: Metrics;
  intervalMs?: number;
  /** Wait before the first run, so start-up is not slowed by it. */
  initialDelayMs?: number;
  /** Rows deleted per statement, so that each stays well inside the statement timeout however many are due. */
  batchSize?: number;
  now?: () => Date;
}): SingletonJob<number> {
  if (!Number.isInteger(deps.retentionDays) || deps.retentionDays < 1) {
    throw new Error(`audit retention must be a whole number of days, at least 1 (got ${deps.retentionDays})`);
  }
  const now = deps.now ?? (() => new Date());
  const batch = deps.batchSize ?? 5_000;
  return createSingletonJob({
    name: AUDIT_RETENTION_JOB,
    database: deps.database,
    log: deps.log,
    metrics: deps.metrics,
    intervalMs: deps.intervalMs ?? DAY_MS,
    initialDelayMs: deps.initialDelayMs ?? 10_000,
    run: (tx) => auditRepo.deleteBefore(tx, new Date(now().getTime() - deps.retentionDays * DAY_MS), batch),
    describe: (deleted) => ({ deleted }),
  });
}
