// One evaluation round of every enabled rule, in the transaction that holds the evaluator's lock:
// read the facts once (cameras and their statuses, event and reconnect counts for the windows the
// rules ask, the alerts already active, the silences), judge each rule per camera in its scope (or
// per unit for a site alert), step each series (state.ts), and write what moved together with the
// notifications it causes (the outbox): both commit or neither does.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';
import { uuidv7 } from '../../platform/ids.js';
import type { NewInstanceRow, NewOutboxRow, InstanceRow, RuleRow, SilenceRow } from './alerts.repo.js';
import { alertsRepo } from './alerts.repo.js';
import type { CameraFact, EventFacts, ReadCondition, Verdict } from './conditions.js';
import { judgeCamera, judgeSite } from './conditions.js';
import type { Channel } from './channels.js';
import { fingerprint, render } from './labels.js';
import type { AlertSnapshot } from './payloads.js';
import { alertmanagerPayload, emailPayload, webhookPayload } from './payloads.js';
import type { Notification, SeriesState, Step } from './state.js';
import { step } from './state.js';
import { matchesSilence } from './silences.js';

/**
 * What the evaluator reads from the other modules, for all cameras at once, through the executor
 * it is given (the round's transaction: on PGlite, the one connection it holds).
 */
export interface AlertSignals {
  cameras(db: Kysely<Schema>): Promise<CameraFact[]>;
  reconnectsSince(db: Kysely<Schema>, since: Date): Promise<Map<string, number>>;
  eventCounts(db: Kysely<Schema>, type: string | null, since: Date, until: Date): Promise<Map<string, number>>;
  eventTimes(db: Kysely<Schema>, type: string, since: Date, until: Date): Promise<Map<string, Date[]>>;
  latestEvents(db: Kysely<Schema>, type: string | null, since: Date, until: Date): Promise<Map<string, Date>>;
}

/** Today's tree, read before a round opens its transaction (it is cached). */
export interface OrgView {
  subtreeOf(roots: readonly string[]): readonly string[];
  nameOf(code: string): string | undefined;
}

/** A rule ready to judge: durations read, channels opened. */
export interface CompiledRule {
  id: string;
  name: string;
  unit: string | null;
  cameraIds: ReadonlySet<string> | null;
  labelMatchers: Readonly<Record<string, string>>;
  condition: ReadCondition;
  forS: number;
  keepFiringForS: number;
  repeatIntervalS: number;
  severity: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  channels: readonly Channel[];
}

export interface EvaluatorSettings {
  /** Base URL links in notifications point to (VIGIL_PUBLIC_URL, else the advertised URL). */
  externalUrl: () => string;
  /** How often firing alerts are sent again to Alertmanager (they expire there after 4× this). */
  alertmanagerResendS: number;
  /** Seals a webhook's secret into the outbox row. */
  sealSecret: (secret: string) => string;
}

export interface SeriesResult {
  rule: CompiledRule;
  cameraId: string | null;
  orgUnitCode: string | null;
  verdict: Verdict;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  current: InstanceRow | undefined;
  step: Step;
}

export interface RoundSummary {
  rules: number;
  series: number;
  fired: number;
  resolved: number;
  notifications: number;
  suppressed: { silenced: number; inhibited: number };
  /** Alerts whose state changed (for the live stream), after the commit. */
  changed: InstanceRow[];
  /** The earliest moment a pending alert's `for` (or a firing one's `keepFiringFor`) runs out: a round is due then. */
  nextDue: Date | null;
}

const key = (ruleId: string, fp: string) => `${ruleId} ${fp}`;

