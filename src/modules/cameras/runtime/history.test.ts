import { describe, expect, it } from 'vitest';
import { createStatusHistory } from './history.js';
import type { CameraState, CameraStatus } from './worker.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');

function status(cameraId: string, state: CameraState, fps: number | null, reconnects: number): CameraStatus {
  return {
    cameraId,
    state,
    since: new Date(T0).toISOString(),
    fps,
    bytesPerSecond: null,
    lastFrameAt: null,
    reconnects,
    lastError: null,
    frameWidth: null,
    frameHeight: null,
  };
}

function setup(capacity = 360) {
  let clock = T0;
  const history = createStatusHistory({ intervalMs: 10_000, capacity, now: () => clock });
  return {
    history,
    tick(statuses: CameraStatus[], ms = 10_000) {
      history.sample(statuses);
      clock += ms;
    },
    at: (ms: number) => (clock = ms),
  };
}

describe('status history', () => {
  it('records state, fps and the reconnects since the sample before, oldest first', () => {
    const t = setup();
    t.tick([status('a', 'starting', null, 0)]);
    t.tick([status('a', 'running', 5.123, 0)]);
    t.tick([status('a', 'reconnecting', 0, 2)]);
    t.tick([status('a', 'running', 4.8, 3)]);
    expect(t.history.read('a')).toEqual([
      { at: '2026-03-01T10:00:00.000Z', state: 'starting', fps: null, reconnects: 0 },
      { at: '2026-03-01T10:00:10.000Z', state: 'running', fps: 5.12, reconnects: 0 },
      { at: '2026-03-01T10:00:20.000Z', state: 'reconnecting', fps: 0, reconnects: 2 },
      { at: '2026-03-01T10:00:30.000Z', state: 'running', fps: 4.8, reconnects: 1 },
    ]);
    expect(t.history.read('unknown')).toEqual([]);
  });

  it('counts a restarted worker’s reconnects from zero again', () => {
    const t = setup();
    t.tick([status('a', 'running', 5, 7)]);
    t.tick([status('a', 'running', 5, 1)]);
    expect(t.history.read('a').map((s) => s.reconnects)).toEqual([7, 1]);
  });

  it('keeps one window of samples per camera, overwriting the oldest', () => {
    const t = setup(3);
    for (let i = 0; i < 5; i++) t.tick([status('a', 'running', i, 0), status('b', 'degraded', 1, 0)]);
    expect(t.history.read('a').map((s) => s.fps)).toEqual([2, 3, 4]);
    expect(t.history.read('b')).toHaveLength(3);
    expect(t.history.size()).toBe(2);
  });

  it('answers only samples within the window and from `from`, and drops cameras that went quiet a window ago', () => {
    const t = setup(6); // a one-minute window
    t.tick([status('a', 'running', 1, 0), status('b', 'running', 1, 0)]);
    t.tick([status('a', 'running', 2, 0)]);
    t.tick([status('a', 'running', 3, 0)]);
    expect(t.history.read('a', T0 + 10_000).map((s) => s.fps)).toEqual([2, 3]);
    // b stopped running here after the first sample: its samples age out, then its ring goes.
    t.at(T0 + 55_000);
    expect(t.history.read('b')).toHaveLength(1);
    t.at(T0 + 61_000);
    expect(t.history.read('b')).toEqual([]);
    t.history.sample([status('a', 'running', 4, 0)]);
    expect(t.history.size()).toBe(1);
    t.history.forget('a');
    expect(t.history.read('a')).toEqual([]);
  });

  it('samples 1,000 cameras in a few milliseconds, with memory bounded per camera', () => {
    const t = setup();
    const statuses = Array.from({ length: 1000 }, (_, i) => status(`cam-${i}`, 'running', 5, 0));
    for (let i = 0; i < 360; i++) t.tick(statuses); // fill every ring
    const started = performance.now();
    for (let i = 0; i < 10; i++) t.tick(statuses);
    const perSample = (performance.now() - started) / 10;
    // Generous for a loaded 2-core machine; measured about 0.2 ms here.
    expect(perSample).toBeLessThan(50);
    expect(t.history.size()).toBe(1000);
    expect(t.history.read('cam-999')).toHaveLength(360);
  });
});
