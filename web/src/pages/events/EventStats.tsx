// Counts per type and per day (the last two weeks), split by review status: tables with the
// numbers, and a small bar chart of the days drawn in inline SVG.
import { useQuery } from '@tanstack/react-query';
import { eventStats } from '../../api/events';
import type { EventFilter, StatsItem } from '../../api/events';
import { dayStart } from '../../lib/days';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { addDays, formatCount, todayIso } from '../../format';
import { barGeometry, fillDays } from '../../lib/review';

const DAYS = 14;

export function EventStats({ filter }: { filter: EventFilter }) {
  const statsFilter = { ...filter, status: undefined };
  const byType = useQuery({
    queryKey: ['events', 'stats', 'type', statsFilter],
    queryFn: ({ signal }) => eventStats('type', statsFilter, {}, signal),
  });
  const today = todayIso();
  const first = addDays(today, -(DAYS - 1));
  const byDay = useQuery({
    queryKey: ['events', 'stats', 'day', statsFilter, first],
    queryFn: ({ signal }) => eventStats('day', statsFilter, { from: dayStart(first) }, signal),
  });
  return (
    <section className="card stack" aria-labelledby="counts-title">
      <h2 id="counts-title">Counts</h2>
      <div className="grid-2 counts">
        <div>
          {byType.isPending ? <Loading what="Counting by type" /> : null}
          {byType.isError ? <ErrorNotice error={byType.error} onRetry={() => void byType.refetch()} /> : null}
          {byType.data ? <TypeTable items={byType.data.items} /> : null}
        </div>
        <div>
          {byDay.isPending ? <Loading what="Counting by day" /> : null}
          {byDay.isError ? <ErrorNotice error={byDay.error} onRetry={() => void byDay.refetch()} /> : null}
          {byDay.data ? <DayChart items={fillDays(byDay.data.items, first, today)} detail={byDay.data.items} /> : null}
        </div>
      </div>
    </section>
  );
}

function TypeTable({ items }: { items: StatsItem[] }) {
  if (items.length === 0) return <p>No events match these filters.</p>;
  const sorted = [...items].sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  return (
    // Focusable, so that a table wider than a phone can be scrolled with the keyboard.
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Events per type, scrollable">
      <table className="counts-table">
        <caption>Events per type (all time)</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Total</th>
            <th scope="col">Awaiting</th>
            <th scope="col">Confirmed</th>
            <th scope="col">False positive</th>
            <th scope="col">Resolved</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((item) => (
            <tr key={item.key}>
              <th scope="row">{item.key}</th>
              <td>{formatCount(item.total)}</td>
              <td>{formatCount(item.pending)}</td>
              <td>{formatCount(item.confirmed)}</td>
              <td>{formatCount(item.falsePositive)}</td>
              <td>{formatCount(item.resolved)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DayChart({ items, detail }: { items: { key: string; total: number }[]; detail: StatsItem[] }) {
  const width = 280;
  const height = 80;
  const bars = barGeometry(
    items.map((i) => i.total),
    width,
    height,
  );
  const total = items.reduce((sum, i) => sum + i.total, 0);
  const busiest = items.reduce((best, i) => (i.total > best.total ? i : best), items[0] ?? { key: '', total: 0 });
  const byDay = new Map(detail.map((d) => [d.key, d]));
  return (
    <div className="day-chart">
      <h3 id="per-day-title">Events per day, last {DAYS} days</h3>
      <svg viewBox={`0 0 ${width} ${height + 14}`} role="img" aria-labelledby="per-day-title per-day-summary" className="bars">
        {bars.map((bar, i) => (
          <rect key={items[i]!.key} x={bar.x} y={bar.y} width={bar.width} height={bar.height} className="bar">
            <title>
              {items[i]!.key}: {items[i]!.total}
            </title>
          </rect>
        ))}
        <line x1="0" x2={width} y1={height + 0.5} y2={height + 0.5} className="axis" />
        <text x="0" y={height + 12} className="tick">
          {items[0]?.key.slice(5)}
        </text>
        <text x={width} y={height + 12} className="tick" textAnchor="end">
          {items.at(-1)?.key.slice(5)}
        </text>
      </svg>
      <p id="per-day-summary" className="small">
        {formatCount(total)} in {DAYS} days
        {busiest.total > 0 ? `; the busiest day was ${busiest.key} with ${formatCount(busiest.total)}` : ''}.
      </p>
      <details>
        <summary>Numbers per day</summary>
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Events per day, scrollable">
          <table className="counts-table">
            <caption className="visually-hidden">Events per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Total</th>
                <th scope="col">Awaiting</th>
              </tr>
            </thead>
            <tbody>
              {[...items].reverse().map((item) => (
                <tr key={item.key}>
                  <th scope="row">{item.key}</th>
                  <td>{formatCount(item.total)}</td>
                  <td>{formatCount(byDay.get(item.key)?.pending ?? 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