/** Reads each distinct fact once per round, whatever number of rules asks for it. */
function factCache(signals: AlertSignals, db: Kysely<Schema>, now: Date) {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(id: string, load: () => Promise<T>): Promise<T> => {
    if (!memo.has(id)) memo.set(id, load());
    return memo.get(id) as Promise<T>;
  };
  const since = (s: number) => new Date(now.getTime() - s * 1000);
  const loaded = new Map<string, unknown>();
  /** Loads what `condition` needs, so that the synchronous EventFacts can answer. */
  async function prepare(condition: ReadCondition): Promise<void> {
    const put = async (id: string, load: () => Promise<unknown>) => {
      loaded.set(id, await once(id, load));
    };
    switch (condition.type) {
      case 'reconnects_over':
        return put(`r ${condition.windowS}`, () => signals.reconnectsSince(db, since(condition.windowS)));
      case 'event_count_over':
        return put(`c ${condition.eventType} ${condition.windowS}`, () =>
          signals.eventCounts(db, condition.eventType, since(condition.windowS), now),
        );
      case 'event_continuous': {
        const span = condition.durationS + condition.maxGapS;
        return put(`t ${condition.eventType} ${span}`, () => signals.eventTimes(db, condition.eventType, since(span), now));
      }
      case 'no_events':
        return put(`l ${condition.eventType ?? ''} ${condition.windowS}`, () =>
          signals.latestEvents(db, condition.eventType, since(condition.windowS), now),
        );
      case 'camera_offline':
      case 'fps_below':
      case 'site_offline':
        // Judged from the cameras' statuses alone.
        return;
    }
  }
  const get = <T>(id: string) => loaded.get(id) as Map<string, T> | undefined;
  const facts: EventFacts = {
    count: (cameraId, type, windowS) => get<number>(`c ${type} ${windowS}`)?.get(cameraId) ?? 0,
    times: (cameraId, type, spanS) => get<Date[]>(`t ${type} ${spanS}`)?.get(cameraId) ?? [],
    latest: (cameraId, type, windowS) => get<Date>(`l ${type ?? ''} ${windowS}`)?.get(cameraId),
    reconnects: (cameraId, windowS) => get<number>(`r ${windowS}`)?.get(cameraId) ?? 0,
  };
  return { prepare, facts };
}

/** The cameras a rule watches: in its unit's subtree, among its ids, matching its labels (each if given). */
function inScope(rule: CompiledRule, cameras: readonly CameraFact[], subtree: ReadonlySet<string> | null): CameraFact[] {
  const wanted = Object.entries(rule.labelMatchers).map(([k, v]) => `${k}:${v}`);
  return cameras.filter(
    (c) =>
      (subtree === null || subtree.has(c.orgUnitCode)) &&
      (rule.cameraIds === null || rule.cameraIds.has(c.id)) &&
      wanted.every((label) => c.labels.includes(label)),
  );
}

function seriesState(row: InstanceRow): SeriesState {
  return {
    state: row.state === 'firing' ? 'firing' : 'pending',
    activeSince: row.active_since,
    firedAt: row.fired_at,
    falseSince: row.false_since,
    lastNotifiedAt: row.last_notified_at,
  };
}

/**
 * Judges every rule now, without writing anything: the series with their verdicts and the step
 * each would take. The round (below) writes; POST /rules/{id}/test only reports.
 */
