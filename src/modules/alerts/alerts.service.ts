// Alert rules (their checks, sealed channels, audit), the alerts they raise (list, one, ack), and
// silences. What a caller may see and change is asked of the scope policy: a rule, an alert and a
// silence belong to an org unit (a rule's scope unit); one on no unit is for global grants only.
import type { Kysely } from 'kysely';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { uuidv7 } from '../../platform/ids.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { Reach, ScopePolicy } from '../auth/index.js';
import { AlertErrors } from './alerts.errors.js';
import type { AlertFilter, InstanceRow, RuleRow, SilenceRow } from './alerts.repo.js';
import { alertsRepo } from './alerts.repo.js';
import type { ConditionInput, RuleInput } from './alerts.schemas.js';
import type { Channel } from './channels.js';
import { publicChannel } from './channels.js';
import type { ReadCondition } from './conditions.js';
import { formatDuration, parseDuration } from './durations.js';
import type { AlertSignals, CompiledRule, OrgView } from './evaluator.js';
import { judge } from './evaluator.js';
import { unknownFields } from './labels.js';
import type { Matcher } from './silences.js';
import { validRegex } from './silences.js';

export interface AlertCaller {
  principal: Principal;
  actor: Actor;
}

/** The longest window a condition may read events or reconnects over. */
const MAX_WINDOW_S = 7 * 86_400;

const ruleCursor = cursorCodec('alert rules', cursorShape({ i: cursorField.uuid }));
const alertCursor = cursorCodec('alerts', cursorShape({ a: cursorField.instant, i: cursorField.uuid }));
const silenceCursor = cursorCodec('silences', cursorShape({ i: cursorField.uuid }));

const channelContext = (ruleId: string) => `alert-rule:${ruleId}:channels`;
export const OUTBOX_SECRET_CONTEXT = 'alert-outbox:webhook-secret';

export interface AlertServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  policy: ScopePolicy;
  secrets: SecretBox;
  signals: AlertSignals;
  /** Today's tree (cached). */
  org: () => Promise<OrgView>;
  /** Whether an org unit exists (in force today or scheduled). */
  unitExists: (code: string) => Promise<boolean>;
  /** The units of these cameras (those that exist). */
  locateCameras: (ids: readonly string[]) => Promise<Map<string, { orgUnitCode: string }>>;
  /** Why a channel's URL is refused by the network rules (a literal address), or undefined. */
  refuseUrl: (url: URL) => Promise<string | undefined>;
  smtpConfigured: boolean;
  /** Tells the evaluator that rules changed (it runs a round soon). */
  onRulesChanged: () => void;
  /** Tells the live stream that an alert changed. */
  onAlertChanged: (row: InstanceRow) => void;
  /** Resolves a rule's active alerts with their notifications, in the transaction that deletes it. */
  resolveRule: (tx: Kysely<Schema>, rule: CompiledRule) => Promise<InstanceRow[]>;
  now?: () => Date;
}

export function toRule(row: RuleRow) {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    scope: { orgUnitCode: row.org_unit_code, cameraIds: row.camera_ids, labels: row.label_matchers },
    condition: row.condition as { type: string },
    for: formatDuration(row.for_s),
    keepFiringFor: formatDuration(row.keep_firing_for_s),
    severity: row.severity,
    labels: row.labels,
    annotations: row.annotations,
    channels: row.channels as ReturnType<typeof publicChannel>[],
    repeatInterval: formatDuration(row.repeat_interval_s),
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdBy: row.created_by,
  };
}
export type AlertRule = ReturnType<typeof toRule>;

export function toAlert(row: InstanceRow) {
  return {
    id: row.id,
    ruleId: row.rule_id,
    fingerprint: row.fingerprint,
    state: row.state,
    severity: row.severity,
    cameraId: row.camera_id,
    orgUnitCode: row.org_unit_code,
    labels: row.labels,
    annotations: row.annotations,
    value: row.value === null ? null : Number(row.value),
    activeSince: row.active_since.toISOString(),
    firedAt: row.fired_at?.toISOString() ?? null,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    ackedBy: row.acked_by,
    ackedAt: row.acked_at?.toISOString() ?? null,
    revision: row.revision,
  };
}
export type Alert = ReturnType<typeof toAlert>;

