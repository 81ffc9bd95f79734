// One unit: what it is on the date shown, its whole timeline of versions (past, in force,
// scheduled; what each changed), and, for those who may change the organization, the forms to
// rename or move it, suspend or reactivate it, and add a unit under it.
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { isNotFound, useChanges, useUnit, useVersions } from '../api/org';
import type { OrgUnit } from '../api/org';
import { formatDateTime } from '../format';
import { MAX_DATE, MIN_DATE, addMonths, clampDate, formatDay, formatPeriod, isIsoDate } from '../org/dates';
import { summarise, summariseChange, timelineOf, versionOn } from '../org/timeline';
import type { TimelineEntry } from '../org/timeline';
import type { Tree } from '../org/tree';
import { ErrorNotice } from './ErrorNotice';
import { Loading } from './Loading';
import { ChangeUnitForm, CreateUnitForm, StatusForm } from './OrgForms';

type Action = 'change' | 'status' | 'child';

export interface PanelProps {
  code: string;
  asOf: string;
  today: string;
  tree: Tree;
  units: OrgUnit[];
  canWrite: boolean;
  userId: string;
  /** `?asOf=…` for links that keep the date shown ('' for today). */
  suffixFor: (date: string) => string;
  onMessage: (message: string) => void;
  onCreated: (unit: OrgUnit, message: string) => void;
}

const STATE_LABEL = { past: 'past', current: 'in force today', scheduled: 'scheduled' } as const;

export function OrgUnitPanel(props: PanelProps) {
  const { code, asOf, today, tree, units, canWrite, suffixFor } = props;
  const versions = useVersions(code);
  const unit = useUnit(code, asOf);
  const [action, setAction] = useState<Action | null>(null);

  if (versions.isPending) return <Loading what={`Loading ${code}`} />;
  if (versions.isError) {
    if (isNotFound(versions.error)) {
      return (
        <section className="card" aria-labelledby="org-unit-title">
          <h2 id="org-unit-title">No unit {code}</h2>
          <p>
            No unit has the code <code>{code}</code>, or it lies outside the units your grants cover.{' '}
            <Link to={{ pathname: '/organization', search: suffixFor(asOf) }}>Back to the tree</Link>.
          </p>
        </section>
      );
    }
    return <ErrorNotice error={versions.error} onRetry={() => void versions.refetch()} />;
  }

  const entries = timelineOf(versions.data, today);
  const first = entries[0]?.version;
  const shown = versionOn(versions.data, asOf);
  const latest = entries.at(-1)?.version;
  const current: { name: string; status: string } | undefined = unit.data ?? shown ?? latest;
  const revision = unit.data?.revision ?? latest?.revision;
  const node = tree.byCode.get(code);
  const hasChildren = (node?.children.length ?? 0) > 0;
  const suspended = (unit.data ?? shown)?.status === 'INACTIVE';
  const done = (message: string) => {
    setAction(null);
    props.onMessage(message);
  };
  const toggle = (next: Action) => setAction((open) => (open === next ? null : next));

  return (
    <section className="card stack org-unit" aria-labelledby="org-unit-title">
      <div>
        <h2 id="org-unit-title">
          {current?.name ?? code}{' '}
          {suspended ? (
            <span className="badge org-suspended">
              <span aria-hidden="true">⊘ </span>suspended
            </span>
          ) : null}
        </h2>
        {unit.data && unit.data.namePath.length > 1 ? (
          <nav aria-label={`Place of ${unit.data.name} in the tree`}>
            <ol className="org-path small">
              {unit.data.codePath.map((pathCode, index) => (
                <li key={pathCode}>
                  {pathCode === code ? (
                    <span aria-current="location">{unit.data.namePath[index]}</span>
                  ) : (
                    <Link to={{ pathname: `/organization/${encodeURIComponent(pathCode)}`, search: suffixFor(asOf) }}>
                      {unit.data.namePath[index]}
                    </Link>
                  )}
                </li>
              ))}
            </ol>
          </nav>
        ) : null}
      </div>

      {unit.isError && !isNotFound(unit.error) ? <ErrorNotice error={unit.error} onRetry={() => void unit.refetch()} /> : null}
      {!shown && first ? (
        <div className="notice notice-warn">
          <p>
            {current?.name ?? code} does not exist on {formatDay(asOf)}: it starts on {formatDay(first.effectiveDate)}.
          </p>
          <Link to={{ pathname: `/organization/${encodeURIComponent(code)}`, search: suffixFor(first.effectiveDate) }}>
            Show the tree on {formatDay(first.effectiveDate)}
          </Link>
        </div>
      ) : null}

      {unit.data ? <Details unit={unit.data} asOf={asOf} suffixFor={suffixFor} childCount={node?.children.length ?? 0} /> : null}
      {shown && unit.isPending ? <Loading what="Loading the unit" /> : null}

      {canWrite && latest ? (
        <div className="stack">
          <div className="row org-actions">
            <button type="button" className="button secondary" aria-expanded={action === 'change'} onClick={() => toggle('change')}>
              Rename or move
            </button>
            <button type="button" className="button secondary" aria-expanded={action === 'status'} onClick={() => toggle('status')}>
              {suspended ? 'Reactivate' : 'Suspend'}
            </button>
            <button type="button" className="button secondary" aria-expanded={action === 'child'} onClick={() => toggle('child')}>
              Add a unit under it
            </button>
          </div>
          {action === 'change' ? (
            <ChangeUnitForm
              code={code}
              versions={versions.data}
              tree={tree}
              units={units}
              defaultDate={asOf}
              revision={revision}
              onDone={done}
              onCancel={() => setAction(null)}
            />
          ) : null}
          {action === 'status' ? (
            <StatusForm
              unit={{ code, name: current?.name ?? code }}
              action={suspended ? 'reactivate' : 'suspend'}
              defaultDate={asOf}
              firstDate={first?.effectiveDate ?? asOf}
              revision={revision}
              hasChildren={hasChildren}
              onDone={done}
              onCancel={() => setAction(null)}
            />
          ) : null}
          {action === 'child' ? (
            <CreateUnitForm
              tree={tree}
              units={units}
              parentCode={tree.byCode.has(code) ? code : undefined}
              defaultDate={asOf}
              onDone={(created, message) => {
                setAction(null);
                props.onCreated(created, message);
              }}
              onCancel={() => setAction(null)}
            />
          ) : null}
        </div>
      ) : null}

      <Timeline entries={entries} asOf={asOf} userId={props.userId} code={code} suffixFor={suffixFor} />
      <Changes code={code} asOf={asOf} suffixFor={suffixFor} />
    </section>
  );
}