export async function judge(
  db: Kysely<Schema>,
  signals: AlertSignals,
  org: OrgView,
  rules: readonly CompiledRule[],
  now: Date,
  active: ReadonlyMap<string, InstanceRow>,
  /** Only these cameras (a focused round after a change), site alerts left to the full rounds. */
  focus?: ReadonlySet<string>,
): Promise<SeriesResult[]> {
  const all = await signals.cameras(db);
  const cameras = focus ? all.filter((c) => focus.has(c.id)) : all;
  if (focus) rules = rules.filter((rule) => rule.condition.type !== 'site_offline');
  const cache = factCache(signals, db, now);
  for (const rule of rules) await cache.prepare(rule.condition);
  const results: SeriesResult[] = [];
  for (const rule of rules) {
    const subtree = rule.unit === null ? null : new Set(org.subtreeOf([rule.unit]));
    const watched = inScope(rule, cameras, subtree);
    const base = { ...rule.labels, alertname: rule.name, severity: rule.severity, rule_id: rule.id };
    const push = (camera: CameraFact | null, verdict: Verdict) => {
      const unitCode = camera?.orgUnitCode ?? rule.unit;
      const labels: Record<string, string> = camera
        ? { ...base, camera_id: camera.id, camera: camera.name, org_unit: camera.orgUnitCode }
        : { ...base, org_unit: rule.unit ?? '', site: 'true' };
      const fp = fingerprint(labels);
      const context = {
        rule: { id: rule.id, name: rule.name },
        severity: rule.severity,
        camera: camera ? { id: camera.id, name: camera.name } : undefined,
        unit: unitCode ? { code: unitCode, name: org.nameOf(unitCode) ?? unitCode } : undefined,
        value: verdict.value,
        labels,
      };
      const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v, context)]));
      const current = active.get(key(rule.id, fp));
      results.push({
        rule,
        cameraId: camera?.id ?? null,
        orgUnitCode: unitCode ?? null,
        verdict,
        labels: { ...labels, fingerprint: fp },
        annotations,
        current,
        step: step(current ? seriesState(current) : undefined, verdict.holds, now, {
          forS: rule.forS,
          keepFiringForS: rule.keepFiringForS,
          repeatIntervalS: rule.repeatIntervalS,
        }),
      });
    };
    if (rule.condition.type === 'site_offline') push(null, judgeSite(rule.condition, watched));
    else for (const camera of watched) push(camera, judgeCamera(rule.condition, camera, cache.facts, now));
  }
  return results;
}

