import { describe, expect, it } from 'vitest';
import { describeSummary, niceCeil, plotHistory, summarize } from './chart';
import type { HistorySample } from './chart';

const NOW = Date.parse('2026-03-01T11:00:00Z');
const at = (secondsBeforeNow: number) => new Date(NOW - secondsBeforeNow * 1000).toISOString();
const sample = (
  secondsBeforeNow: number,
  fps: number | null,
  state: HistorySample['state'] = 'running',
  reconnects = 0,
): HistorySample => ({
  at: at(secondsBeforeNow),
  state,
  fps,
  reconnects,
});
const OPTIONS = { now: NOW, windowMs: 3_600_000, intervalMs: 10_000, width: 360, height: 100 };

describe('niceCeil', () => {
  it('rounds an axis up to a round number', () => {
    expect([0, -1, Number.NaN, 0.3, 1, 4.2, 5, 5.1, 7, 9, 12, 26, 100, 101].map(niceCeil)).toEqual([
      1, 1, 1, 0.3, 1, 5, 5, 6, 8, 10, 12, 30, 100, 120,
    ]);
  });
});

describe('plotHistory', () => {
  it('places the hour across the width and fps up the height, the axis reaching the expected rate', () => {
    const plot = plotHistory([sample(20, 5), sample(10, 2.5), sample(0, 0)], { ...OPTIONS, expectedFps: 5 });
    expect(plot.fpsMax).toBe(5);
    // 20 s before now is at 358 of 360 (a unit per 10 s), 5 fps at the top, 0 at the bottom.
    expect(plot.fpsPath).toBe('M358 0L359 50L360 100');
    expect(plot.states).toEqual([{ x: 357, width: 3, state: 'running' }]);
    expect(plot.bars).toEqual([]);
  });

  it('breaks the line and the strip where samples are missing (the camera did not run) or fps is unknown', () => {
    const plot = plotHistory([sample(600, 4), sample(590, 4), sample(100, null, 'starting'), sample(90, 4), sample(80, 4)], OPTIONS);
    expect(plot.fpsPath).toBe('M300 0L301 0M351 0L352 0');
    expect(plot.states).toEqual([
      { x: 299, width: 2, state: 'running' },
      { x: 349, width: 1, state: 'starting' },
      { x: 350, width: 2, state: 'running' },
    ]);
  });

  it('draws reconnects as bars scaled to their own axis, and leaves out samples outside the window', () => {
    const plot = plotHistory([sample(4000, 5, 'running', 9), sample(30, 0, 'reconnecting', 3), sample(20, 5, 'running', 1)], OPTIONS);
    expect(plot.reconnectMax).toBe(3);
    expect(plot.bars.map((b) => [b.count, b.height])).toEqual([
      [3, 100],
      [1, 33.3],
    ]);
    expect(plot.bars[0]!.x).toBeGreaterThanOrEqual(356);
    expect(plot.fpsMax).toBe(5);
  });
});

describe('summarize and describeSummary', () => {
  it('says the hour in words', () => {
    const samples = [sample(30, 5), sample(20, 3, 'degraded'), sample(10, 0, 'reconnecting', 2), sample(0, 4)];
    const summary = summarize(samples);
    expect(summary).toMatchObject({ samples: 4, fpsAverage: 3, fpsMin: 0, fpsMax: 5, reconnects: 2 });
    expect(summary.states[0]).toEqual({ state: 'running', share: 0.5 });
    expect(describeSummary(summary, 10)).toBe(
      'Sampled for 1 minute of the last hour: 3.0 fps on average (lowest 0.0, highest 5.0); 2 reconnects; running 50%, degraded 25%, reconnecting 25%.',
    );
  });

  it('says when there is nothing to show', () => {
    expect(describeSummary(summarize([]), 10)).toMatch(/^No samples in the last hour/);
    expect(describeSummary(summarize([sample(0, null, 'starting')]), 10)).toBe(
      'Sampled for under a minute of the last hour: no frame rate measured yet; 0 reconnects; starting 100%.',
    );
  });
});
