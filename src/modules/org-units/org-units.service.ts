// Org units: timelines of versions, written under the unit's row lock (and, when the shape of the
// tree changes, a lock for structural changes, so that two moves cannot make a cycle together);
// each write in one transaction with its audit record. temporal_operations_total is counted from the
// HTTP answer (platform/http/observability.ts), so that refusals of every layer count.
import type { Kysely } from 'kysely';
import { LOCKS, lockTransaction } from '../../platform/db/locks.js';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import { parseDate } from '../../platform/dates.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { checkHierarchy } from './hierarchy.js';
import { OrgErrors } from './org-units.errors.js';
import type { PathInfo } from './org-units.repo.js';
import { orgRepo } from './org-units.repo.js';
import type { Status, Timeline, Version, VersionFields, VersionMeta } from './timeline.js';
import { correctVersion, diff, insertVersion, removeVersion, setStatusFrom, toApiVersion, versionAt } from './timeline.js';
import type { TreeCacheOptions } from './tree-cache.js';
import { createTreeCache, treeCacheKey } from './tree-cache.js';
import type { TreeJsonRow } from './tree-json.js';
import { treeJson } from './tree-json.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import type { ScopePolicy } from '../auth/index.js';

export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A unit as the API shows it: one version, with its place in the tree on that version's date. */
export interface OrgUnit extends VersionFields {
  code: string;
  effectiveDate: string;
  endDate: string | null;
  changeReason: string | null;
  revision: number;
  codePath: string[];
  namePath: string[];
  level: number;
  hasScheduledChanges: boolean;
}

export interface VersionView extends Omit<OrgUnit, 'codePath' | 'namePath' | 'level' | 'hasScheduledChanges'> {
  changedBy: string | null;
  changedAt: string;
}

export interface TreeNode extends OrgUnit {
  children: TreeNode[];
}

export type FieldsInput = Partial<VersionFields>;

/**
 * Who asks: the principal, whose grants decide which units it may see and change (the scope policy:
 * the subtrees of its grants in today's tree), and the actor the audit trail records.
 */
export interface OrgCaller {
  principal: Principal;
  actor: Actor;
}

export interface OrgServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  /** Which units a caller may see and change. */
  policy: ScopePolicy;
  unitTypes: readonly string[];
  maxDepth: number;
  today: () => string;
  /** Called after every committed write (drops the scope cache here and in other processes). */
  onChange: () => void;
  now?: () => Date;
  /** Bounds of the tree answers kept in this process (tree-cache.ts). */
  treeCache?: TreeCacheOptions;
}

export function versionView(code: string, v: Version, revision: number): VersionView {
  return { ...toApiVersion(code, v), revision, changedBy: v.changedBy, changedAt: v.changedAt };
}

function unitView(code: string, v: Version, revision: number, path: PathInfo | undefined, scheduled: boolean): OrgUnit {
  const codePath = path?.codePath ?? [code];
  return {
    ...toApiVersion(code, v),
    revision,
    codePath,
    namePath: path?.namePath ?? [v.name],
    level: codePath.length,
    hasScheduledChanges: scheduled,
  };
}

/** Every field of a unit's first version, as changes from nothing. */
function created(v: VersionFields): Record<string, { from: unknown; to: unknown }> {
  const keys = ['name', 'unitType', 'parentCode', 'status', 'sortOrder', 'description', 'attributes'] as const;
  return Object.fromEntries(keys.map((k) => [k, { from: null, to: v[k] }]));
}

/** The parent relation of a timeline as merged segments, to tell whether a change moves anything. */
function shape(timeline: Timeline): string {
  const segments: [string, string | null][] = [];
  for (const v of timeline) if (segments.at(-1)?.[1] !== v.parentCode || segments.length === 0) segments.push([v.from, v.parentCode]);
  return JSON.stringify(segments);
}

