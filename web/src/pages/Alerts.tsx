// Alerts: the active ones updating live from the alert stream, the history with filters,
// silences, and the rule editor with its "test now". Sections are links (?tab=…), so each can be
// bookmarked and the browser's back button moves between them.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ACTIVE_KEY, useActiveAlerts, useAlertStream } from '../api/alerts';
import type { Alert } from '../api/types';
import { applyAlertChange } from '../lib/alert-list';
import { ActiveAlerts } from './alerts/ActiveAlerts';
import { AlertHistory } from './alerts/AlertHistory';
import { Rules } from './alerts/Rules';
import { Silences } from './alerts/Silences';
import './Alerts.css';

const TABS = [
  { id: 'active', label: 'Active' },
  { id: 'history', label: 'History' },
  { id: 'silences', label: 'Silences' },
  { id: 'rules', label: 'Rules' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function Alerts() {
  const [params] = useSearchParams();
  const tab: Tab = TABS.find((t) => t.id === params.get('tab'))?.id ?? 'active';
  const client = useQueryClient();
  const active = useActiveAlerts();

  // The stream stays open on every section, so the active count is current wherever one is.
  const onAlert = useCallback(
    (alert: Alert) => {
      client.setQueryData<Alert[]>(ACTIVE_KEY, (list) => applyAlertChange(list, alert));
      if (alert.state === 'resolved') void client.invalidateQueries({ queryKey: ['alerts', 'history'] });
    },
    [client],
  );
  const onOpen = useCallback(() => void client.invalidateQueries({ queryKey: ACTIVE_KEY }), [client]);
  const stream = useAlertStream(onAlert, onOpen);

  const count = active.data?.length;
  return (
    <section className="page alerts-page" aria-labelledby="alerts-title">
      <div className="row alerts-top">
        <h1 id="alerts-title">Alerts</h1>
        <LiveIndicator status={stream} />
      </div>
      <nav aria-label="Alert sections" className="subnav">
        <ul>
          {TABS.map((t) => (
            <li key={t.id}>
              <Link to={`?tab=${t.id}`} aria-current={tab === t.id ? 'page' : undefined}>
                {t.label}
                {t.id === 'active' && count !== undefined ? <span className="subnav-count"> ({count})</span> : null}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'active' ? <ActiveAlerts query={active} /> : null}
      {tab === 'history' ? <AlertHistory /> : null}
      {tab === 'silences' ? <Silences /> : null}
      {tab === 'rules' ? <Rules /> : null}
    </section>
  );
}

function LiveIndicator({ status }: { status: ReturnType<typeof useAlertStream> }) {
  const text =
    status === 'live'
      ? { icon: '●', words: 'Live: changes appear as they happen' }
      : status === 'connecting'
        ? { icon: '◌', words: 'Connecting to live updates…' }
        : { icon: '↻', words: 'Live updates interrupted, reconnecting…' };
  return (
    <p className={`live live-${status}`} role="status">
      <span aria-hidden="true">{text.icon} </span>
      {text.words}
    </p>
  );
}
