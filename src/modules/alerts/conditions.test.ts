import { describe, expect, it } from 'vitest';
import { continuousSpan, judgeCamera, judgeSite } from './conditions.js';
import type { CameraFact, EventFacts } from './conditions.js';

const now = new Date(Date.UTC(2026, 11, 1, 12));
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const camera = (over: Partial<CameraFact> = {}): CameraFact => ({
  id: 'c1',
  name: 'Kitchen',
  orgUnitCode: 'S1',
  labels: [],
  active: true,
  wanted: true,
  state: 'running',
  fps: 10,
  ...over,
});
const facts = (over: Partial<EventFacts> = {}): EventFacts => ({
  count: () => 0,
  latest: () => undefined,
  times: () => [],
  reconnects: () => 0,
  ...over,
});

describe('conditions', () => {
  it('camera_offline: a camera that should run and delivers no frames; not one that is stopped on purpose', () => {
    const offline = { type: 'camera_offline' } as const;
    for (const state of ['reconnecting', 'error', 'starting', 'stopped']) {
      expect(judgeCamera(offline, camera({ state }), facts(), now).holds, state).toBe(true);
    }
    expect(judgeCamera(offline, camera({ state: 'running' }), facts(), now).holds).toBe(false);
    expect(judgeCamera(offline, camera({ state: 'degraded' }), facts(), now).holds).toBe(false);
    expect(judgeCamera(offline, camera({ state: 'stopped', wanted: false }), facts(), now).holds).toBe(false);
    expect(judgeCamera(offline, camera({ state: 'deactivated', active: false }), facts(), now).holds).toBe(false);
  });

  it('fps_below: only while frames arrive, with the fps as its value', () => {
    const slow = { type: 'fps_below', threshold: 5 } as const;
    expect(judgeCamera(slow, camera({ fps: 2, state: 'degraded' }), facts(), now)).toEqual({ holds: true, value: 2 });
    expect(judgeCamera(slow, camera({ fps: 5 }), facts(), now).holds).toBe(false);
    expect(judgeCamera(slow, camera({ fps: null }), facts(), now).holds).toBe(false);
    expect(judgeCamera(slow, camera({ fps: 0, state: 'reconnecting' }), facts(), now).holds).toBe(false);
  });

  it('reconnects_over and event_count_over: strictly more than the threshold in the window', () => {
    expect(judgeCamera({ type: 'reconnects_over', count: 3, windowS: 600 }, camera(), facts({ reconnects: () => 4 }), now)).toEqual({
      holds: true,
      value: 4,
    });
    expect(judgeCamera({ type: 'reconnects_over', count: 3, windowS: 600 }, camera(), facts({ reconnects: () => 3 }), now).holds).toBe(
      false,
    );
    const counted = facts({ count: (_c, type, windowS) => (type === 'no_hairnet' && windowS === 600 ? 6 : 0) });
    expect(
      judgeCamera({ type: 'event_count_over', eventType: 'no_hairnet', threshold: 5, windowS: 600 }, camera(), counted, now).holds,
    ).toBe(true);
    expect(judgeCamera({ type: 'event_count_over', eventType: 'person', threshold: 5, windowS: 600 }, camera(), counted, now).holds).toBe(
      false,
    );
  });

  it('event_continuous: a run of events without a gap over maxGap, lasting the duration and still going', () => {
    expect(continuousSpan([ago(5), ago(20), ago(35), ago(50)], now, 20)).toBe(50);
    expect(continuousSpan([ago(5), ago(20), ago(60)], now, 20)).toBe(20); // a 40 s gap ends the run
    expect(continuousSpan([ago(30)], now, 20)).toBe(0); // over: the last one is too old
    const run = facts({ times: () => [ago(5), ago(20), ago(35), ago(50), ago(65)] });
    const condition = { type: 'event_continuous', eventType: 'no_hairnet', durationS: 60, maxGapS: 20 } as const;
    expect(judgeCamera(condition, camera(), run, now)).toEqual({ holds: true, value: 65 });
    expect(judgeCamera({ ...condition, durationS: 120 }, camera(), run, now).holds).toBe(false);
  });

  it('no_events: a camera whose detector has been silent longer than the window, or never spoke', () => {
    const condition = { type: 'no_events', eventType: null, windowS: 300 } as const;
    expect(judgeCamera(condition, camera(), facts({ latest: (_c, _t, windowS) => (windowS === 300 ? ago(10) : undefined) }), now)).toEqual({
      holds: false,
      value: 10,
    });
    expect(judgeCamera(condition, camera(), facts(), now)).toEqual({ holds: true, value: 300 });
    expect(judgeCamera(condition, camera({ active: false }), facts(), now).holds).toBe(false);
  });

  it('site_offline: the share of the cameras that should run and are offline', () => {
    const cameras = [camera({ state: 'error' }), camera({ state: 'error' }), camera(), camera({ wanted: false, state: 'stopped' })];
    expect(judgeSite({ fraction: 0.6 }, cameras)).toEqual({ holds: true, value: 0.667 });
    expect(judgeSite({ fraction: 0.7 }, cameras).holds).toBe(false);
    expect(judgeSite({ fraction: 0.5 }, []).holds).toBe(false);
  });
});