/**
 * What the scope map of `date` (orgRepo.scopeTreeOn) holds of a unit with this timeline: the parent
 * and name of its first version not ended by then (in force that day, or the first one to come);
 * undefined when it has none. Two timelines with the same entry leave that map as it was.
 */
export function scopeEntry(timeline: Timeline, date: string): string | undefined {
  const v = timeline.find((version) => version.to === null || version.to > date);
  return v === undefined ? undefined : JSON.stringify([v.parentCode, v.name]);
}

/** Siblings in a tree: by sort order, then code. */
const bySortOrder = (x: TreeJsonRow, y: TreeJsonRow) => x.sortOrder - y.sortOrder || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0);

const unitCursor = cursorCodec('org units', cursorShape({ c: cursorField.text }));

export type { Actor };

export function createOrgService(deps: OrgServiceDeps) {
  const { db, audit, policy, unitTypes, maxDepth, today } = deps;
  const now = deps.now ?? (() => new Date());
  const trees = createTreeCache(deps.treeCache);

  function checkFields(fields: FieldsInput): void {
    if (fields.unitType !== undefined && !unitTypes.includes(fields.unitType)) throw OrgErrors.unknownType(fields.unitType, unitTypes);
    if (fields.parentCode !== undefined && fields.parentCode !== null && !CODE_PATTERN.test(fields.parentCode)) {
      throw OrgErrors.badCode(fields.parentCode);
    }
  }

  function meta(actor: Actor, reason: string | null | undefined): VersionMeta {
    return { changeReason: reason ?? null, changedBy: actor.id, changedAt: now().toISOString() };
  }

  function event(actor: Actor, action: string, code: string, before: unknown, after: unknown) {
    return {
      ...byActor(actor),
      action,
      resourceType: 'org_unit',
      resourceId: code,
      orgUnitCode: code,
      before,
      after,
      result: 'success' as const,
    };
  }

  /**
   * Runs a write and tells the scope cache when it committed, unless `keepsScope` (asked after the
   * commit) says that the write left today's tree as the cache holds it.
   */
  async function written<T>(work: () => Promise<T>, keepsScope?: () => boolean): Promise<T> {
    const result = await work();
    if (!keepsScope?.()) deps.onChange();
    return result;
  }

  /** Whether a unit's new timeline leaves the scope map of today (scope.ts) as it was: see `scopeEntry`. */
  const sameScopeToday = (before: Timeline, after: Timeline) => {
    const date = today();
    return scopeEntry(before, date) === scopeEntry(after, date);
  };

  /** Locks the unit, checks If-Match, and loads its timeline. */
  async function open(tx: Kysely<Schema>, code: string, ifMatch: number | undefined) {
    const unit = await orgRepo.unit(tx, code, true);
    if (!unit) throw OrgErrors.notFound(code);
    if (ifMatch !== undefined && ifMatch !== unit.revision) throw OrgErrors.stale(code, ifMatch, unit.revision);
    return { revision: unit.revision, timeline: await orgRepo.timeline(tx, code) };
  }

  /** Checks the new timeline against the tree when it changes where the unit hangs (or starts). */
  async function checkStructure(tx: Kysely<Schema>, code: string, before: Timeline, after: Timeline): Promise<void> {
    if (after.length === 0 || (before.length > 0 && shape(before) === shape(after))) return;
    await lockTransaction(tx, LOCKS.orgStructure);
    const parents = [...new Set(after.map((v) => v.parentCode).filter((p): p is string => p !== null))];
    const others = await orgRepo.ancestorTimelines(tx, parents);
    for (const [unit, t] of await orgRepo.descendantTimelines(tx, code)) others.set(unit, t);
    others.delete(code);
    checkHierarchy({ code, timeline: after, others, maxDepth });
  }

  async function store(tx: Kysely<Schema>, code: string, timeline: Timeline): Promise<number> {
    await orgRepo.replaceTimeline(tx, code, timeline);
    return orgRepo.bumpRevision(tx, code);
  }

  async function view(code: string, date: string, executor: Kysely<Schema> = db): Promise<OrgUnit> {
    const found = await orgRepo.unitAt(executor, code, date);
    if (!found) throw (await orgRepo.codeExists(executor, code)) ? OrgErrors.notFound(code, date) : OrgErrors.notFound(code);
    return unitView(code, found, found.revision, found.path, found.scheduled);
  }

  /** Suspends or reactivates one unit from `date` on; returns whether it changed. */
  async function changeStatus(
    tx: Kysely<Schema>,
    code: string,
    date: string,
    status: Status,
    actor: Actor,
    reason: string,
    cascadedFrom?: string,
  ) {
    const { timeline } = await open(tx, code, undefined);
    const next = setStatusFrom(code, timeline, date, status, meta(actor, reason));
    if (JSON.stringify(next) === JSON.stringify(timeline)) return false;
    const revision = await store(tx, code, next);
    await audit.write(
      tx,
      event(
        actor,
        status === 'INACTIVE' ? 'org_unit.suspend' : 'org_unit.reactivate',
        code,
        { status: versionAt(timeline, date)?.status },
        {
          status,
          effectiveDate: date,
          reason,
          revision,
          ...(cascadedFrom ? { cascadedFrom } : {}),
        },
      ),
    );
    return true;
  }

  /** A unit outside the caller's read scope does not exist for it (404). */
  async function visible(caller: OrgCaller, code: string): Promise<void> {
    if (!(await visibility(caller))(code)) throw OrgErrors.notFound(code);
  }

  /** Whether the caller may see a unit, for filtering many. */
  async function visibility(caller: OrgCaller): Promise<(code: string) => boolean> {
    const seen = await policy.reach(caller.principal, 'org:read');
    return (code) => policy.covers(seen, code);
  }

  /**
   * A write stays inside the caller's write scope: the unit (which it must see first), and any new
   * parent (null: a root, which only a global grant may make).
   */
  async function writable(caller: OrgCaller, code: string | undefined, parentCode: string | null | undefined): Promise<void> {
    if (code !== undefined) await visible(caller, code);
    const allowed = await policy.reach(caller.principal, 'org:write');
    if (allowed === 'all') return;
    if (code !== undefined && !allowed.has(code)) throw OrgErrors.outOfScope();
    if (parentCode === null || (parentCode !== undefined && !allowed.has(parentCode))) throw OrgErrors.outOfScope();
  }

  /** A date the caller asked for (YYYY-MM-DD), or today. */
  const asOfDate = (asOf: string | undefined) => (asOf === undefined ? today() : parseDate(asOf, 'asOf'));

  return {
    today,
    async create(
      caller: OrgCaller,
      input: FieldsInput & { code?: string; name: string; unitType: string; effectiveDate?: string; changeReason?: string | null },
    ): Promise<OrgUnit> {
      const { actor } = caller;
      await writable(caller, undefined, input.parentCode ?? null);
      checkFields(input);
      if (input.code !== undefined && !CODE_PATTERN.test(input.code)) throw OrgErrors.badCode(input.code);
      const from = input.effectiveDate === undefined ? today() : parseDate(input.effectiveDate, 'effectiveDate');
      return written(() =>
        db.transaction().execute(async (tx) => {
          const code = input.code ?? (await orgRepo.nextCode(tx));
          if (await orgRepo.codeExists(tx, code)) throw OrgErrors.exists(code);
          const version: Version = {
            name: input.name,
            unitType: input.unitType,
            parentCode: input.parentCode ?? null,
            status: input.status ?? 'ACTIVE',
            sortOrder: input.sortOrder ?? 0,
            description: input.description ?? null,
            attributes: input.attributes ?? {},
            ...meta(actor, input.changeReason),
            from,
            to: null,
          };
          await checkStructure(tx, code, [], [version]);
          await orgRepo.insertUnit(tx, code);
          await orgRepo.replaceTimeline(tx, code, [version]);
          await audit.write(tx, event(actor, 'org_unit.create', code, null, versionView(code, version, 1)));
          return view(code, from, tx);
        }),
      );
    },

    async addVersion(
      caller: OrgCaller,
      code: string,
      input: FieldsInput & { effectiveDate: string; changeReason?: string | null },
      ifMatch?: number,
    ): Promise<OrgUnit> {
      const { actor } = caller;
      await writable(caller, code, input.parentCode);
      checkFields(input);
      const from = parseDate(input.effectiveDate, 'effectiveDate');
      const { effectiveDate: _d, changeReason, ...fields } = input;
      let stored: { before: Timeline; after: Timeline } | undefined;
      return written(
        () =>
          db.transaction().execute(async (tx) => {
            const { timeline } = await open(tx, code, ifMatch);
            const next = insertVersion(code, timeline, from, fields, meta(actor, changeReason));
            stored = { before: timeline, after: next };
            await checkStructure(tx, code, timeline, next);
            const revision = await store(tx, code, next);
            const before = versionAt(timeline, from) ?? timeline[0]!;
            await audit.write(
              tx,
              event(
                actor,
                'org_unit.version_create',
                code,
                versionView(code, before, revision - 1),
                versionView(code, versionAt(next, from)!, revision),
              ),
            );
            return view(code, from, tx);
          }),
        () => stored !== undefined && sameScopeToday(stored.before, stored.after),
      );
    },

    async correctVersion(
      caller: OrgCaller,
      code: string,
      effectiveDate: string,
      input: FieldsInput & { changeReason?: string | null },
      ifMatch?: number,
    ): Promise<OrgUnit> {
      const { actor } = caller;
      await writable(caller, code, input.parentCode);
      checkFields(input);
      const from = parseDate(effectiveDate, 'effectiveDate');
      const { changeReason, ...fields } = input;
      let stored: { before: Timeline; after: Timeline } | undefined;
      return written(
        () =>
          db.transaction().execute(async (tx) => {
            const { timeline } = await open(tx, code, ifMatch);
            const next = correctVersion(code, timeline, from, fields, meta(actor, changeReason));
            stored = { before: timeline, after: next };
            await checkStructure(tx, code, timeline, next);
            const revision = await store(tx, code, next);
            const before = versionAt(timeline, from)!;
            const after = versionAt(next, from)!;
            await audit.write(
              tx,
              event(actor, 'org_unit.version_update', code, versionView(code, before, revision - 1), {
                ...versionView(code, after, revision),
                changes: diff(before, after),
              }),
            );
            return view(code, from, tx);
          }),
        () => stored !== undefined && sameScopeToday(stored.before, stored.after),
      );
    },

    /** Removes a version; removing the only one removes the unit. Answers the unit's timeline after it. */
    async removeVersion(caller: OrgCaller, code: string, effectiveDate: string, ifMatch?: number): Promise<VersionView[]> {
      const { actor } = caller;
      await writable(caller, code, undefined);
      const from = parseDate(effectiveDate, 'effectiveDate');
      return written(() =>
        db.transaction().execute(async (tx) => {
          const { timeline, revision: current } = await open(tx, code, ifMatch);
          const next = removeVersion(code, timeline, from);
          const removed = versionView(code, versionAt(timeline, from)!, current);
          if (next.length === 0) {
            const children = (await orgRepo.everChildren(tx, code)).filter((c) => c !== code);
            if (children.length > 0) throw OrgErrors.hasChildren(code, children);
            await orgRepo.deleteUnit(tx, code);
            await audit.write(tx, event(actor, 'org_unit.delete', code, removed, null));
            return [];
          }
          await checkStructure(tx, code, timeline, next);
          const revision = await store(tx, code, next);
          await audit.write(tx, event(actor, 'org_unit.version_delete', code, removed, { revision }));
          return next.map((v) => versionView(code, v, revision));
        }),
      );
    },

    async suspend(caller: OrgCaller, code: string, input: { effectiveDate: string; reason: string; cascade?: boolean }, ifMatch?: number) {
      const { actor } = caller;
      await writable(caller, code, undefined);
      const date = parseDate(input.effectiveDate, 'effectiveDate');
      return written(() =>
        db.transaction().execute(async (tx) => {
          await open(tx, code, ifMatch);
          const active = (await orgRepo.childrenAt(tx, code, date)).filter((c) => c.status === 'ACTIVE').map((c) => c.code);
          if (active.length > 0 && !input.cascade) throw OrgErrors.activeChildren(code, date, active);
          await changeStatus(tx, code, date, 'INACTIVE', actor, input.reason);
          if (input.cascade) {
            for (const unit of await orgRepo.subtreeAt(tx, code, date, maxDepth)) {
              if (unit.code !== code) await changeStatus(tx, unit.code, date, 'INACTIVE', actor, input.reason, code);
            }
          }
          return view(code, date, tx);
        }),
      );
    },

    async reactivate(
      caller: OrgCaller,
      code: string,
      input: { effectiveDate: string; reason: string; cascade?: boolean },
      ifMatch?: number,
    ) {
      const { actor } = caller;
      await writable(caller, code, undefined);
      const date = parseDate(input.effectiveDate, 'effectiveDate');
      return written(() =>
        db.transaction().execute(async (tx) => {
          await open(tx, code, ifMatch);
          await changeStatus(tx, code, date, 'ACTIVE', actor, input.reason);
          if (input.cascade) {
            for (const unit of await orgRepo.subtreeAt(tx, code, date, maxDepth)) {
              if (unit.code !== code) await changeStatus(tx, unit.code, date, 'ACTIVE', actor, input.reason, code);
            }
          }
          return view(code, date, tx);
        }),
      );
    },

    /** The unit in force on `asOf` (YYYY-MM-DD; default today), if the caller may see it. */
    async get(caller: OrgCaller, code: string, asOf: string | undefined): Promise<OrgUnit> {
      await visible(caller, code);
      return view(code, asOfDate(asOf));
    },

    /** Units in force on `asOf` (default today) that the caller may see. */
    async list(
      caller: OrgCaller,
      options: {
        asOf: string | undefined;
        limit: number;
        cursor?: string;
        parentCode?: string;
        roots?: boolean;
        status?: Status;
        unitType?: string;
        text?: string;
      },
    ): Promise<{ items: OrgUnit[]; nextCursor: string | null }> {
      const seen = await policy.reach(caller.principal, 'org:read');
      const { limit, cursor, ...filters } = options;
      const asOf = asOfDate(options.asOf);
      const after = unitCursor.decode(cursor)?.c;
      const codes = await orgRepo.list(db, {
        ...filters,
        date: asOf,
        limit: limit + 1,
        ...(after !== undefined ? { after } : {}),
        ...(seen !== 'all' ? { within: [...seen] } : {}),
      });
      const page = codes.slice(0, limit);
      const [versions, paths] = await Promise.all([orgRepo.versionsAt(db, page, asOf), orgRepo.pathsAt(db, page, asOf)]);
      const byCode = new Map(versions.map((v) => [v.code, v]));
      return {
        items: page.map((code) => {
          const v = byCode.get(code)!;
          return unitView(code, v, v.revision, paths.get(code), v.scheduled);
        }),
        nextCursor: codes.length > limit && page.length > 0 ? unitCursor.encode({ c: page.at(-1)! }) : null,
      };
    },

    async versions(caller: OrgCaller, code: string): Promise<VersionView[]> {
      await visible(caller, code);
      const unit = await orgRepo.unit(db, code);
      if (!unit) throw OrgErrors.notFound(code);
      return (await orgRepo.timeline(db, code)).map((v) => versionView(code, v, unit.revision));
    },

    /**
     * The subtree on a date, `depth` levels deep, as JSON text (an OrgUnitTree, tree-json.ts): the
     * versions in force then of the units below the unit (orgRepo.treeAt: read down from it, so a
     * subtree costs what it holds), siblings by sort order then code. A unit the caller may not
     * see is left out with its subtree.
     */
    async tree(caller: OrgCaller, code: string, asOfText: string | undefined, depth: number): Promise<Buffer> {
      const reach = await policy.reach(caller.principal, 'org:read');
      if (!policy.covers(reach, code)) throw OrgErrors.notFound(code);
      const asOf = asOfDate(asOfText);
      // A caller who sees every unit gets the answer kept for this tree, date and depth, while the
      // tree's stamp is the one it was read at (tree-cache.ts).
      const key = reach === 'all' ? treeCacheKey(code, asOf, depth) : undefined;
      if (key !== undefined && trees.has(key)) {
        const kept = trees.get(key, await orgRepo.treeStamp(db));
        if (kept) return kept;
      }
      const { rows, stamp } = await orgRepo.treeAt(db, code, asOf, depth);
      // Children by parent; a unit read twice (only through a cycle, which the checks on writes
      // prevent) is kept once, as the walk from the unit would meet it.
      const byCode = new Map<string, TreeJsonRow>();
      const children = new Map<string, TreeJsonRow[]>();
      for (const row of rows) {
        if (byCode.has(row.code)) continue;
        byCode.set(row.code, row);
        if (row.parentCode === null) continue;
        const siblings = children.get(row.parentCode);
        if (siblings) siblings.push(row);
        else children.set(row.parentCode, [row]);
      }
      const root = byCode.get(code);
      if (!root) throw (await orgRepo.codeExists(db, code)) ? OrgErrors.notFound(code, asOf) : OrgErrors.notFound(code);
      // The unit's place in the tree on that date: above it, when it has a parent.
      const above = root.parentCode === null ? undefined : (await orgRepo.pathsAt(db, [code], asOf)).get(code);
      const visible = reach === 'all' ? undefined : (unit: TreeJsonRow) => policy.covers(reach, unit.code);
      const levels = new Map<TreeJsonRow, number>([[root, 1]]);
      const none: TreeJsonRow[] = [];
      const json = treeJson(
        {
          root,
          codePath: above?.codePath ?? [code],
          namePath: above?.namePath ?? [root.name],
          childrenOf(row) {
            const level = levels.get(row)!;
            const below = level < depth ? children.get(row.code) : undefined;
            if (below === undefined) return none;
            below.sort(bySortOrder);
            const shown = visible ? below.filter(visible) : below;
            for (const child of shown) levels.set(child, level + 1);
            return shown;
          },
        },
        rows.length,
      );
      if (key !== undefined && stamp !== null) trees.set(key, stamp, json);
      return json;
    },

    /** What changed in the unit and its subtree between two dates (inclusive), oldest first; only units the caller may see. */
    async changes(caller: OrgCaller, code: string, fromText: string, toText: string) {
      const seen = await visibility(caller);
      if (!seen(code)) throw OrgErrors.notFound(code);
      const from = parseDate(fromText, 'from');
      const to = parseDate(toText, 'to');
      if (from > to) throw OrgErrors.badRange(from, to);
      if (!(await orgRepo.codeExists(db, code))) throw OrgErrors.notFound(code);
      const codes = new Set([code]);
      for (const date of [from, to]) for (const unit of await orgRepo.subtreeAt(db, code, date, maxDepth)) codes.add(unit.code);
      const rows = (await orgRepo.changes(db, [...codes], from, to)).filter(({ version }) => seen(version.code));
      return rows.map(({ version, previous }) => ({
        code: version.code,
        effectiveDate: version.from,
        kind: previous ? ('changed' as const) : ('created' as const),
        changes: previous ? diff(previous, version) : created(version),
        changeReason: version.changeReason,
        changedBy: version.changedBy,
        changedAt: version.changedAt,
      }));
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