function Details({
  unit,
  asOf,
  suffixFor,
  childCount,
}: {
  unit: OrgUnit;
  asOf: string;
  suffixFor: (date: string) => string;
  childCount: number;
}) {
  const parentName = unit.namePath.at(-2);
  return (
    <dl className="org-details">
      <dt>Code</dt>
      <dd>
        <code>{unit.code}</code>
      </dd>
      <dt>Type</dt>
      <dd>{unit.unitType}</dd>
      <dt>Status on {formatDay(asOf)}</dt>
      <dd>
        {unit.status === 'INACTIVE' ? (
          <span className="badge org-suspended">
            <span aria-hidden="true">⊘ </span>suspended
          </span>
        ) : (
          <span className="badge org-active">
            <span aria-hidden="true">● </span>active
          </span>
        )}
      </dd>
      <dt>Parent</dt>
      <dd>
        {unit.parentCode === null ? (
          'None: a root (an organization)'
        ) : (
          <Link to={{ pathname: `/organization/${encodeURIComponent(unit.parentCode)}`, search: suffixFor(asOf) }}>
            {parentName ?? unit.parentCode} ({unit.parentCode})
          </Link>
        )}
      </dd>
      <dt>Units directly under it</dt>
      <dd>{childCount}</dd>
      <dt>This version</dt>
      <dd>{formatPeriod(unit.effectiveDate, unit.endDate)}</dd>
      {unit.description ? (
        <>
          <dt>Description</dt>
          <dd>{unit.description}</dd>
        </>
      ) : null}
      {unit.hasScheduledChanges ? (
        <>
          <dt>Later changes</dt>
          <dd>Yes: versions start after {formatDay(asOf)} (see the timeline).</dd>
        </>
      ) : null}
    </dl>
  );
}

