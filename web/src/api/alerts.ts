// Alerts, rules and silences as the alerts page reads and changes them, and the live stream of
// alert changes (Server-Sent Events) that keeps the active list current.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, get, post, refreshSession } from './client';
import type { Alert, Page, Severity } from './types';
import { compareActive, parseAlertEvent } from '../lib/alert-list';
import { dayAfter, dayStart } from '../lib/days';
import type { Matcher, TestSeries } from '../lib/alert-list';
import type { AlertRule, RuleInput } from '../lib/rule-form';

export type { AlertRule, RuleInput };

export const ACTIVE_KEY = ['alerts', 'active'] as const;
const BASE = '/api/v1/alerts';

/** Every pending and firing alert the caller may see (at most a few thousand: the page shows them all). */
export async function listActiveAlerts(signal?: AbortSignal): Promise<Alert[]> {
  const out: Alert[] = [];
  for (const state of ['firing', 'pending'] as const) {
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<Alert> = await get<Page<Alert>>(BASE, { state, limit: 500, cursor }, signal);
      out.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
  }
  return out.sort(compareActive);
}

/**
 * The active alerts. The stream brings firing, resolved and acknowledged alerts as they change; an
 * alert that only became pending is not streamed, so the list is also read again every 15 s.
 */
export function useActiveAlerts() {
  return useQuery({ queryKey: ACTIVE_KEY, queryFn: ({ signal }) => listActiveAlerts(signal), refetchInterval: 15_000 });
}

export interface AlertFilter {
  state?: 'pending' | 'firing' | 'resolved' | '';
  severity?: Severity | '';
  orgUnitCode?: string;
  /** YYYY-MM-DD, the first day (in the viewer's time zone). */
  fromDay?: string;
  /** YYYY-MM-DD, the last day, inclusive. */
  toDay?: string;
}

export function listAlerts(filter: AlertFilter, cursor: string | null, signal?: AbortSignal): Promise<Page<Alert>> {
  return get<Page<Alert>>(
    BASE,
    {
      state: filter.state || undefined,
      severity: filter.severity || undefined,
      orgUnitCode: filter.orgUnitCode?.trim() || undefined,
      from: filter.fromDay ? dayStart(filter.fromDay) : undefined,
      to: filter.toDay ? dayAfter(filter.toDay) : undefined,
      limit: 50,
      cursor,
    },
    signal,
  );
}

export const ackAlert = (id: string) => post<Alert>(`${BASE}/${id}/ack`);

export const listRules = (cursor: string | null, signal?: AbortSignal) =>
  get<Page<AlertRule>>(`${BASE}/rules`, { limit: 100, cursor }, signal);
export const createRule = (input: RuleInput) => post<AlertRule>(`${BASE}/rules`, input);
export const updateRule = (id: string, input: RuleInput, revision: number) =>
  api<AlertRule>('PUT', `${BASE}/rules/${id}`, { body: input, headers: { 'if-match': `"${revision}"` } });
export const deleteRule = (id: string, revision: number) =>
  api<undefined>('DELETE', `${BASE}/rules/${id}`, { headers: { 'if-match': `"${revision}"` } });

export interface TestResult {
  evaluatedAt: string;
  series: TestSeries[];
}
export const testRule = (id: string) => post<TestResult>(`${BASE}/rules/${id}/test`);

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string | null;
  orgUnitCode: string | null;
  createdAt: string;
  state: 'pending' | 'active' | 'expired';
}
export interface SilenceInput {
  matchers: Matcher[];
  startsAt?: string;
  endsAt: string;
  comment: string;
  orgUnitCode?: string | null;
}
export const listSilences = (state: Silence['state'] | '', cursor: string | null, signal?: AbortSignal) =>
  get<Page<Silence>>(`${BASE}/silences`, { state: state || undefined, limit: 50, cursor }, signal);
export const createSilence = (input: SilenceInput) => post<Silence>(`${BASE}/silences`, input);
export const expireSilence = (id: string) => api<Silence>('DELETE', `${BASE}/silences/${id}`);

export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * Opens the alert stream while mounted and hands each alert change to `onAlert`. EventSource
 * reconnects by itself after a dropped connection; an answer that is not a stream (a lapsed access
 * cookie gets 401) closes it for good, so the session is renewed and the stream opened again, with
 * a growing pause while that keeps failing. `onOpen` runs at every (re)connection: the server does
 * not replay what was missed meanwhile, so the page reads the list again then.
 */
export function useAlertStream(onAlert: (alert: Alert) => void, onOpen: () => void): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const handlers = useRef({ onAlert, onOpen });
  useEffect(() => {
    handlers.current = { onAlert, onOpen };
  });
  useEffect(() => {
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let failures = 0;
    const open = () => {
      if (stopped) return;
      const current = new EventSource(`${BASE}/stream`, { withCredentials: true });
      source = current;
      current.onopen = () => {
        failures = 0;
        setStatus('live');
        handlers.current.onOpen();
      };
      current.addEventListener('alert', (event) => {
        const alert = parseAlertEvent(String((event as MessageEvent<unknown>).data));
        if (alert) handlers.current.onAlert(alert);
      });
      current.onerror = () => {
        if (stopped || source !== current) return;
        setStatus('reconnecting');
        if (current.readyState !== EventSource.CLOSED) return; // the browser retries by itself
        current.close();
        failures += 1;
        const pause = Math.min(30_000, 1_000 * 2 ** Math.min(failures - 1, 5));
        void refreshSession().then((renewed) => {
          // Not renewed: a request through the client signs out a session that is over, or shows the lost connection.
          if (!renewed) void get('/api/auth/me').catch(() => undefined);
          if (!stopped) timer = setTimeout(open, renewed && failures === 1 ? 0 : pause);
        });
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, []);
  return status;
}
