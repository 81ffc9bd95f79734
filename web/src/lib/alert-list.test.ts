import { describe, expect, it } from 'vitest';
import type { Alert } from '../api/types';
import {
  applyAlertChange,
  compareActive,
  describeCondition,
  describeSeries,
  extraLabels,
  formatValue,
  matcherText,
  matchersFor,
  parseAlertEvent,
  summariseTest,
} from './alert-list';
import type { TestSeries } from './alert-list';

function alert(id: string, change: Partial<Alert> = {}): Alert {
  return {
    id,
    ruleId: 'r1',
    fingerprint: `fp-${id}`,
    state: 'firing',
    severity: 'high',
    cameraId: 'c1',
    orgUnitCode: 'S1',
    labels: { alertname: 'Camera offline', camera: 'Oven' },
    annotations: {},
    value: null,
    activeSince: '2026-12-01T10:00:00.000Z',
    firedAt: '2026-12-01T10:00:30.000Z',
    resolvedAt: null,
    ackedBy: null,
    ackedAt: null,
    revision: 1,
    ...change,
  };
}

describe('applyAlertChange (the live stream into the active list)', () => {
  it('adds an alert that starts firing, in urgency order', () => {
    const list = [alert('a', { severity: 'low' })];
    const next = applyAlertChange(list, alert('b', { severity: 'critical' }));
    expect(next?.map((a) => a.id)).toEqual(['b', 'a']);
  });
  it('replaces an alert with its newer revision (an acknowledgement)', () => {
    const list = [alert('a')];
    const next = applyAlertChange(list, alert('a', { revision: 2, ackedAt: '2026-12-01T10:01:00Z', ackedBy: 'u1' }));
    expect(next).toHaveLength(1);
    expect(next?.[0]?.ackedBy).toBe('u1');
  });
  it('removes an alert that resolved', () => {
    const list = [alert('a'), alert('b')];
    expect(applyAlertChange(list, alert('a', { state: 'resolved', revision: 3 }))?.map((a) => a.id)).toEqual(['b']);
  });
  it('ignores a change older than what the list holds (arriving late)', () => {
    const list = [alert('a', { revision: 5, ackedBy: 'u1' })];
    const next = applyAlertChange(list, alert('a', { revision: 4, state: 'resolved' }));
    expect(next).toEqual(list);
  });
  it('leaves a list that is not loaded yet alone (the fetch brings the change)', () => {
    expect(applyAlertChange(undefined, alert('a'))).toBeUndefined();
  });
  it('does not change the list it was given', () => {
    const list = [alert('a')];
    applyAlertChange(list, alert('b'));
    expect(list).toHaveLength(1);
  });
});

describe('compareActive', () => {
  it('puts firing before pending, then the most severe, then the newest', () => {
    const list = [
      alert('pending-critical', { state: 'pending', severity: 'critical' }),
      alert('firing-low-old', { severity: 'low', activeSince: '2026-12-01T09:00:00Z' }),
      alert('firing-low-new', { severity: 'low', activeSince: '2026-12-01T11:00:00Z' }),
      alert('firing-high', { severity: 'high' }),
    ];
    expect([...list].sort(compareActive).map((a) => a.id)).toEqual(['firing-high', 'firing-low-new', 'firing-low-old', 'pending-critical']);
  });
});

describe('parseAlertEvent', () => {
  it('reads an alert from an event’s data', () => {
    expect(parseAlertEvent(JSON.stringify(alert('a')))?.id).toBe('a');
  });
  it('refuses what is not an alert', () => {
    expect(parseAlertEvent('not json')).toBeUndefined();
    expect(parseAlertEvent('null')).toBeUndefined();
    expect(parseAlertEvent(JSON.stringify({ id: 'a', revision: 1, state: 'exploded', labels: {} }))).toBeUndefined();
  });
});

describe('alerts in words', () => {
  it('writes matchers as Alertmanager does', () => {
    expect(matcherText({ name: 'alertname', value: 'Camera offline', isRegex: false, isEqual: true })).toBe('alertname="Camera offline"');
    expect(matcherText({ name: 'zone', value: 'k.*', isRegex: true, isEqual: false })).toBe('zone!~"k.*"');
    expect(matcherText({ name: 'camera', value: 'Oven', isRegex: false, isEqual: false })).toBe('camera!="Oven"');
  });
  it('silences one alert by its rule and camera, or a site alert by its unit', () => {
    expect(matchersFor(alert('a', { labels: { alertname: 'Offline', camera_id: 'c1', org_unit: 'S1' } })).map(matcherText)).toEqual([
      'alertname="Offline"',
      'camera_id="c1"',
    ]);
    expect(matchersFor(alert('a', { labels: { alertname: 'Site down', org_unit: 'S1', site: 'true' } })).map(matcherText)).toEqual([
      'alertname="Site down"',
      'org_unit="S1"',
    ]);
  });
  it('shows only the rule’s own labels as extras', () => {
    expect(extraLabels({ alertname: 'x', severity: 'high', team: 'a', camera: 'Oven', zone: 'k' })).toEqual([
      ['team', 'a'],
      ['zone', 'k'],
    ]);
  });
  it('formats values', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(2.345)).toBe('2.35');
    expect(formatValue(null)).toBe('—');
  });
  it('says each condition type in words', () => {
    expect(describeCondition({ type: 'camera_offline' })).toMatch(/delivers no frames/);
    expect(describeCondition({ type: 'event_count_over', eventType: 'person', threshold: 5, window: '10m' })).toBe(
      'more than 5 “person” events within 10m',
    );
    expect(describeCondition({ type: 'no_events', window: '1h' })).toBe('no detection event at all within 1h');
    expect(describeCondition({ type: 'site_offline', fraction: 0.5 })).toMatch(/at least 50%/);
    expect(describeCondition({ type: 'fps_below', threshold: { nested: true } })).toMatch(/fewer than \?/);
  });
  it('says what a test found', () => {
    const series: TestSeries[] = [
      {
        cameraId: 'c1',
        orgUnitCode: 'S1',
        holds: true,
        value: 12,
        state: 'pending',
        wouldFire: true,
        labels: { camera: 'Oven' },
        annotations: {},
      },
      {
        cameraId: 'c2',
        orgUnitCode: 'S1',
        holds: false,
        value: 0,
        state: 'inactive',
        wouldFire: false,
        labels: { camera: 'Door' },
        annotations: {},
      },
    ];
    expect(summariseTest(series)).toBe('2 cameras judged: the condition holds on 1, and 1 would fire now.');
    expect(describeSeries(series[0]!)).toBe(
      'Camera Oven: the condition holds (value 12); the alert is pending; this round would make it fire (or keep it firing).',
    );
    expect(describeSeries(series[1]!)).toMatch(/^Camera Door: the condition does not hold .*no alert is active; this round would not/);
    expect(summariseTest([])).toMatch(/No camera is in this rule’s scope/);
  });
});
