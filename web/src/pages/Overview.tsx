// Fleet health at a glance: cameras by state (in all and per unit), firing alerts, events awaiting
// review; every figure links to the page that lists it.
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get } from '../api/client';
import { useCameras, useStatuses } from '../api/fleet';
import type { Alert, CameraState, DetectionEvent, Page } from '../api/types';
import { CAMERA_STATES } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { StateBadge } from '../components/StateBadge';
import { SeverityBadge } from '../components/SeverityBadge';
import { relativeTime } from '../format';
import { useSession } from '../session';

export function Overview() {
  const session = useSession();
  return (
    <section className="page">
      <h1>Overview</h1>
      <div className="grid-2">
        <FleetHealth />
        <div className="stack">
          {session.can('alerts:read') ? <FiringAlerts /> : null}
          {session.can('events:read') ? <PendingEvents /> : null}
        </div>
      </div>
    </section>
  );
}

function FleetHealth() {
  const cameras = useCameras();
  const ids = (cameras.data ?? []).map((c) => c.id);
  const statuses = useStatuses(ids, 10_000);
  if (cameras.isPending) return <Loading what="Loading cameras" />;
  if (cameras.isError) return <ErrorNotice error={cameras.error} onRetry={() => void cameras.refetch()} />;

  const stateOf = (id: string): CameraState | 'unknown' => statuses.data?.get(id)?.state ?? 'unknown';
  const totals = new Map<string, number>();
  const perUnit = new Map<string, Map<string, number>>();
  for (const camera of cameras.data) {
    const state = stateOf(camera.id);
    totals.set(state, (totals.get(state) ?? 0) + 1);
    const unit = perUnit.get(camera.orgUnitCode) ?? new Map<string, number>();
    unit.set(state, (unit.get(state) ?? 0) + 1);
    perUnit.set(camera.orgUnitCode, unit);
  }
  const shown = CAMERA_STATES.filter((state) => totals.has(state));
  return (
    <section className="card" aria-labelledby="fleet-title">
      <h2 id="fleet-title">Cameras</h2>
      {statuses.isError ? <ErrorNotice error={statuses.error} /> : null}
      {cameras.data.length === 0 ? (
        <p>
          No cameras yet. <Link to="/cameras">Add one on the cameras page</Link>.
        </p>
      ) : (
        <>
          <ul className="tiles" aria-label="Cameras by state">
            <li className="tile">
              <Link to="/cameras">
                <span className="tile-value">{cameras.data.length}</span>
                <span className="tile-label">cameras in all</span>
              </Link>
            </li>
            {shown.map((state) => (
              <li key={state} className={`tile tile-${state}`}>
                <Link to={`/cameras?state=${state}`}>
                  <span className="tile-value">{totals.get(state)}</span>
                  <span className="tile-label">
                    <StateBadge state={state} />
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          <div className="table-wrap">
            <table>
              <caption>Cameras per unit and state</caption>
              <thead>
                <tr>
                  <th scope="col">Unit</th>
                  {shown.map((state) => (
                    <th key={state} scope="col">
                      {state}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[...perUnit.entries()]
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([unit, counts]) => (
                    <tr key={unit}>
                      <th scope="row">
                        <Link to={`/cameras?unit=${encodeURIComponent(unit)}`}>{unit}</Link>
                      </th>
                      {shown.map((state) => (
                        <td key={state}>
                          {counts.get(state) ? (
                            <Link to={`/cameras?unit=${encodeURIComponent(unit)}&state=${state}`}>{counts.get(state)}</Link>
                          ) : (
                            '0'
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function FiringAlerts() {
  const alerts = useQuery({
    queryKey: ['alerts', 'firing', 'overview'],
    queryFn: () => get<Page<Alert>>('/api/v1/alerts', { state: 'firing', limit: 10 }),
    refetchInterval: 10_000,
  });
  return (
    <section className="card" aria-labelledby="firing-title">
      <h2 id="firing-title">Firing alerts</h2>
      {alerts.isPending ? <Loading /> : null}
      {alerts.isError ? <ErrorNotice error={alerts.error} onRetry={() => void alerts.refetch()} /> : null}
      {alerts.data ? (
        alerts.data.items.length === 0 ? (
          <p>
            <span aria-hidden="true">✓ </span>Nothing is firing.
          </p>
        ) : (
          <ul className="list">
            {alerts.data.items.map((alert) => (
              <li key={alert.id}>
                <SeverityBadge severity={alert.severity} /> <strong>{alert.labels.alertname ?? 'Alert'}</strong>
                {alert.labels.camera ? ` · ${alert.labels.camera}` : ''}
                {alert.orgUnitCode ? ` · ${alert.orgUnitCode}` : ''} <span className="muted">{relativeTime(alert.firedAt)}</span>
              </li>
            ))}
          </ul>
        )
      ) : null}
      <p>
        <Link to="/alerts">All alerts</Link>
      </p>
    </section>
  );
}

function PendingEvents() {
  const events = useQuery({
    queryKey: ['events', 'pending', 'overview'],
    queryFn: () => get<Page<DetectionEvent>>('/api/v1/events', { status: 'pending', limit: 5 }),
    refetchInterval: 15_000,
  });
  return (
    <section className="card" aria-labelledby="pending-title">
      <h2 id="pending-title">Events awaiting review</h2>
      {events.isPending ? <Loading /> : null}
      {events.isError ? <ErrorNotice error={events.error} onRetry={() => void events.refetch()} /> : null}
      {events.data ? (
        events.data.items.length === 0 ? (
          <p>
            <span aria-hidden="true">✓ </span>No events wait for review.
          </p>
        ) : (
          <ul className="list">
            {events.data.items.map((event) => (
              <li key={event.id}>
                <strong>{event.type}</strong> · {event.orgUnitCode} · {Math.round(event.confidence * 100)}%{' '}
                <span className="muted">{relativeTime(event.occurredAt)}</span>
              </li>
            ))}
          </ul>
        )
      ) : null}
      <p>
        <Link to="/events">Review events</Link>
      </p>
    </section>
  );
}
