// The audit log: a filter form whose values live in the page address (reload, share, go back), the
// records newest first with "Load more", and per record its before/after state on demand.
import { Fragment, useId, useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { AuditEvent } from '../../api/admin';
import { useActorNames, useAudit } from '../../api/admin';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/Pager';
import { useSession } from '../../session';
import type { AuditFilter } from './audit-filter';
import {
  AUDIT_RESULTS,
  EMPTY_FILTER,
  activeFilterCount,
  changedFields,
  filterFromParams,
  filterProblems,
  paramsWithFilter,
  toAuditQuery,
} from './audit-filter';
import { ResultBadge } from './bits';
import { UNITS_LIST_ID } from './GrantsEditor';

/** Suggestions for the action field: the families, then the actions people look for most. */
const ACTIONS = [
  'auth.*',
  'user.*',
  'api_key.*',
  'camera.*',
  'org_unit.*',
  'alert.*',
  'alert_rule.*',
  'silence.*',
  'event.*',
  'auth.login',
  'auth.login_failed',
  'api_key.create',
  'api_key.revoke',
  'user.create',
  'user.disable',
  'user.grant',
  'user.revoke',
  'user.reset_password',
];
const RESOURCE_TYPES = [
  'user',
  'api_key',
  'session',
  'camera',
  'org_unit',
  'alert',
  'alert_rule',
  'silence',
  'detection_event',
  'signing_key',
];

export function AuditSection() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const filter = filterFromParams(params);
  const problems = filterProblems(filter);
  const valid = Object.keys(problems).length === 0;
  const audit = useAudit(toAuditQuery(filter), valid);
  const names = useActorNames(session.can('users:read'));
  const items = audit.data?.pages.flatMap((page) => page.items) ?? [];
  const filtered = activeFilterCount(filter) > 0;
  // On a phone the filters start folded, so the records come first.
  const [filtersOpen, setFiltersOpen] = useState(() => window.matchMedia('(min-width: 761px)').matches);

  const apply = (next: AuditFilter) => setParams(paramsWithFilter(params, next));
  /** The address of this view narrowed by one more field. */
  const narrowed = (change: Partial<AuditFilter>) => `?${paramsWithFilter(params, { ...filter, ...change }).toString()}`;

  return (
    <section className="stack" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <details className="card audit-filter-box" open={filtersOpen} onToggle={(event) => setFiltersOpen(event.currentTarget.open)}>
        <summary>
          Filters
          {filtered ? ` (${activeFilterCount(filter)} in use)` : ''}
        </summary>
        <AuditFilterForm key={JSON.stringify(filter)} initial={filter} actorNames={names.data} onApply={apply} />
      </details>
      {audit.isPending && valid ? <Loading what="Loading the audit log" /> : null}
      {audit.isError ? <ErrorNotice error={audit.error} onRetry={() => void audit.refetch()} /> : null}
      {audit.isSuccess && items.length === 0 ? (
        <p className="card">{filtered ? 'No audit records match these filters.' : 'No audit records yet.'}</p>
      ) : null}
      {items.length > 0 ? (
        <div className="card">
          <div className="table-wrap">
            <table className="admin-table audit-table">
              <caption className="admin-sr-only">Audit records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Unit</th>
                  <th scope="col">Result</th>
                  <th scope="col">Request ID</th>
                  <th scope="col">
                    <span className="admin-sr-only">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((event) => (
                  <AuditRow key={event.id} event={event} actor={actorName(event, names.data)} narrowed={narrowed} />
                ))}
              </tbody>
            </table>
          </div>
          <Pager hasMore={audit.hasNextPage} loading={audit.isFetchingNextPage} onMore={() => void audit.fetchNextPage()} />
        </div>
      ) : null}
    </section>
  );
}

function actorName(event: AuditEvent, names: ReadonlyMap<string, string> | undefined): string {
  switch (event.actorType) {
    case 'system':
      return 'Vigil (system)';
    case 'anonymous':
      return 'anonymous';
    case 'user':
    case 'api_key': {
      const known = event.actorId ? names?.get(event.actorId) : undefined;
      if (known) return known;
      const kind = event.actorType === 'user' ? 'user' : 'API key';
      return event.actorId ? `${kind} ${event.actorId.slice(0, 8)}…` : kind;
    }
  }
}

