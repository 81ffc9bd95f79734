// Small pieces shared by the alerts sections: an alert's state as a word and a shape, its camera
// and unit as links, and its labels.
import { Link } from 'react-router';
import type { Alert } from '../../api/types';
import { extraLabels } from '../../lib/alert-list';

const STATE_ICON: Record<Alert['state'], string> = { firing: '●', pending: '◔', resolved: '✓' };

export function AlertStateBadge({ state }: { state: Alert['state'] }) {
  return (
    <span className={`badge alert-state-${state}`}>
      <span aria-hidden="true">{STATE_ICON[state]} </span>
      {state}
    </span>
  );
}

/** The camera (a link to its page) or, for a site alert, the unit. */
export function AlertWhere({ alert }: { alert: Alert }) {
  return (
    <>
      {alert.cameraId ? (
        <Link to={`/cameras/${alert.cameraId}`}>{alert.labels.camera ?? 'camera'}</Link>
      ) : (
        <span>{alert.labels.site === 'true' ? 'whole unit' : '—'}</span>
      )}
      {alert.orgUnitCode ? (
        <>
          {' · '}
          <Link to={`/organization/${encodeURIComponent(alert.orgUnitCode)}`} aria-label={`unit ${alert.orgUnitCode}`}>
            {alert.orgUnitCode}
          </Link>
        </>
      ) : null}
    </>
  );
}

export function LabelChips({ labels }: { labels: Record<string, string> }) {
  const extra = extraLabels(labels);
  if (extra.length === 0) return null;
  return (
    <ul className="chips" aria-label="Labels">
      {extra.map(([name, value]) => (
        <li key={name} className="chip">
          <code>
            {name}={value}
          </code>
        </li>
      ))}
    </ul>
  );
}
