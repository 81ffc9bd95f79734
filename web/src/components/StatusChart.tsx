// A camera's last hour as inline SVG (no chart library): the state as a strip, fps as a line, and
// reconnects as bars, with the axes' words in HTML (they keep their size at any width) and the
// whole chart said in one sentence for those who do not see it.
import type { CameraState } from '../api/types';
import type { HistorySample } from '../cameras/chart';
import { describeSummary, plotHistory, summarize } from '../cameras/chart';

const WIDTH = 720;
const FPS_HEIGHT = 120;
const BAR_HEIGHT = 36;
const STRIP_HEIGHT = 10;

const STATE_FILL: Record<CameraState, string> = {
  running: '#2e8b57',
  degraded: '#d08a00',
  starting: '#9aa5b1',
  reconnecting: '#d08a00',
  error: '#b3261e',
  stopped: '#6b7785',
  deactivated: '#6b7785',
};

export interface StatusChartProps {
  samples: readonly HistorySample[];
  intervalSeconds: number;
  expectedFps: number;
  now: number;
}

export function StatusChart({ samples, intervalSeconds, expectedFps, now }: StatusChartProps) {
  const windowMs = 3_600_000;
  const common = { now, windowMs, intervalMs: intervalSeconds * 1000, width: WIDTH, expectedFps };
  const plot = plotHistory(samples, { ...common, height: FPS_HEIGHT });
  const bars = plotHistory(samples, { ...common, height: BAR_HEIGHT });
  const sentence = describeSummary(summarize(samples), intervalSeconds);
  const shown = [...new Set(plot.states.map((s) => s.state))];
  return (
    <figure className="status-chart">
      <div className="chart-panel">
        <div className="chart-axis" aria-hidden="true">
          <span>{plot.fpsMax} fps</span>
          <span>0</span>
        </div>
        <svg
          viewBox={`0 0 ${WIDTH} ${FPS_HEIGHT + STRIP_HEIGHT + 4}`}
          preserveAspectRatio="none"
          role="img"
          aria-label="Frames per second over the last hour"
        >
          <line x1="0" x2={WIDTH} y1={FPS_HEIGHT / 2} y2={FPS_HEIGHT / 2} className="chart-grid" />
          <line x1="0" x2={WIDTH} y1={FPS_HEIGHT} y2={FPS_HEIGHT} className="chart-baseline" />
          {expectedFps <= plot.fpsMax ? (
            <line
              x1="0"
              x2={WIDTH}
              y1={FPS_HEIGHT - (expectedFps / plot.fpsMax) * FPS_HEIGHT}
              y2={FPS_HEIGHT - (expectedFps / plot.fpsMax) * FPS_HEIGHT}
              className="chart-expected"
            />
          ) : null}
          <path d={plot.fpsPath} className="chart-line" />
          {plot.states.map((s) => (
            <rect
              key={`${s.x}-${s.state}`}
              x={s.x}
              width={Math.max(s.width, 0.5)}
              y={FPS_HEIGHT + 4}
              height={STRIP_HEIGHT}
              fill={STATE_FILL[s.state]}
            >
              <title>{s.state}</title>
            </rect>
          ))}
        </svg>
      </div>
      <div className="chart-panel">
        <div className="chart-axis" aria-hidden="true">
          <span>{bars.reconnectMax}</span>
          <span>0</span>
        </div>
        <svg viewBox={`0 0 ${WIDTH} ${BAR_HEIGHT}`} preserveAspectRatio="none" role="img" aria-label="Reconnects over the last hour">
          <line x1="0" x2={WIDTH} y1={BAR_HEIGHT} y2={BAR_HEIGHT} className="chart-baseline" />
          {bars.bars.map((b) => (
            <rect key={b.at} x={b.x} width={b.width} y={BAR_HEIGHT - b.height} height={b.height} className="chart-bar">
              <title>{`${b.count} reconnect${b.count === 1 ? '' : 's'}`}</title>
            </rect>
          ))}
        </svg>
      </div>
      <div className="chart-time" aria-hidden="true">
        <span>60 min ago</span>
        <span>30 min ago</span>
        <span>now</span>
      </div>
      <ul className="chart-legend small" aria-label="Legend">
        <li>
          <span className="legend-line" aria-hidden="true" /> frames per second
        </li>
        <li>
          <span className="legend-expected" aria-hidden="true" /> expected ({expectedFps} fps)
        </li>
        <li>
          <span className="legend-bar" aria-hidden="true" /> reconnects (lower panel)
        </li>
        {shown.map((state) => (
          <li key={state}>
            <span className="legend-swatch" style={{ background: STATE_FILL[state] }} aria-hidden="true" /> {state}
          </li>
        ))}
        <li>
          <span className="legend-gap" aria-hidden="true" /> blank: not running
        </li>
      </ul>
      <figcaption>{sentence}</figcaption>
    </figure>
  );
}