/** "2026-03-01 14:30:05" in the viewer's time zone. */
function preciseTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString('en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

function AuditRow({ event, actor, narrowed }: { event: AuditEvent; actor: string; narrowed: (change: Partial<AuditFilter>) => string }) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const changed = changedFields(event.before, event.after);
  return (
    <Fragment>
      <tr className={open ? 'audit-open' : undefined}>
        <td data-label="Time">
          <time dateTime={event.at}>{preciseTime(event.at)}</time>
        </td>
        <td data-label="Actor">
          {event.actorId ? (
            <Link to={narrowed({ actor: event.actorId })} title="Show only this actor’s records" className="admin-break">
              {actor}
            </Link>
          ) : (
            actor
          )}
        </td>
        <td data-label="Action">
          <Link to={narrowed({ action: event.action })} title="Show only this action">
            <code>{event.action}</code>
          </Link>
        </td>
        <td data-label="Resource">
          <span>{event.resourceType}</span>
          {event.resourceId ? <div className="muted small admin-break">{event.resourceId}</div> : null}
        </td>
        <td data-label="Unit">{event.orgUnitCode ?? <span className="muted">none</span>}</td>
        <td data-label="Result">
          <ResultBadge result={event.result} />
        </td>
        <td data-label="Request ID">
          {event.requestId ? <code className="admin-break">{event.requestId}</code> : <span className="muted">none</span>}
        </td>
        <td data-label="Details">
          <button type="button" className="button secondary" aria-expanded={open} aria-controls={detailsId} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'Details'}
            <span className="admin-sr-only">
              {' '}
              of {event.action} at {preciseTime(event.at)}
            </span>
          </button>
        </td>
      </tr>
      <tr id={detailsId} className="audit-details" hidden={!open}>
        {open ? (
          <td colSpan={8}>
            <dl className="admin-facts">
              <dt>Actor</dt>
              <dd className="admin-break">
                {event.actorType}
                {event.actorId ? ` ${event.actorId}` : ''}
              </dd>
              <dt>Address</dt>
              <dd>{event.ip ?? 'none'}</dd>
              {event.resourceId ? (
                <>
                  <dt>Resource</dt>
                  <dd>
                    <Link to={narrowed({ resource: event.resourceType, resourceId: event.resourceId })}>
                      All records of {event.resourceType} {event.resourceId}
                    </Link>
                  </dd>
                </>
              ) : null}
              {changed.length > 0 ? (
                <>
                  <dt>Changed</dt>
                  <dd>{changed.join(', ')}</dd>
                </>
              ) : null}
            </dl>
            <div className="audit-states">
              <div>
                <h3>Before</h3>
                <StateView value={event.before} />
              </div>
              <div>
                <h3>After</h3>
                <StateView value={event.after} />
              </div>
            </div>
          </td>
        ) : null}
      </tr>
    </Fragment>
  );
}

function StateView({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="muted">Nothing</p>;
  return (
    <pre className="audit-json" tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function AuditFilterForm({
  initial,
  actorNames,
  onApply,
}: {
  initial: AuditFilter;
  actorNames: ReadonlyMap<string, string> | undefined;
  onApply: (filter: AuditFilter) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [checked, setChecked] = useState(true);
  const problems = checked ? filterProblems(draft) : {};
  const id = useId();
  const set = (field: keyof AuditFilter) => (event: { target: { value: string } }) => {
    setDraft((current) => ({ ...current, [field]: event.target.value }));
    setChecked(false);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (Object.keys(filterProblems(draft)).length === 0) onApply(draft);
  }

  const field = (name: keyof AuditFilter, label: string, input: ReactElement, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {input}
      {hint ? (
        <span id={`${id}-${name}-hint`} className="muted small">
          {hint}
        </span>
      ) : null}
      {problems[name] ? (
        <span id={`${id}-${name}-problem`} className="field-problem">
          {problems[name]}
        </span>
      ) : null}
    </div>
  );
  const described = (name: keyof AuditFilter, hint: boolean) =>
    [hint ? `${id}-${name}-hint` : '', problems[name] ? `${id}-${name}-problem` : ''].filter(Boolean).join(' ') || undefined;
  const text = (name: keyof AuditFilter, options: { list?: string; hint?: boolean; placeholder?: string } = {}) => (
    <input
      id={`${id}-${name}`}
      value={draft[name]}
      list={options.list}
      placeholder={options.placeholder}
      autoComplete="off"
      spellCheck={false}
      aria-invalid={problems[name] ? true : undefined}
      aria-describedby={described(name, options.hint ?? false)}
      onChange={set(name)}
    />
  );

  return (
    <form className="admin-filters audit-filters" role="search" aria-label="Audit log filters" onSubmit={submit} noValidate>
      {field(
        'action',
        'Action',
        text('action', { list: `${id}-actions`, hint: true, placeholder: 'any' }),
        'Exact, or a family such as auth.*',
      )}
      {field('actor', 'Actor ID', text('actor', { list: actorNames ? `${id}-actors` : undefined, placeholder: 'anyone' }))}
      {field('resource', 'Resource type', text('resource', { list: `${id}-resources`, placeholder: 'any' }))}
      {field('resourceId', 'Resource ID', text('resourceId', { placeholder: 'any' }))}
      {field('unit', 'Unit', text('unit', { list: UNITS_LIST_ID, placeholder: 'any' }))}
      {field(
        'result',
        'Result',
        <select id={`${id}-result`} value={draft.result} onChange={set('result')}>
          <option value="">Any result</option>
          {AUDIT_RESULTS.map((result) => (
            <option key={result} value={result}>
              {result}
            </option>
          ))}
        </select>,
      )}
      {field(
        'from',
        'From',
        <input
          id={`${id}-from`}
          type="datetime-local"
          value={draft.from}
          aria-invalid={problems.from ? true : undefined}
          aria-describedby={described('from', true)}
          onChange={set('from')}
        />,
        'Your time zone.',
      )}
      {field(
        'to',
        'Until (before)',
        <input
          id={`${id}-to`}
          type="datetime-local"
          value={draft.to}
          aria-invalid={problems.to ? true : undefined}
          aria-describedby={described('to', false)}
          onChange={set('to')}
        />,
      )}
      <div className="row audit-filter-actions">
        <button type="submit" className="button primary">
          Apply filters
        </button>
        <button
          type="button"
          className="button secondary"
          onClick={() => onApply(EMPTY_FILTER)}
          disabled={activeFilterCount(initial) === 0}
        >
          Clear filters
        </button>
      </div>
      <datalist id={`${id}-actions`}>
        {ACTIONS.map((action) => (
          <option key={action} value={action} />
        ))}
      </datalist>
      <datalist id={`${id}-resources`}>
        {RESOURCE_TYPES.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      {actorNames ? (
        <datalist id={`${id}-actors`}>
          {[...actorNames.entries()].map(([actorId, name]) => (
            <option key={actorId} value={actorId} label={name} />
          ))}
        </datalist>
      ) : null}
    </form>
  );
}