function Timeline({
  entries,
  asOf,
  userId,
  code,
  suffixFor,
}: {
  entries: TimelineEntry[];
  asOf: string;
  userId: string;
  code: string;
  suffixFor: (date: string) => string;
}) {
  return (
    <section aria-labelledby="org-timeline-title">
      <h3 id="org-timeline-title">Timeline</h3>
      <p className="muted small">
        Every version, oldest first. {entries.length} version{entries.length === 1 ? '' : 's'}; dates are inclusive.
      </p>
      <ol className="org-timeline">
        {entries.map((entry) => {
          const v = entry.version;
          const isShown = v.effectiveDate <= asOf && (v.endDate === null || v.endDate >= asOf);
          return (
            <li key={v.effectiveDate} className={`org-version org-version-${entry.state}${isShown ? ' shown' : ''}`}>
              <div className="org-version-head">
                <strong>{formatPeriod(v.effectiveDate, v.endDate)}</strong>
                <span className={`badge org-state-${entry.state}`}>
                  <span aria-hidden="true">{entry.state === 'scheduled' ? '◷ ' : entry.state === 'current' ? '● ' : '○ '}</span>
                  {STATE_LABEL[entry.state]}
                </span>
                {isShown ? <span className="badge org-shown">shown on {formatDay(asOf)}</span> : null}
              </div>
              <p>{summarise(entry)}.</p>
              {v.changeReason ? <p className="small">Reason: {v.changeReason}</p> : null}
              <p className="muted small">
                Entered {formatDateTime(v.changedAt)}
                {v.changedBy ? ` by ${v.changedBy === userId ? 'you' : `user ${v.changedBy.slice(0, 8)}…`}` : ''}.{' '}
                {isShown ? null : (
                  <Link to={{ pathname: `/organization/${encodeURIComponent(code)}`, search: suffixFor(v.effectiveDate) }}>
                    Show the tree on {formatDay(v.effectiveDate)}
                  </Link>
                )}
              </p>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** What changed in the unit and everything under it in a period: for reports, loaded when asked. */
function Changes({ code, asOf, suffixFor }: { code: string; asOf: string; suffixFor: (date: string) => string }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  // A year either side of the date shown, until the user picks a period.
  const [picked, setPicked] = useState<{ from: string; to: string } | null>(null);
  const { from, to } = picked ?? { from: clampDate(addMonths(asOf, -12)), to: clampDate(addMonths(asOf, 12)) };
  const setFrom = (value: string) => setPicked({ from: value, to });
  const setTo = (value: string) => setPicked({ from, to: value });
  const valid = isIsoDate(from) && isIsoDate(to) && from <= to;
  const changes = useChanges(code, from, to, open && valid);
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Changes in this unit and below</h3>
      <button type="button" className="button secondary" aria-expanded={open} aria-controls={`${id}-body`} onClick={() => setOpen(!open)}>
        {open ? 'Hide the changes' : 'Show the changes in a period'}
      </button>
      {open ? (
        <div id={`${id}-body`} className="stack org-changes">
          <div className="row">
            <div className="field">
              <label htmlFor={`${id}-from`}>From</label>
              <input id={`${id}-from`} type="date" min={MIN_DATE} max={MAX_DATE} value={from} onChange={(e) => setFrom(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-to`}>To (inclusive)</label>
              <input id={`${id}-to`} type="date" min={MIN_DATE} max={MAX_DATE} value={to} onChange={(e) => setTo(e.target.value)} />
            </div>
          </div>
          {!valid ? (
            <p className="org-field-error" role="alert">
              <span aria-hidden="true">⚠ </span>Enter two real dates, the first not after the second.
            </p>
          ) : null}
          {changes.isError ? <ErrorNotice error={changes.error} onRetry={() => void changes.refetch()} /> : null}
          {valid && changes.isPending ? <Loading what="Loading the changes" /> : null}
          {changes.data && changes.data.length === 0 ? (
            <p className="muted">
              Nothing changed from {formatDay(from)} to {formatDay(to)}.
            </p>
          ) : null}
          {changes.data && changes.data.length > 0 ? (
            <div className="table-wrap">
              <table>
                <caption>
                  {changes.data.length} change{changes.data.length === 1 ? '' : 's'} from {formatDay(from)} to {formatDay(to)}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">From</th>
                    <th scope="col">Unit</th>
                    <th scope="col">What changed</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.data.map((item) => (
                    <tr key={`${item.code}/${item.effectiveDate}`}>
                      <td>
                        <Link to={{ pathname: `/organization/${encodeURIComponent(item.code)}`, search: suffixFor(item.effectiveDate) }}>
                          {formatDay(item.effectiveDate)}
                        </Link>
                      </td>
                      <td>
                        <code>{item.code}</code>
                      </td>
                      <td>
                        {summariseChange(item)}.
                        {item.changeReason ? <span className="muted small"> Reason: {item.changeReason}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