/** One round: judge, write what moved and the notifications it causes, in `tx`. */
export async function evaluateRound(
  tx: Kysely<Schema>,
  signals: AlertSignals,
  org: OrgView,
  rules: readonly CompiledRule[],
  now: Date,
  settings: EvaluatorSettings,
  /**
   * A focused round: only the alerts of these cameras (those that just changed state or got
   * events), so that a change is judged in milliseconds whatever the number of rules; the periodic
   * rounds judge everything.
   */
  focus?: ReadonlySet<string>,
): Promise<RoundSummary> {
  const activeRows = await alertsRepo.activeInstances(tx);
  const active = new Map(activeRows.map((row) => [key(row.rule_id ?? '', row.fingerprint), row]));
  const results = await judge(tx, signals, org, rules, now, active, focus);
  const silences = await alertsRepo.activeSilences(tx, now);
  const summary: RoundSummary = {
    rules: rules.length,
    series: results.length,
    fired: 0,
    resolved: 0,
    notifications: 0,
    suppressed: { silenced: 0, inhibited: 0 },
    changed: [],
    nextDue: null,
  };
  const due = (at: Date) => {
    if (at > now && (summary.nextDue === null || at < summary.nextDue)) summary.nextDue = at;
  };
  for (const r of results) {
    if (r.step.kind !== 'start' && r.step.kind !== 'keep') continue;
    const next = r.step.next;
    if (next.state === 'pending') due(new Date(next.activeSince.getTime() + r.rule.forS * 1000));
    else if (next.falseSince) due(new Date(next.falseSince.getTime() + r.rule.keepFiringForS * 1000));
  }

  // Site alerts firing after this round inhibit the alerts of their cameras.
  const inhibiting = new Set<string>();
  for (const r of results) {
    const firing = (r.step.kind === 'start' || r.step.kind === 'keep') && r.step.next.state === 'firing';
    if (r.rule.condition.type === 'site_offline' && firing && r.rule.unit)
      for (const code of org.subtreeOf([r.rule.unit])) inhibiting.add(code);
  }

  const inserts: NewInstanceRow[] = [];
  const forget: string[] = [];
  const outbox: NewOutboxRow[] = [];
  const visited = new Set<string>();
  const notify = (rule: CompiledRule, row: InstanceRow | NewInstanceRow, event: Notification, site: boolean) => {
    const labels = row.labels as unknown as Record<string, string>;
    if (!site && row.org_unit_code && inhibiting.has(row.org_unit_code)) {
      summary.suppressed.inhibited += 1;
      return;
    }
    if (silences.some((s) => matchesSilence(s.matchers, labels))) {
      summary.suppressed.silenced += 1;
      return;
    }
    outbox.push(...outboxRows(rule, row, event, now, settings));
    summary.notifications += 1;
  };

  for (const r of results) {
    const fp = r.labels.fingerprint!;
    visited.add(key(r.rule.id, fp));
    const labels = { ...r.labels };
    delete labels.fingerprint;
    const site = r.rule.condition.type === 'site_offline';
    const s = r.step;
    if (s.kind === 'none' || (s.kind === 'keep' && !s.changed && s.notify === null)) continue;
    if (s.kind === 'forget') {
      forget.push(r.current!.id);
      continue;
    }
    if (s.kind === 'start') {
      const row: NewInstanceRow = {
        id: uuidv7(),
        rule_id: r.rule.id,
        fingerprint: fp,
        camera_id: r.cameraId,
        org_unit_code: r.orgUnitCode,
        state: s.next.state,
        severity: r.rule.severity as NewInstanceRow['severity'],
        labels: JSON.stringify(labels),
        annotations: JSON.stringify(r.annotations),
        value: r.verdict.value,
        active_since: s.next.activeSince,
        fired_at: s.next.firedAt,
        false_since: null,
        last_notified_at: s.next.lastNotifiedAt,
        last_resent_at: s.next.state === 'firing' ? now : null,
        revision: 1,
      };
      inserts.push(row);
      if (s.notify) {
        summary.fired += 1;
        notify(r.rule, { ...row, labels: labels as never, annotations: r.annotations as never }, s.notify, site);
      }
      continue;
    }
    const current = r.current!;
    if (s.kind === 'resolve') {
      // The value and annotations stay as they were while it fired (as Prometheus keeps them): the
      // resolved notice tells what the alert was about, not the value that ended it.
      const updated = await alertsRepo.updateInstance(tx, current.id, { state: 'resolved', resolved_at: now });
      summary.resolved += 1;
      summary.changed.push(updated);
      // A pending alert never notified: its end is not news either.
      notify(r.rule, updated, 'resolved', site);
      continue;
    }
    const firingNow = s.next.state === 'firing' && current.state !== 'firing';
    const updated = await alertsRepo.updateInstance(tx, current.id, {
      state: s.next.state,
      fired_at: s.next.firedAt,
      false_since: s.next.falseSince,
      last_notified_at: s.next.lastNotifiedAt,
      value: r.verdict.value,
      annotations: JSON.stringify(r.annotations),
      ...(firingNow ? { last_resent_at: now } : {}),
    });
    if (firingNow) {
      summary.fired += 1;
      summary.changed.push(updated);
    }
    if (s.notify) notify(r.rule, updated, s.notify, site);
  }

  // Active alerts no rule judged this round (rule disabled or deleted, camera gone or out of scope,
  // labels changed): resolved, with a notice if they had fired.
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  for (const [k, row] of active) {
    if (visited.has(k)) continue;
    if (focus && (row.camera_id === null || !focus.has(row.camera_id))) continue;
    if (row.state === 'pending') {
      forget.push(row.id);
      continue;
    }
    const updated = await alertsRepo.updateInstance(tx, row.id, { state: 'resolved', resolved_at: now });
    summary.resolved += 1;
    summary.changed.push(updated);
    const rule = row.rule_id ? byId.get(row.rule_id) : undefined;
    if (rule) notify(rule, updated, 'resolved', rule.condition.type === 'site_offline');
  }

  // Firing alerts are sent again to Alertmanager channels, so that they do not expire there.
  for (const r of results) {
    const row = r.current;
    const s = r.step;
    if (!row || row.state !== 'firing' || s.kind !== 'keep' || s.next.state !== 'firing') continue;
    const channels = r.rule.channels.filter((c) => c.type === 'alertmanager');
    if (channels.length === 0) continue;
    if (row.last_resent_at && (now.getTime() - row.last_resent_at.getTime()) / 1000 < settings.alertmanagerResendS) continue;
    await alertsRepo.updateInstance(tx, row.id, { last_resent_at: now });
    outbox.push(...outboxRows(r.rule, row, 'resend', now, settings).filter((o) => o.channel_type === 'alertmanager'));
  }

  await alertsRepo.deleteInstances(tx, forget);
  summary.changed.push(...(await alertsRepo.insertInstances(tx, inserts)).filter((row) => row.state === 'firing'));
  await alertsRepo.enqueue(tx, outbox);
  return summary;
}