function silenceState(row: SilenceRow, now: Date): 'pending' | 'active' | 'expired' {
  if (row.expired_at !== null || row.ends_at <= now) return 'expired';
  return row.starts_at > now ? 'pending' : 'active';
}

/** A condition as stored, with its durations read; throws INVALID_ALERT_RULE naming the field. */
export function readCondition(condition: ConditionInput): ReadCondition {
  const seconds = (field: string, text: string, min: number) => {
    const value = parseDuration(text);
    if (value === undefined) throw AlertErrors.invalidRule(`condition.${field}`, `"${text}" is not a duration`);
    if (value < min) throw AlertErrors.invalidRule(`condition.${field}`, `must be at least ${min} s`);
    if (value > MAX_WINDOW_S) throw AlertErrors.invalidRule(`condition.${field}`, `must be at most ${formatDuration(MAX_WINDOW_S)}`);
    return value;
  };
  const c = condition as ConditionInput & Record<string, unknown>;
  switch (c.type) {
    case 'camera_offline':
      return { type: 'camera_offline' };
    case 'fps_below':
      return { type: 'fps_below', threshold: c.threshold as number };
    case 'reconnects_over':
      return { type: 'reconnects_over', count: c.count as number, windowS: seconds('window', c.window as string, 1) };
    case 'event_count_over':
      return {
        type: 'event_count_over',
        eventType: c.eventType as string,
        threshold: c.threshold as number,
        windowS: seconds('window', c.window as string, 1),
      };
    case 'event_continuous': {
      const durationS = seconds('duration', c.duration as string, 1);
      const maxGapS = seconds('maxGap', c.maxGap as string, 1);
      if (durationS + maxGapS > MAX_WINDOW_S)
        throw AlertErrors.invalidRule('condition.duration', 'duration and maxGap together must be at most 1w');
      return { type: 'event_continuous', eventType: c.eventType as string, durationS, maxGapS };
    }
    case 'no_events':
      return {
        type: 'no_events',
        eventType: (c.eventType as string | undefined) ?? null,
        windowS: seconds('window', c.window as string, 1),
      };
    case 'site_offline':
      return { type: 'site_offline', fraction: c.fraction as number };
    default:
      throw AlertErrors.invalidRule('condition.type', `unknown condition type ${JSON.stringify((c as { type: unknown }).type)}`);
  }
}

function readDuration(field: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const value = parseDuration(text);
  if (value === undefined) throw AlertErrors.invalidRule(field, `"${text}" is not a duration`);
  if (value < min) throw AlertErrors.invalidRule(field, `must be at least ${min} s`);
  return value;
}

