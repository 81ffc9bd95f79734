// The organization as of any day: a date control (kept in the address as ?asOf=YYYY-MM-DD), the
// unit tree on that day, the selected unit with its timeline of versions, the forms to create,
// rename, move, suspend and reactivate units from a date, and import and export.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useUnits } from '../api/org';
import type { OrgUnit } from '../api/org';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { CreateUnitForm } from '../components/OrgForms';
import { OrgTransfer } from '../components/OrgTransfer';
import { OrgTree } from '../components/OrgTree';
import { OrgUnitPanel } from '../components/OrgUnitPanel';
import { todayIso } from '../format';
import { MAX_DATE, MIN_DATE, addMonths, clampDate, describeAsOf, formatDay, isIsoDate, relationTo } from '../org/dates';
import { buildTree } from '../org/tree';
import { useSession } from '../session';
import './Organization.css';

export function Organization() {
  const session = useSession();
  const canWrite = session.can('org:write');
  const { code } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const today = todayIso();
  const asOfParam = params.get('asOf');
  const asOf = isIsoDate(asOfParam) ? asOfParam : today;
  const badParam = asOfParam !== null && !isIsoDate(asOfParam);
  const suffixFor = (date: string) => (date === today ? '' : `?asOf=${date}`);

  // A global grant of a role that reads the organization (every role but detector) sees every unit.
  const seesAll = session.user.grants.some((grant) => grant.orgUnitCode === null && grant.role !== 'detector');
  const units = useUnits(asOf, seesAll);
  const tree = useMemo(() => buildTree(units.data ?? []), [units.data]);
  const loaded = units.isSuccess && !units.isPlaceholderData;
  const [message, setMessage] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const panel = useRef<HTMLDivElement>(null);

  const setAsOf = (date: string) => {
    if (!isIsoDate(date)) return;
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (date === today) next.delete('asOf');
        else next.set('asOf', date);
        return next;
      },
      { replace: true },
    );
  };

  // On a narrow screen the selected unit comes above the tree: bring it into view when chosen.
  useEffect(() => {
    if (!code || !panel.current) return;
    const top = panel.current.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight) panel.current.scrollIntoView({ block: 'start' });
  }, [code]);

  const relation = relationTo(asOf, today);
  const onCreated = (unit: OrgUnit, text: string) => {
    setCreating(false);
    setMessage(text);
    void navigate({ pathname: `/organization/${encodeURIComponent(unit.code)}`, search: suffixFor(asOf) });
  };

  return (
    <section className="page org-page">
      <div className="org-title">
        <h1>Organization</h1>
        {canWrite ? (
          <button
            type="button"
            className="button primary"
            aria-expanded={creating}
            aria-controls={creating ? 'org-create' : undefined}
            onClick={() => setCreating((open) => !open)}
          >
            Add a unit
          </button>
        ) : null}
      </div>

      <section className="card org-asof" aria-labelledby="org-asof-title">
        <h2 id="org-asof-title" className="org-sr-only">
          Date shown
        </h2>
        <div className="org-asof-controls">
          <div className="field">
            <label htmlFor="org-asof">Show the tree as of</label>
            <input
              id="org-asof"
              type="date"
              min={MIN_DATE}
              max={MAX_DATE}
              value={asOf}
              aria-describedby="org-asof-said"
              onChange={(e) => setAsOf(e.target.value)}
            />
          </div>
          <div className="row org-asof-moves" role="group" aria-label="Move the date">
            <button type="button" className="button secondary" onClick={() => setAsOf(clampDate(addMonths(asOf, -12)))}>
              −1 year
            </button>
            <button type="button" className="button secondary" onClick={() => setAsOf(clampDate(addMonths(asOf, -1)))}>
              −1 month
            </button>
            <button type="button" className="button secondary" disabled={relation === 'today'} onClick={() => setAsOf(today)}>
              Today
            </button>
            <button type="button" className="button secondary" onClick={() => setAsOf(clampDate(addMonths(asOf, 1)))}>
              +1 month
            </button>
            <button type="button" className="button secondary" onClick={() => setAsOf(clampDate(addMonths(asOf, 12)))}>
              +1 year
            </button>
          </div>
        </div>
        <p id="org-asof-said" className={relation === 'today' ? 'org-asof-said' : 'org-asof-said notice notice-warn'} role="status">
          {relation === 'past' ? <span aria-hidden="true">◀ </span> : relation === 'future' ? <span aria-hidden="true">▶ </span> : null}
          {describeAsOf(asOf, today)}
        </p>
        {badParam ? (
          <p className="notice notice-warn small">
            The address asked for the date “{asOfParam}”, which is not a date Vigil knows; today’s tree is shown instead.
          </p>
        ) : null}
      </section>

      {message ? (
        <div className="notice notice-ok org-message" role="status">
          <p>
            <span aria-hidden="true">✓ </span>
            {message}
          </p>
          <button type="button" className="button secondary" onClick={() => setMessage(null)}>
            Dismiss
          </button>
        </div>
      ) : null}

      <div className={code || creating ? 'org-layout panel-first' : 'org-layout'}>
        <section className="card org-tree-card" aria-labelledby="org-tree-title" aria-busy={!loaded}>
          <div className="org-tree-head">
            <h2 id="org-tree-title">{loaded ? `Units on ${formatDay(asOf)}` : `Loading the units on ${formatDay(asOf)}…`}</h2>
            {loaded ? (
              <p className="muted small">
                {units.data.length} unit{units.data.length === 1 ? '' : 's'}
              </p>
            ) : null}
          </div>
          {units.isError ? <ErrorNotice error={units.error} onRetry={() => void units.refetch()} /> : null}
          {units.isPending ? <Loading what="Loading units" /> : null}
          {units.isSuccess && units.data.length === 0 && loaded ? (
            <p>
              No units on {formatDay(asOf)}
              {relation === 'past' ? ': the organization did not exist yet then, or not within your units.' : '.'}
              {canWrite && relation !== 'past' ? ' Add the first one with “Add a unit”, or import a file.' : ''}
            </p>
          ) : null}
          {units.isSuccess && units.data.length > 0 ? (
            <OrgTree tree={tree} selected={code} suffix={suffixFor(asOf)} label={`Units on ${formatDay(asOf)}`} />
          ) : null}
        </section>

        <div className="stack org-panel" ref={panel}>
          {creating ? (
            <div id="org-create" className="card">
              <CreateUnitForm
                tree={tree}
                units={units.data ?? []}
                parentCode={undefined}
                defaultDate={asOf}
                onDone={onCreated}
                onCancel={() => setCreating(false)}
              />
            </div>
          ) : null}
          {code ? (
            <OrgUnitPanel
              key={code}
              code={code}
              asOf={asOf}
              today={today}
              tree={tree}
              units={units.data ?? []}
              canWrite={canWrite}
              userId={session.user.id}
              suffixFor={suffixFor}
              onMessage={setMessage}
              onCreated={onCreated}
            />
          ) : creating ? null : (
            <p className="card muted">
              Choose a unit in the tree to see its details and its timeline{canWrite ? ', and to change it' : ''}.
            </p>
          )}
        </div>
        <div className="org-transfer">
          <OrgTransfer asOf={asOf} canWrite={canWrite} onImported={setMessage} />
        </div>
      </div>
    </section>
  );
}