/**
 * Resolves a rule's active alerts now (the rule is being deleted, in `tx`): the firing ones notify
 * as resolved, through the rule's channels, in the same transaction; pending ones are forgotten.
 * Silences apply; answers the alerts resolved.
 */
export async function resolveRule(tx: Kysely<Schema>, rule: CompiledRule, now: Date, settings: EvaluatorSettings): Promise<InstanceRow[]> {
  const active = await alertsRepo.activeOfRule(tx, rule.id);
  const silences = await alertsRepo.activeSilences(tx, now);
  const resolved: InstanceRow[] = [];
  const outbox: NewOutboxRow[] = [];
  await alertsRepo.deleteInstances(
    tx,
    active.filter((row) => row.state === 'pending').map((row) => row.id),
  );
  for (const row of active.filter((r) => r.state === 'firing')) {
    const updated = await alertsRepo.updateInstance(tx, row.id, { state: 'resolved', resolved_at: now });
    resolved.push(updated);
    if (!silences.some((s) => matchesSilence(s.matchers, updated.labels)))
      outbox.push(...outboxRows(rule, updated, 'resolved', now, settings));
  }
  await alertsRepo.enqueue(tx, outbox);
  return resolved;
}

/** The outbox rows of one notification: one per channel, each with its idempotency key. */
function outboxRows(
  rule: CompiledRule,
  row: InstanceRow | NewInstanceRow,
  event: Notification | 'resend',
  now: Date,
  settings: EvaluatorSettings,
): NewOutboxRow[] {
  const labels = row.labels as unknown as Record<string, string>;
  const resolved = event === 'resolved';
  const snapshot: AlertSnapshot = {
    fingerprint: row.fingerprint,
    status: resolved ? 'resolved' : 'firing',
    labels,
    annotations: row.annotations as unknown as Record<string, string>,
    startsAt: (row.fired_at as Date | null) ?? row.active_since,
    endsAt: resolved ? now : null,
    generatorURL: `${settings.externalUrl().replace(/\/+$/, '')}/api/v1/alerts/${row.id}`,
  };
  const validUntil = new Date(now.getTime() + 4 * settings.alertmanagerResendS * 1000);
  return rule.channels.map((channel, index) => {
    const payload =
      channel.type === 'webhook'
        ? webhookPayload(snapshot, settings.externalUrl())
        : channel.type === 'alertmanager'
          ? alertmanagerPayload(snapshot, validUntil)
          : emailPayload(snapshot, channel.to, event === 'resend' ? 'repeat' : event);
    return {
      id: uuidv7(),
      instance_id: row.id,
      rule_id: rule.id,
      channel_index: index,
      channel_type: channel.type,
      endpoint: channel.type === 'email' ? channel.to.join(',') : channel.url,
      event_type: event,
      payload: JSON.stringify(payload),
      secret_sealed: channel.type === 'webhook' && channel.secret ? settings.sealSecret(channel.secret) : null,
      // One key per alert, event, moment and channel: a retry of this row sends the same key.
      idempotency_key: `${row.id}:${event}:${now.getTime()}:${index}`,
      created_at: now,
      next_attempt_at: now,
      attempts: 0,
    };
  });
}

export type { RuleRow, SilenceRow };
