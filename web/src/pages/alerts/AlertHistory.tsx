// Past alerts (resolved by default) with filters on state, severity, unit and the days their
// condition began, newest first, a page at a time.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { listAlerts } from '../../api/alerts';
import type { AlertFilter } from '../../api/alerts';
import type { Severity } from '../../api/types';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/Pager';
import { SeverityBadge } from '../../components/SeverityBadge';
import { alertTitle, formatValue } from '../../lib/alert-list';
import { formatDateTime, formatDuration } from '../../format';
import { AlertStateBadge, AlertWhere } from './AlertBits';
import { UnitInput } from './UnitInput';

const INITIAL: AlertFilter = { state: 'resolved', severity: '', orgUnitCode: '', fromDay: '', toDay: '' };

export function AlertHistory() {
  const [draft, setDraft] = useState<AlertFilter>(INITIAL);
  const [filter, setFilter] = useState<AlertFilter>(INITIAL);
  const history = useInfiniteQuery({
    queryKey: ['alerts', 'history', filter],
    queryFn: ({ pageParam, signal }) => listAlerts(filter, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter(draft);
  };
  const rangeWrong = !!draft.fromDay && !!draft.toDay && draft.fromDay > draft.toDay;
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="history-title" className="stack">
      <h2 id="history-title">History</h2>
      <form className="card filters" onSubmit={apply} aria-label="History filters">
        <div className="field">
          <label htmlFor="h-state">State</label>
          <select id="h-state" value={draft.state} onChange={(e) => setDraft({ ...draft, state: e.target.value as AlertFilter['state'] })}>
            <option value="resolved">Resolved</option>
            <option value="firing">Firing</option>
            <option value="pending">Pending</option>
            <option value="">Any state</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="h-severity">Severity</label>
          <select
            id="h-severity"
            value={draft.severity}
            onChange={(e) => setDraft({ ...draft, severity: e.target.value as Severity | '' })}
          >
            <option value="">Any severity</option>
            <option value="critical">Critical</option>
            <option value="high">High</option>
            <option value="medium">Medium</option>
            <option value="low">Low</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="h-unit">Unit (and below)</label>
          <UnitInput id="h-unit" value={draft.orgUnitCode ?? ''} onChange={(orgUnitCode) => setDraft({ ...draft, orgUnitCode })} />
        </div>
        <div className="field">
          <label htmlFor="h-from">Began on or after</label>
          <input id="h-from" type="date" value={draft.fromDay} onChange={(e) => setDraft({ ...draft, fromDay: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="h-to">Began on or before</label>
          <input
            id="h-to"
            type="date"
            value={draft.toDay}
            aria-invalid={rangeWrong || undefined}
            aria-describedby={rangeWrong ? 'h-range-error' : undefined}
            onChange={(e) => setDraft({ ...draft, toDay: e.target.value })}
          />
          {rangeWrong ? (
            <span id="h-range-error" className="field-error">
              The last day comes before the first.
            </span>
          ) : null}
        </div>
        <div className="row filter-actions">
          <button type="submit" className="button primary" disabled={rangeWrong}>
            Apply filters
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setDraft(INITIAL);
              setFilter(INITIAL);
            }}
          >
            Reset
          </button>
        </div>
      </form>
      {history.isPending ? <Loading what="Loading alert history" /> : null}
      {history.isError ? <ErrorNotice error={history.error} onRetry={() => void history.refetch()} /> : null}
      {history.isSuccess && items.length === 0 ? <p className="card empty">No alert matches these filters.</p> : null}
      {items.length > 0 ? (
        <div className="table-wrap card" tabIndex={0} role="region" aria-label="Alert history, scrollable">
          <table className="history-table">
            <caption>
              {items.length} {items.length === 1 ? 'alert' : 'alerts'} shown{history.hasNextPage ? ' (more below)' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col" className="wide-only">
                  Severity and state
                </th>
                <th scope="col" className="wide-only">
                  Began
                </th>
                <th scope="col" className="wide-only">
                  Lasted
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((alert) => {
                const lasted = alert.resolvedAt
                  ? formatDuration((Date.parse(alert.resolvedAt) - Date.parse(alert.activeSince)) / 1000)
                  : undefined;
                const badges = (
                  <div className="badges">
                    <SeverityBadge severity={alert.severity} />
                    <AlertStateBadge state={alert.state} />
                    {alert.ackedAt ? <span className="small muted">acknowledged</span> : null}
                  </div>
                );
                const began = <time dateTime={alert.activeSince}>{formatDateTime(alert.activeSince)}</time>;
                return (
                  <tr key={alert.id}>
                    <td>
                      <strong>{alertTitle(alert)}</strong>
                      <div className="small">
                        <AlertWhere alert={alert} />
                      </div>
                      {alert.annotations.summary ? <div className="small muted">{alert.annotations.summary}</div> : null}
                      {alert.value !== null ? <div className="small muted">value {formatValue(alert.value)}</div> : null}
                      <div className="phone-only small">
                        {badges}
                        Began {began}; {lasted ? `lasted ${lasted}` : 'still active'}
                      </div>
                    </td>
                    <td className="wide-only">{badges}</td>
                    <td className="wide-only">{began}</td>
                    <td className="wide-only">
                      {lasted ? (
                        <>
                          {lasted}
                          <div className="small muted">
                            until <time dateTime={alert.resolvedAt!}>{formatDateTime(alert.resolvedAt)}</time>
                          </div>
                        </>
                      ) : (
                        'still active'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {history.isFetchNextPageError ? <ErrorNotice error={history.error} /> : null}
      <Pager hasMore={!!history.hasNextPage} loading={history.isFetchingNextPage} onMore={() => void history.fetchNextPage()} />
    </section>
  );
}
