// The alerts page's pure logic: the active list kept current by the live stream, and alerts, rules,
// silences and test results said in words. No React here, so it is unit tested directly.
import type { Alert, Severity } from '../api/types';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

/** Labels every alert carries (shown elsewhere on the card); the rest are the rule's own. */
export const STANDARD_LABELS = new Set(['alertname', 'severity', 'rule_id', 'camera_id', 'camera', 'org_unit', 'site']);

/** Firing before pending, then the most severe, then the newest. */
export function compareActive(a: Alert, b: Alert): number {
  if (a.state !== b.state) return a.state === 'firing' ? -1 : b.state === 'firing' ? 1 : 0;
  const bySeverity = SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  if (bySeverity !== 0) return bySeverity;
  return b.activeSince.localeCompare(a.activeSince) || a.id.localeCompare(b.id);
}

/**
 * The active list after one change from the stream (or from an acknowledgement): an alert that
 * resolved leaves it, an active one is added or replaced, and a change older than what the list
 * holds (a lower revision, arriving late) is ignored. `undefined` (nothing loaded yet) stays so:
 * the list being fetched will carry the change.
 */
export function applyAlertChange(list: readonly Alert[] | undefined, alert: Alert): Alert[] | undefined {
  if (!list) return undefined;
  const current = list.find((a) => a.id === alert.id);
  if (current && current.revision > alert.revision) return [...list];
  const others = list.filter((a) => a.id !== alert.id);
  if (alert.state === 'resolved') return others;
  return [...others, alert].sort(compareActive);
}

/** The alert in an SSE `alert` event's data, or undefined when it is not one. */
export function parseAlertEvent(data: string): Alert | undefined {
  try {
    const value = JSON.parse(data) as Partial<Alert> | null;
    if (
      !value ||
      typeof value.id !== 'string' ||
      typeof value.revision !== 'number' ||
      (value.state !== 'pending' && value.state !== 'firing' && value.state !== 'resolved') ||
      typeof value.labels !== 'object'
    ) {
      return undefined;
    }
    return value as Alert;
  } catch {
    return undefined;
  }
}

export function alertTitle(alert: Pick<Alert, 'labels'>): string {
  return alert.labels.alertname ?? 'Alert';
}

/** The rule's own labels (the standard ones are shown on their own). */
export function extraLabels(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels)
    .filter(([name]) => !STANDARD_LABELS.has(name))
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A measured value: whole numbers as they are, others to two decimals; "—" for none. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** `alertname="Camera offline"`, `camera!="Oven"`, `zone=~"k.*"`, `zone!~"k.*"` (Alertmanager's notation). */
export function matcherText(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** Matchers that silence this alert: its rule's name and its camera (or unit for a site alert). */
export function matchersFor(alert: Pick<Alert, 'labels'>): Matcher[] {
  const out: Matcher[] = [];
  for (const name of ['alertname', 'camera_id', 'org_unit']) {
    const value = alert.labels[name];
    if (value !== undefined && (name !== 'org_unit' || alert.labels.camera_id === undefined)) {
      out.push({ name, value, isRegex: false, isEqual: true });
    }
  }
  return out;
}

export interface Condition {
  type: string;
  [field: string]: unknown;
}

/** A rule's condition in words: "the camera is offline", "more than 5 person events within 10m". */
export function describeCondition(condition: Condition): string {
  const f = (name: string) => {
    const value = condition[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
  };
  switch (condition.type) {
    case 'camera_offline':
      return 'the camera should be running and delivers no frames';
    case 'fps_below':
      return `the camera delivers fewer than ${f('threshold')} frames per second`;
    case 'reconnects_over':
      return `the camera lost its stream more than ${f('count')} times within ${f('window')}`;
    case 'event_count_over':
      return `more than ${f('threshold')} “${f('eventType')}” events within ${f('window')}`;
    case 'event_continuous':
      return `“${f('eventType')}” events keep coming (at most ${f('maxGap')} apart) for at least ${f('duration')}`;
    case 'no_events':
      return condition.eventType ? `no “${f('eventType')}” event within ${f('window')}` : `no detection event at all within ${f('window')}`;
    case 'site_offline': {
      const fraction = Number(condition.fraction);
      return `at least ${Number.isFinite(fraction) ? Math.round(fraction * 100) : '?'}% of the unit's cameras are offline`;
    }
    default:
      return `condition ${condition.type}`;
  }
}

export interface TestSeries {
  cameraId: string | null;
  orgUnitCode: string | null;
  holds: boolean;
  value: number | null;
  state: 'inactive' | 'pending' | 'firing' | 'resolved';
  wouldFire: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One line per camera (or unit) of a "Test now" answer. */
export function describeSeries(s: TestSeries): string {
  const who = s.labels.camera ? `Camera ${s.labels.camera}` : s.orgUnitCode ? `Unit ${s.orgUnitCode}` : 'The scope';
  const holds = s.holds
    ? `the condition holds (value ${formatValue(s.value)})`
    : `the condition does not hold (value ${formatValue(s.value)})`;
  const state = s.state === 'inactive' ? 'no alert is active' : `the alert is ${s.state}`;
  const fire = s.wouldFire ? 'this round would make it fire (or keep it firing)' : 'this round would not make it fire';
  return `${who}: ${holds}; ${state}; ${fire}.`;
}

/** The headline of a "Test now" answer. */
export function summariseTest(series: readonly TestSeries[]): string {
  if (series.length === 0) return 'No camera is in this rule’s scope: nothing to judge.';
  const holding = series.filter((s) => s.holds).length;
  const firing = series.filter((s) => s.wouldFire).length;
  const noun = series.every((s) => s.cameraId === null) ? 'unit' : 'camera';
  const judged = `${series.length} ${noun}${series.length === 1 ? '' : 's'} judged`;
  return `${judged}: the condition holds on ${holding}, and ${firing} would fire now.`;
}