export function createAlertService(deps: AlertServiceDeps) {
  const { db, audit, policy, secrets } = deps;
  const now = deps.now ?? (() => new Date());

  const reach = (caller: AlertCaller, write: boolean) => policy.reach(caller.principal, write ? 'alerts:write' : 'alerts:read');
  /** Whether `reach` covers a record on `unit` (a record on no unit: a global reach only). */
  const covers = (r: Reach, unit: string | null) => policy.covers(r, unit);

  function openChannels(row: RuleRow): Channel[] {
    if (row.channels_sealed === null) return [];
    return JSON.parse(secrets.decrypt(row.channels_sealed, channelContext(row.id))) as Channel[];
  }

  /** A stored rule, ready for the evaluator. */
  function compile(row: RuleRow): CompiledRule {
    return {
      id: row.id,
      name: row.name,
      unit: row.org_unit_code,
      cameraIds: row.camera_ids.length > 0 ? new Set(row.camera_ids) : null,
      labelMatchers: row.label_matchers,
      condition: readCondition(row.condition as ConditionInput),
      forS: row.for_s,
      keepFiringForS: row.keep_firing_for_s,
      repeatIntervalS: row.repeat_interval_s,
      severity: row.severity,
      labels: row.labels,
      annotations: row.annotations,
      channels: openChannels(row),
    };
  }

  /** Checks a rule against everything the schema cannot say; answers the columns to store. */
  async function check(caller: AlertCaller, input: RuleInput, id: string) {
    const writable = await reach(caller, true);
    const unit = input.scope.orgUnitCode ?? null;
    if (unit === null && writable !== 'all') {
      throw AlertErrors.invalidRule(
        'scope.orgUnitCode',
        'name the unit the rule watches (your grants are on units, so a rule on every unit is not yours to make)',
      );
    }
    if (unit !== null) {
      if (!(await deps.unitExists(unit))) throw AlertErrors.invalidRule('scope.orgUnitCode', `org unit ${unit} does not exist`);
      if (!covers(writable, unit)) throw AlertErrors.outOfScope();
    }
    const condition = readCondition(input.condition);
    if (condition.type === 'site_offline' && unit === null)
      throw AlertErrors.invalidRule('scope.orgUnitCode', 'a site_offline rule watches a unit: name it');
    const cameraIds = input.scope.cameraIds ?? [];
    if (cameraIds.length > 0) {
      const places = await deps.locateCameras(cameraIds);
      for (const cameraId of cameraIds) {
        const place = places.get(cameraId.toLowerCase());
        if (!place || !covers(writable, place.orgUnitCode)) {
          throw AlertErrors.invalidRule('scope.cameraIds', `camera ${cameraId} does not exist or is outside your units`);
        }
      }
    }
    for (const [name, template] of Object.entries(input.annotations ?? {})) {
      const unknown = unknownFields(template);
      if (unknown.length > 0) throw AlertErrors.invalidRule(`annotations.${name}`, `unknown template field(s): ${unknown.join(', ')}`);
    }
    const channels = input.channels ?? [];
    for (const [i, channel] of channels.entries()) {
      if (channel.type === 'email') {
        if (!deps.smtpConfigured) throw AlertErrors.invalidRule(`channels.${i}`, 'email needs an SMTP server: set VIGIL_SMTP_URL');
        continue;
      }
      let url: URL;
      try {
        url = new URL(channel.url);
      } catch {
        throw AlertErrors.invalidRule(`channels.${i}.url`, 'is not a URL');
      }
      if (url.username !== '' || url.password !== '') throw AlertErrors.invalidRule(`channels.${i}.url`, 'must not carry credentials');
      const refused = await deps.refuseUrl(url);
      if (refused) throw AlertErrors.invalidRule(`channels.${i}.url`, `its address is refused by the network rules (${refused})`);
    }
    const at = now();
    return {
      name: input.name,
      enabled: input.enabled ?? true,
      org_unit_code: unit,
      camera_ids: [...new Set(cameraIds.map((c) => c.toLowerCase()))],
      label_matchers: JSON.stringify(input.scope.labels ?? {}),
      condition: JSON.stringify(input.condition),
      for_s: readDuration('for', input.for, 0),
      keep_firing_for_s: readDuration('keepFiringFor', input.keepFiringFor, 0),
      severity: input.severity,
      labels: JSON.stringify(input.labels ?? {}),
      annotations: JSON.stringify(input.annotations ?? {}),
      channels: JSON.stringify(channels.map((c) => publicChannel(c))),
      channels_sealed: channels.length > 0 ? secrets.encrypt(JSON.stringify(channels), channelContext(id)) : null,
      repeat_interval_s: readDuration('repeatInterval', input.repeatInterval, 4 * 3600, 1),
      updated_at: at,
    };
  }

  /** The rule, if the caller may read it (404 otherwise); `write`: and change it (403 otherwise). */
  async function visibleRule(caller: AlertCaller, id: string, write = false, executor: Kysely<Schema> = db, lock = false) {
    const row = await alertsRepo.findRule(executor, id, lock);
    if (!row || !covers(await reach(caller, false), row.org_unit_code)) throw AlertErrors.ruleNotFound(id);
    if (write && !covers(await reach(caller, true), row.org_unit_code)) throw AlertErrors.outOfScope();
    return row;
  }

  const summary = (row: RuleRow) => ({ ...toRule(row) });

  return {
    compile,

    /** Every enabled rule, compiled (a rule that no longer compiles is skipped, and said so). */
    async enabledRules(onBroken: (id: string, error: unknown) => void): Promise<CompiledRule[]> {
      const out: CompiledRule[] = [];
      for (const row of await alertsRepo.enabledRules(db)) {
        try {
          out.push(compile(row));
        } catch (error) {
          onBroken(row.id, error);
        }
      }
      return out;
    },

    async createRule(caller: AlertCaller, input: RuleInput): Promise<AlertRule> {
      const id = uuidv7();
      const columns = await check(caller, input, id);
      const row = await db.transaction().execute(async (tx) => {
        const created = await alertsRepo.insertRule(tx, {
          id,
          ...columns,
          revision: 1,
          created_at: columns.updated_at,
          created_by: caller.actor.id,
        });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'alert_rule.create',
          resourceType: 'alert_rule',
          resourceId: id,
          orgUnitCode: created.org_unit_code,
          after: summary(created),
          result: 'success',
        });
        return created;
      });
      deps.onRulesChanged();
      return toRule(row);
    },

    getRule: async (caller: AlertCaller, id: string) => toRule(await visibleRule(caller, id)),

    async listRules(caller: AlertCaller, options: { limit: number; cursor?: string; orgUnitCode?: string; enabled?: boolean }) {
      const r = await reach(caller, false);
      const after = ruleCursor.decode(options.cursor)?.i;
      const units =
        options.orgUnitCode !== undefined ? [...(await policy.narrow(r, options.orgUnitCode))] : r === 'all' ? undefined : [...r];
      const rows = await alertsRepo.listRules(db, {
        limit: options.limit + 1,
        ...(after !== undefined ? { after } : {}),
        ...(units !== undefined ? { units } : {}),
        global: r === 'all' && options.orgUnitCode === undefined,
        ...(options.enabled !== undefined ? { enabled: options.enabled } : {}),
      });
      const page = rows.slice(0, options.limit);
      return { items: page.map(toRule), nextCursor: rows.length > options.limit ? ruleCursor.encode({ i: page.at(-1)!.id }) : null };
    },

    async updateRule(caller: AlertCaller, id: string, input: RuleInput, ifMatch?: number): Promise<AlertRule> {
      await visibleRule(caller, id, true);
      const columns = await check(caller, input, id);
      const row = await db.transaction().execute(async (tx) => {
        const current = await visibleRule(caller, id, true, tx, true);
        if (ifMatch !== undefined && ifMatch !== current.revision) throw AlertErrors.stale('alert rule', id, ifMatch, current.revision);
        const updated = await alertsRepo.updateRule(tx, id, columns);
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'alert_rule.update',
          resourceType: 'alert_rule',
          resourceId: id,
          orgUnitCode: updated.org_unit_code,
          before: summary(current),
          after: summary(updated),
          result: 'success',
        });
        return updated;
      });
      deps.onRulesChanged();
      return toRule(row);
    },

    /** Deletes a rule; its alerts stay as history, those still firing resolved (and notified) with it. */
    async deleteRule(caller: AlertCaller, id: string, ifMatch?: number): Promise<void> {
      await visibleRule(caller, id, true);
      const resolved = await db.transaction().execute(async (tx) => {
        const current = await visibleRule(caller, id, true, tx, true);
        if (ifMatch !== undefined && ifMatch !== current.revision) throw AlertErrors.stale('alert rule', id, ifMatch, current.revision);
        const ended = await deps.resolveRule(tx, compile(current));
        await alertsRepo.deleteRule(tx, id);
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'alert_rule.delete',
          resourceType: 'alert_rule',
          resourceId: id,
          orgUnitCode: current.org_unit_code,
          before: summary(current),
          after: { resolvedAlerts: ended.map((r) => r.id) },
          result: 'success',
        });
        return ended;
      });
      for (const row of resolved) deps.onAlertChanged(row);
      deps.onRulesChanged();
    },

    /** Judges the rule now and answers what it would do; changes nothing. */
    async testRule(caller: AlertCaller, id: string) {
      const row = await visibleRule(caller, id);
      const at = now();
      const active = new Map((await alertsRepo.activeOfRule(db, id)).map((i) => [`${id} ${i.fingerprint}`, i]));
      const series = await judge(db, deps.signals, await deps.org(), [compile(row)], at, active);
      return {
        evaluatedAt: at.toISOString(),
        series: series.map((s) => {
          const { fingerprint: _fp, ...labels } = s.labels;
          const next = s.step.kind === 'start' || s.step.kind === 'keep' ? s.step.next.state : null;
          return {
            cameraId: s.cameraId,
            orgUnitCode: s.orgUnitCode,
            holds: s.verdict.holds,
            value: s.verdict.value,
            state: s.current?.state ?? ('inactive' as const),
            wouldFire: next === 'firing',
            labels,
            annotations: s.annotations,
          };
        }),
      };
    },

    async listAlerts(
      caller: AlertCaller,
      filter: Omit<AlertFilter, 'units'> & { orgUnitCode?: string },
      page: { limit: number; cursor?: string },
    ) {
      const r = await reach(caller, false);
      const position = alertCursor.decode(page.cursor);
      const { orgUnitCode, ...rest } = filter;
      const units = orgUnitCode !== undefined ? [...(await policy.narrow(r, orgUnitCode))] : r === 'all' ? undefined : [...r];
      const rows = await alertsRepo.listInstances(
        db,
        { ...rest, ...(units !== undefined ? { units } : {}), global: r === 'all' && orgUnitCode === undefined },
        { limit: page.limit + 1, ...(position ? { before: { at: new Date(position.a), id: position.i } } : {}) },
      );
      const items = rows.slice(0, page.limit);
      const last = items.at(-1);
      return {
        items: items.map(toAlert),
        nextCursor: rows.length > page.limit && last ? alertCursor.encode({ a: last.active_since.toISOString(), i: last.id }) : null,
      };
    },

    async getAlert(caller: AlertCaller, id: string) {
      const row = await alertsRepo.findInstance(db, id);
      if (!row || !covers(await reach(caller, false), row.org_unit_code)) throw AlertErrors.alertNotFound(id);
      return toAlert(row);
    },

    /** Records who acknowledged an alert (it changes no state; acknowledging again updates it). */
    async ack(caller: AlertCaller, id: string) {
      const readable = await reach(caller, false);
      const writable = await reach(caller, true);
      const row = await db.transaction().execute(async (tx) => {
        const current = await alertsRepo.findInstance(tx, id, true);
        if (!current || !covers(readable, current.org_unit_code)) throw AlertErrors.alertNotFound(id);
        if (!covers(writable, current.org_unit_code)) throw AlertErrors.outOfScope();
        const updated = await alertsRepo.updateInstance(tx, id, { acked_by: caller.actor.id, acked_at: now() });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'alert.ack',
          resourceType: 'alert',
          resourceId: id,
          orgUnitCode: current.org_unit_code,
          before: { ackedBy: current.acked_by },
          after: { ackedBy: updated.acked_by },
          result: 'success',
        });
        return updated;
      });
      deps.onAlertChanged(row);
      return toAlert(row);
    },

    /** Whether the caller may see an alert of this unit (the live stream's filter). */
    async streamFilter(caller: AlertCaller): Promise<(unit: string | null) => boolean> {
      const r = await reach(caller, false);
      return (unit) => covers(r, unit);
    },

    async createSilence(
      caller: AlertCaller,
      input: {
        matchers: { name: string; value: string; isRegex?: boolean; isEqual?: boolean }[];
        startsAt?: Date;
        endsAt: Date;
        comment: string;
        orgUnitCode?: string | null;
      },
    ) {
      const writable = await reach(caller, true);
      const unit = input.orgUnitCode ?? null;
      if (unit === null && writable !== 'all')
        throw AlertErrors.invalidSilence('orgUnitCode', 'name the unit the silence is for (your grants are on units)');
      if (unit !== null && !covers(writable, unit)) throw AlertErrors.outOfScope();
      const at = now();
      const startsAt = input.startsAt ?? at;
      if (input.endsAt <= startsAt) throw AlertErrors.invalidSilence('endsAt', 'must be after startsAt');
      if (input.endsAt <= at) throw AlertErrors.invalidSilence('endsAt', 'is in the past');
      const matchers: Matcher[] = input.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.isRegex ?? false,
        isEqual: m.isEqual ?? true,
      }));
      for (const [i, m] of matchers.entries()) {
        if (m.isRegex && !validRegex(m.value)) throw AlertErrors.invalidSilence(`matchers.${i}.value`, 'is not a regular expression');
      }
      // A silence of a unit only silences the alerts of that unit's subtree (as it is now).
      const subtree = unit === null ? [] : [...(await policy.narrow('all', unit))];
      const scoped: Matcher[] =
        unit === null
          ? matchers
          : [...matchers, { name: 'org_unit', value: subtree.map(escapeRegex).join('|'), isRegex: true, isEqual: true }];
      const row = await db.transaction().execute(async (tx) => {
        const created = await alertsRepo.insertSilence(tx, {
          id: uuidv7(),
          matchers: JSON.stringify(scoped),
          starts_at: startsAt,
          ends_at: input.endsAt,
          created_by: caller.actor.id,
          comment: input.comment,
          org_unit_code: unit,
          created_at: at,
        });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'silence.create',
          resourceType: 'silence',
          resourceId: created.id,
          orgUnitCode: unit,
          after: { matchers: scoped, startsAt, endsAt: input.endsAt, comment: input.comment },
          result: 'success',
        });
        return created;
      });
      return toSilence(row, at);
    },

    async listSilences(caller: AlertCaller, options: { limit: number; cursor?: string; state?: 'pending' | 'active' | 'expired' }) {
      const r = await reach(caller, false);
      const at = now();
      let after = silenceCursor.decode(options.cursor)?.i;
      const items: ReturnType<typeof toSilence>[] = [];
      for (;;) {
        const rows = await alertsRepo.listSilences(db, {
          limit: options.limit,
          ...(after !== undefined ? { after } : {}),
          ...(r === 'all' ? {} : { units: [...r] }),
          global: r === 'all',
        });
        for (const row of rows) {
          after = row.id;
          const view = toSilence(row, at);
          if (options.state === undefined || view.state === options.state) items.push(view);
          if (items.length === options.limit) return { items, nextCursor: silenceCursor.encode({ i: row.id }) };
        }
        if (rows.length < options.limit) return { items, nextCursor: null };
      }
    },

    async getSilence(caller: AlertCaller, id: string) {
      const row = await alertsRepo.findSilence(db, id);
      if (!row || !covers(await reach(caller, false), row.org_unit_code)) throw AlertErrors.silenceNotFound(id);
      return toSilence(row, now());
    },

    /** Ends a silence now (it stays listed, expired). */
    async expireSilence(caller: AlertCaller, id: string) {
      const row = await alertsRepo.findSilence(db, id);
      if (!row || !covers(await reach(caller, false), row.org_unit_code)) throw AlertErrors.silenceNotFound(id);
      if (!covers(await reach(caller, true), row.org_unit_code)) throw AlertErrors.outOfScope();
      const at = now();
      const expired = await db.transaction().execute(async (tx) => {
        const updated = row.expired_at === null ? await alertsRepo.expireSilence(tx, id, at) : row;
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'silence.expire',
          resourceType: 'silence',
          resourceId: id,
          orgUnitCode: row.org_unit_code,
          result: 'success',
        });
        return updated;
      });
      return toSilence(expired, at);
    },
  };

  function toSilence(row: SilenceRow, at: Date) {
    return {
      id: row.id,
      matchers: row.matchers,
      startsAt: row.starts_at.toISOString(),
      endsAt: row.ends_at.toISOString(),
      comment: row.comment,
      createdBy: row.created_by,
      orgUnitCode: row.org_unit_code,
      createdAt: row.created_at.toISOString(),
      state: silenceState(row, at),
    };
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type AlertService = ReturnType<typeof createAlertService>;
