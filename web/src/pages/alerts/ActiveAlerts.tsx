// The active alerts (pending and firing), most urgent first, kept current by the stream: each with
// its severity, camera and unit, value, since when, and acknowledge for those who may.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { UseQueryResult } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ACTIVE_KEY, ackAlert } from '../../api/alerts';
import type { Alert } from '../../api/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { SeverityBadge } from '../../components/SeverityBadge';
import { alertTitle, applyAlertChange, formatValue, matchersFor } from '../../lib/alert-list';
import { formatDateTime, relativeTime } from '../../format';
import { useSession } from '../../session';
import { AlertStateBadge, AlertWhere, LabelChips } from './AlertBits';
import { useNow } from './useNow';

export function ActiveAlerts({ query }: { query: UseQueryResult<Alert[]> }) {
  if (query.isPending) return <Loading what="Loading active alerts" />;
  if (!query.data) return <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />;
  const alerts = query.data;
  const firing = alerts.filter((a) => a.state === 'firing').length;
  const pending = alerts.length - firing;
  return (
    <section aria-labelledby="active-title" className="stack">
      <h2 id="active-title">Active alerts</h2>
      {query.isError ? <ErrorNotice error={query.error} onRetry={() => void query.refetch()} /> : null}
      {alerts.length === 0 ? (
        <p className="card empty">
          <span aria-hidden="true">✓ </span>Nothing is firing or pending. New alerts appear here as they happen.
        </p>
      ) : (
        <>
          <p className="muted">
            {firing} firing · {pending} pending
          </p>
          <ul className="alert-list">
            {alerts.map((alert) => (
              <li key={alert.id}>
                <AlertCard alert={alert} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function AlertCard({ alert }: { alert: Alert }) {
  const session = useSession();
  const client = useQueryClient();
  const navigate = useNavigate();
  const now = useNow();
  const ack = useMutation({
    mutationFn: () => ackAlert(alert.id),
    onSuccess: (updated) => client.setQueryData<Alert[]>(ACTIVE_KEY, (list) => applyAlertChange(list, updated)),
  });
  const titleId = `alert-${alert.id}`;
  const summary = alert.annotations.summary ?? alert.annotations.description;
  return (
    <article className={`card alert-card alert-card-${alert.state}`} aria-labelledby={titleId}>
      <div className="alert-head">
        <SeverityBadge severity={alert.severity} />
        <AlertStateBadge state={alert.state} />
        <h3 id={titleId}>{alertTitle(alert)}</h3>
      </div>
      {summary ? <p className="alert-summary">{summary}</p> : null}
      <dl className="facts">
        <div>
          <dt>Where</dt>
          <dd>
            <AlertWhere alert={alert} />
          </dd>
        </div>
        {alert.value !== null ? (
          <div>
            <dt>Value</dt>
            <dd>{formatValue(alert.value)}</dd>
          </div>
        ) : null}
        <div>
          <dt>{alert.state === 'firing' ? 'Firing since' : 'Pending since'}</dt>
          <dd>
            <time dateTime={alert.firedAt ?? alert.activeSince} title={formatDateTime(alert.firedAt ?? alert.activeSince)}>
              {relativeTime(alert.firedAt ?? alert.activeSince, now)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Acknowledged</dt>
          <dd>
            {alert.ackedAt ? (
              <>
                <span aria-hidden="true">✓ </span>
                {alert.ackedBy === session.user.id ? 'by you' : 'yes'}, {relativeTime(alert.ackedAt, now)}
              </>
            ) : (
              'not yet'
            )}
          </dd>
        </div>
      </dl>
      <LabelChips labels={alert.labels} />
      {ack.isError ? <ErrorNotice error={ack.error} /> : null}
      {session.can('alerts:write') ? (
        <div className="row">
          {alert.ackedAt ? null : (
            <button type="button" className="button primary" disabled={ack.isPending} onClick={() => ack.mutate()}>
              {ack.isPending ? 'Acknowledging…' : 'Acknowledge'}
            </button>
          )}
          <button
            type="button"
            className="button secondary"
            onClick={() => void navigate('?tab=silences', { state: { matchers: matchersFor(alert) } })}
          >
            Silence…
          </button>
        </div>
      ) : null}
    </article>
  );
}
