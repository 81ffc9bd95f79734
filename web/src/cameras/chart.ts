// The camera page's chart of the last hour, computed here and drawn as inline SVG by StatusChart:
// fps as a line (broken where the camera was not sampled: not running), reconnects as bars, the
// state as a strip, and the same in words for those who do not see the chart. Pure: unit tested.
import type { CameraState } from '../api/types';

export interface HistorySample {
  at: string;
  state: CameraState;
  fps: number | null;
  /** Reconnects since the sample before. */
  reconnects: number;
}

export interface PlotOptions {
  /** The right edge of the chart (ms). */
  now: number;
  windowMs: number;
  intervalMs: number;
  /** Drawing box of each plot, in SVG user units. */
  width: number;
  height: number;
  /** The fps axis reaches at least this (the camera's expected rate). */
  expectedFps?: number;
}

export interface Plot {
  /** The fps line: one "M…L…" run per stretch of consecutive samples. */
  fpsPath: string;
  /** The top of the fps axis. */
  fpsMax: number;
  bars: { x: number; width: number; height: number; count: number; at: string }[];
  /** The top of the reconnects axis. */
  reconnectMax: number;
  /** What the camera's state was, stretch by stretch (gaps: not sampled, so not running). */
  states: { x: number; width: number; state: CameraState }[];
}

const STEPS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest "round" number at or above `value` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten); 1 for nothing. */
export function niceCeil(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of STEPS) {
    const candidate = step * power;
    // Rounded so that 0.3 is 0.3, not 0.30000000000000004.
    if (candidate >= value - 1e-9) return Number(candidate.toPrecision(6));
  }
  return 10 * power;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Lays the samples of the window ending at `now` out in a `width` × `height` box (y grows downwards). */
export function plotHistory(samples: readonly HistorySample[], options: PlotOptions): Plot {
  const { now, windowMs, intervalMs, width, height } = options;
  const start = now - windowMs;
  const x = (t: number) => round(Math.min(width, Math.max(0, ((t - start) / windowMs) * width)));
  const inWindow = samples
    .map((s) => ({ ...s, t: Date.parse(s.at) }))
    .filter((s) => Number.isFinite(s.t) && s.t >= start && s.t <= now)
    .sort((a, b) => a.t - b.t);

  const fpsTop = niceCeil(Math.max(options.expectedFps ?? 0, ...inWindow.map((s) => s.fps ?? 0)));
  const y = (fps: number) => round(height - (Math.min(fps, fpsTop) / fpsTop) * height);
  const reconnectTop = niceCeil(Math.max(0, ...inWindow.map((s) => s.reconnects)));
  // A gap longer than an interval and a half: the camera was not sampled (not running) in between.
  const joined = (previous: number | undefined, t: number) => previous !== undefined && t - previous <= intervalMs * 1.5;

  let path = '';
  let previous: number | undefined;
  let open = false;
  const states: Plot['states'] = [];
  const bars: Plot['bars'] = [];
  const slot = (intervalMs / windowMs) * width;
  for (const sample of inWindow) {
    const continues = joined(previous, sample.t);
    if (sample.fps === null) open = false;
    else {
      path += `${open && continues ? 'L' : 'M'}${x(sample.t)} ${y(sample.fps)}`;
      open = true;
    }
    // Each sample stands for the interval that ends with it.
    const from = x(sample.t - intervalMs);
    const to = x(sample.t);
    const last = states.at(-1);
    if (last && continues && last.state === sample.state && Math.abs(last.x + last.width - from) < 0.2) last.width = round(to - last.x);
    else if (to > from) states.push({ x: from, width: round(to - from), state: sample.state });
    if (sample.reconnects > 0) {
      const barHeight = round((sample.reconnects / reconnectTop) * height);
      bars.push({
        x: round(Math.max(0, to - slot * 0.8)),
        width: round(Math.max(1, slot * 0.6)),
        height: barHeight,
        count: sample.reconnects,
        at: sample.at,
      });
    }
    previous = sample.t;
  }
  return { fpsPath: path, fpsMax: fpsTop, bars, reconnectMax: reconnectTop, states };
}

export interface Summary {
  samples: number;
  fpsAverage: number | null;
  fpsMin: number | null;
  fpsMax: number | null;
  reconnects: number;
  /** Share of the samples in each state, largest first. */
  states: { state: CameraState; share: number }[];
}

export function summarize(samples: readonly HistorySample[]): Summary {
  const rates = samples.map((s) => s.fps).filter((fps): fps is number => fps !== null);
  const counts = new Map<CameraState, number>();
  for (const s of samples) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return {
    samples: samples.length,
    fpsAverage: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
    fpsMin: rates.length ? Math.min(...rates) : null,
    fpsMax: rates.length ? Math.max(...rates) : null,
    reconnects: samples.reduce((sum, s) => sum + s.reconnects, 0),
    states: [...counts.entries()]
      .map(([state, n]) => ({ state, share: n / samples.length }))
      .sort((a, b) => b.share - a.share || a.state.localeCompare(b.state)),
  };
}

const fps = (n: number) => n.toFixed(1);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The chart in one sentence, for the page and for screen readers. */
export function describeSummary(summary: Summary, intervalSeconds: number): string {
  if (summary.samples === 0) {
    return `No samples in the last hour: the camera has not run in that time (a sample is taken every ${intervalSeconds} s while it runs).`;
  }
  const covered = Math.round((summary.samples * intervalSeconds) / 60);
  const rate =
    summary.fpsAverage === null
      ? 'no frame rate measured yet'
      : `${fps(summary.fpsAverage)} fps on average (lowest ${fps(summary.fpsMin!)}, highest ${fps(summary.fpsMax!)})`;
  const states = summary.states.map((s) => `${s.state} ${Math.round(s.share * 100)}%`).join(', ');
  return `Sampled for ${covered < 1 ? 'under a minute' : plural(covered, 'minute')} of the last hour: ${rate}; ${plural(summary.reconnects, 'reconnect')}; ${states}.`;
}
