// Event review: a queue of detection events (pending by default), one shown large with its
// snapshot and box; keyboard shortcuts to confirm, mark false positive and move on; bulk actions
// on a selection; filters; and the counts per type and day.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { InfiniteData } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { listEvents, reviewEvent, reviewMany } from '../api/events';
import type { BulkReviewResult, EventFilter } from '../api/events';
import { useCameras } from '../api/fleet';
import type { DetectionEvent, EventStatus, Page } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { Pager } from '../components/Pager';
import { describeError, formatDateTime } from '../format';
import { ApiError } from '../api/client';
import { SHORTCUTS, STATUS_WORDS, allowedMoves, formatConfidence, keyAction, nextPendingIndex, replaceEvents } from '../lib/review';
import type { ReviewAction } from '../lib/review';
import { useSession } from '../session';
import { UnitInput } from './alerts/UnitInput';
import { EventFacts, Snapshot, StatusBadge } from './events/EventViewer';
import { EventStats } from './events/EventStats';
import './Alerts.css';
import './Events.css';

type Data = InfiniteData<Page<DetectionEvent>, string | null>;
const FILTER_KEYS = ['status', 'type', 'orgUnitCode', 'cameraId', 'minConfidence'] as const;

function filterOf(params: URLSearchParams): EventFilter {
  const status = params.get('status');
  return {
    status: status === null ? 'pending' : (status as EventStatus | ''),
    type: params.get('type') ?? '',
    orgUnitCode: params.get('orgUnitCode') ?? '',
    cameraId: params.get('cameraId') ?? '',
    minConfidence: params.get('minConfidence') ?? '',
  };
}

const MOVE_WORDS: Record<EventStatus, { button: string; done: string }> = {
  confirmed: { button: 'Confirm', done: 'Confirmed' },
  false_positive: { button: 'False positive', done: 'Marked false positive' },
  resolved: { button: 'Resolve', done: 'Resolved' },
  pending: { button: 'Reopen', done: 'Reopened' },
};

export function Events() {
  const session = useSession();
  const canReview = session.can('events:review');
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterOf(params), [params]);
  const queueKey = useMemo(() => ['events', 'queue', filter] as const, [filter]);
  const queue = useInfiniteQuery({
    queryKey: queueKey,
    queryFn: ({ pageParam, signal }) => listEvents(filter, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // A reviewed event stays in view (marked) until the queue is read again on purpose.
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
  const cameras = useCameras();
  const cameraName = useCallback(
    (id: string) => cameras.data?.find((c) => c.id === id)?.name ?? `camera ${id.slice(0, 8)}`,
    [cameras.data],
  );
  const events = useMemo(() => queue.data?.pages.flatMap((p) => p.items) ?? [], [queue.data]);
  const [index, setIndex] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [said, setSaid] = useState('');
  const [bulkResult, setBulkResult] = useState<{ status: EventStatus; result: BulkReviewResult } | undefined>();
  const focusedIndex = Math.min(index, Math.max(0, events.length - 1));
  const focused = events[focusedIndex];

  // A new filter starts a new queue.
  useEffect(() => {
    setIndex(0);
    setSelected(new Set());
    setBulkResult(undefined);
  }, [filter]);

  const store = useCallback(
    (updated: DetectionEvent[]) => {
      client.setQueryData<Data>(queueKey, (data) => replaceEvents(data, updated));
      void client.invalidateQueries({ queryKey: ['events', 'stats'] });
    },
    [client, queueKey],
  );

  const review = useMutation({
    mutationFn: ({ event, status }: { event: DetectionEvent; status: EventStatus }) => reviewEvent(event, { status }),
    onSuccess: (updated, { status }) => {
      store([updated]);
      const list = events.map((e) => (e.id === updated.id ? updated : e));
      const at = list.findIndex((e) => e.id === updated.id);
      const next = nextPendingIndex(list, at);
      const where = `${updated.type} on ${cameraName(updated.cameraId)}`;
      if (next !== undefined) {
        setIndex(next);
        setSaid(`${MOVE_WORDS[status].done}: ${where}. Now showing event ${next + 1} of ${list.length}.`);
      } else if (queue.hasNextPage) {
        setIndex(list.length);
        void queue.fetchNextPage();
        setSaid(`${MOVE_WORDS[status].done}: ${where}. Loading more events…`);
      } else {
        setSaid(`${MOVE_WORDS[status].done}: ${where}. No event awaits review in this list.`);
      }
    },
    onError: (error) => {
      if (error instanceof ApiError && (error.status === 412 || error.code === 'INVALID_TRANSITION'))
        void client.invalidateQueries({ queryKey: queueKey });
    },
  });

  const bulk = useMutation({
    mutationFn: ({ status }: { status: EventStatus }) => reviewMany([...selected], status),
    onSuccess: (result, { status }) => {
      store(result.items.flatMap((item) => (item.event ? [item.event] : [])));
      setBulkResult({ status, result });
      setSelected(new Set(result.items.filter((i) => i.result === 'rejected').map((i) => i.id)));
      setSaid(`${result.updated} updated, ${result.rejected} refused.`);
    },
  });

  const move = useCallback(
    (delta: number) => {
      if (events.length === 0) return;
      const next = focusedIndex + delta;
      if (next >= events.length && queue.hasNextPage) {
        void queue.fetchNextPage();
        setIndex(next);
        return;
      }
      setIndex(Math.max(0, Math.min(events.length - 1, next)));
    },
    [events.length, focusedIndex, queue],
  );

  const toggle = useCallback((id: string) => {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  const act = useCallback(
    (action: ReviewAction) => {
      switch (action) {
        case 'next':
          move(1);
          return;
        case 'previous':
          move(-1);
          return;
        case 'select':
          if (focused && canReview) toggle(focused.id);
          return;
        case 'confirm':
        case 'false_positive': {
          if (!focused || !canReview || review.isPending) return;
          const status: EventStatus = action === 'confirm' ? 'confirmed' : 'false_positive';
          if (!allowedMoves(focused.status).includes(status)) {
            setSaid(
              `This event is ${STATUS_WORDS[focused.status].text.toLowerCase()}: only an event awaiting review can be ${MOVE_WORDS[status].done.toLowerCase()}.`,
            );
            return;
          }
          review.mutate({ event: focused, status });
          return;
        }
      }
    },
    [move, focused, canReview, toggle, review],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = keyAction({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        target: event.target as HTMLElement | null,
      });
      if (!action) return;
      if (!canReview && (action === 'confirm' || action === 'false_positive' || action === 'select')) return;
      event.preventDefault();
      act(action);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [act, canReview]);

  // Keep the focused event's row in view in the queue.
  const queueRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    queueRef.current?.querySelector('[aria-current="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [focusedIndex]);

  const pendingLoaded = events.filter((e) => e.status === 'pending').length;
  const allSelected = events.length > 0 && events.every((e) => selected.has(e.id));

  return (
    <section className="page events-page" aria-labelledby="events-title">
      <h1 id="events-title">Event review</h1>
      <Filters
        filter={filter}
        cameras={cameras.data ?? []}
        onApply={(next) => {
          const out = new URLSearchParams();
          for (const key of FILTER_KEYS) {
            const value = next[key] ?? '';
            if (key === 'status' ? value !== 'pending' : value !== '') out.set(key, value);
          }
          setParams(out);
        }}
      />
      <Legend canReview={canReview} />
      <p className="visually-hidden" role="status" aria-live="polite">
        {said}
      </p>
      {queue.isPending ? <Loading what="Loading events" /> : null}
      {queue.isError ? <ErrorNotice error={queue.error} onRetry={() => void queue.refetch()} /> : null}
      {queue.isSuccess && events.length === 0 ? (
        <p className="card empty">
          <span aria-hidden="true">✓ </span>
          {filter.status === 'pending' ? 'No event awaits review with these filters.' : 'No event matches these filters.'}
        </p>
      ) : null}
      {events.length > 0 ? (
        <div className="review-layout">
          <section className="card review-focus" aria-labelledby="focus-title">
            {focused ? (
              <>
                <div className="row focus-head">
                  <h2 id="focus-title">
                    {focused.type}{' '}
                    <span className="muted small">
                      event {focusedIndex + 1} of {events.length}
                      {queue.hasNextPage ? '+' : ''}
                    </span>
                  </h2>
                  <StatusBadge status={focused.status} />
                </div>
                <Snapshot key={focused.id} event={focused} cameraName={cameraName(focused.cameraId)} />
                {said ? (
                  <p className="small said" aria-hidden="true">
                    {said}
                  </p>
                ) : null}
                {review.isError ? <ErrorNotice error={review.error} /> : null}
                <div className="row review-actions">
                  {canReview
                    ? allowedMoves(focused.status).map((status) => (
                        <button
                          key={status}
                          type="button"
                          className={`button ${status === 'confirmed' ? 'primary' : 'secondary'}`}
                          disabled={review.isPending}
                          aria-keyshortcuts={status === 'confirmed' ? 'c' : status === 'false_positive' ? 'f' : undefined}
                          onClick={() => review.mutate({ event: focused, status })}
                        >
                          {MOVE_WORDS[status].button}
                          {status === 'confirmed' ? (
                            <kbd aria-hidden="true">c</kbd>
                          ) : status === 'false_positive' ? (
                            <kbd aria-hidden="true">f</kbd>
                          ) : null}
                        </button>
                      ))
                    : null}
                  <button
                    type="button"
                    className="button secondary"
                    aria-keyshortcuts="k ArrowUp"
                    disabled={focusedIndex === 0}
                    onClick={() => move(-1)}
                  >
                    Previous<kbd aria-hidden="true">k</kbd>
                  </button>
                  <button
                    type="button"
                    className="button secondary"
                    aria-keyshortcuts="j ArrowDown"
                    disabled={focusedIndex >= events.length - 1 && !queue.hasNextPage}
                    onClick={() => move(1)}
                  >
                    Next<kbd aria-hidden="true">j</kbd>
                  </button>
                </div>
                <EventFacts event={focused} cameraName={cameraName(focused.cameraId)} />
              </>
            ) : (
              <Loading what="Loading more events" />
            )}
          </section>

          <section className="card review-queue" aria-labelledby="queue-title">
            <h2 id="queue-title">Queue</h2>
            <p className="small muted">
              {events.length} loaded{queue.hasNextPage ? ' (more to load)' : ''}, {pendingLoaded} awaiting review.
            </p>
            {canReview ? (
              <div className="bulk">
                <label className="check">
                  <input
                    type="checkbox"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(events.map((e) => e.id)))}
                  />{' '}
                  Select all loaded
                </label>
                {selected.size > 0 ? (
                  <div className="row bulk-actions" role="group" aria-label="Bulk actions">
                    <span className="bulk-count">{selected.size} selected</span>
                    <button
                      type="button"
                      className="button primary"
                      disabled={bulk.isPending}
                      onClick={() => bulk.mutate({ status: 'confirmed' })}
                    >
                      Confirm selected
                    </button>
                    <button
                      type="button"
                      className="button secondary"
                      disabled={bulk.isPending}
                      onClick={() => bulk.mutate({ status: 'false_positive' })}
                    >
                      Mark selected false positive
                    </button>
                    <button type="button" className="button secondary" onClick={() => setSelected(new Set())}>
                      Clear selection
                    </button>
                  </div>
                ) : null}
                {bulk.isError ? <ErrorNotice error={bulk.error} /> : null}
                {bulkResult ? <BulkOutcome outcome={bulkResult} events={events} cameraName={cameraName} /> : null}
              </div>
            ) : null}
            <ol className="queue" ref={queueRef} aria-label="Events in the queue">
              {events.map((event, i) => {
                const when = formatDateTime(event.occurredAt);
                return (
                  <li key={event.id} className={i === focusedIndex ? 'queue-row focused' : 'queue-row'}>
                    {canReview ? (
                      <input
                        type="checkbox"
                        className="queue-check"
                        aria-label={`Select ${event.type} at ${when}`}
                        checked={selected.has(event.id)}
                        onChange={() => toggle(event.id)}
                      />
                    ) : null}
                    <button
                      type="button"
                      className="queue-item"
                      aria-current={i === focusedIndex ? 'true' : undefined}
                      onClick={() => setIndex(i)}
                    >
                      <span className="queue-type">{event.type}</span>
                      <span className="queue-meta">
                        {formatConfidence(event.confidence)} · {cameraName(event.cameraId)} · {when}
                      </span>
                      <StatusBadge status={event.status} />
                    </button>
                  </li>
                );
              })}
            </ol>
            {queue.isFetchNextPageError ? <ErrorNotice error={queue.error} /> : null}
            <Pager hasMore={!!queue.hasNextPage} loading={queue.isFetchingNextPage} onMore={() => void queue.fetchNextPage()} />
          </section>
        </div>
      ) : null}
      <EventStats filter={filter} />
    </section>
  );
}

function BulkOutcome({
  outcome,
  events,
  cameraName,
}: {
  outcome: { status: EventStatus; result: BulkReviewResult };
  events: DetectionEvent[];
  cameraName: (id: string) => string;
}) {
  const { result, status } = outcome;
  const describe = (id: string, event?: DetectionEvent) => {
    const e = event ?? events.find((x) => x.id === id);
    return e ? `${e.type} on ${cameraName(e.cameraId)} at ${formatDateTime(e.occurredAt)}` : `event ${id}`;
  };
  return (
    <div className={`notice ${result.rejected > 0 ? 'notice-warn' : 'notice-ok'}`} role="status">
      <p>
        <strong>
          {MOVE_WORDS[status].done}: {result.updated} updated{result.rejected > 0 ? `, ${result.rejected} refused` : ''}.
        </strong>
      </p>
      <ul className="list small">
        {result.items.map((item) => (
          <li key={item.id}>
            <span aria-hidden="true">{item.result === 'updated' ? '✓ ' : '✕ '}</span>
            {describe(item.id, item.event)}:{' '}
            {item.result === 'updated'
              ? 'updated'
              : `refused: ${item.error ? describeError({ status: 400, code: item.error.code, message: item.error.message }) : 'unknown reason'}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Legend({ canReview }: { canReview: boolean }) {
  const shown = SHORTCUTS.filter((s) => canReview || (s.action !== 'confirm' && s.action !== 'false_positive' && s.action !== 'select'));
  const extra: Partial<Record<ReviewAction, string>> = { next: '↓', previous: '↑' };
  return (
    <section className="legend" aria-labelledby="legend-title">
      <h2 id="legend-title" className="legend-title">
        Keyboard shortcuts
      </h2>
      <ul>
        {shown.map((s) => (
          <li key={s.key}>
            <kbd>{s.key}</kbd>
            {extra[s.action] ? (
              <>
                {' or '}
                <kbd>{extra[s.action]}</kbd>
              </>
            ) : null}{' '}
            {s.label}
          </li>
        ))}
      </ul>
      <p className="small muted">Not while typing in a field. After a review, the next event awaiting review is shown.</p>
    </section>
  );
}

function Filters({
  filter,
  cameras,
  onApply,
}: {
  filter: EventFilter;
  cameras: { id: string; name: string; orgUnitCode: string }[];
  onApply: (filter: EventFilter) => void;
}) {
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const min = draft.minConfidence?.trim() ?? '';
  const minWrong = min !== '' && !(Number(min) >= 0 && Number(min) <= 1);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!minWrong) onApply(draft);
  };
  // Open on a wide screen; on a phone the queue comes first and the filters open on demand.
  const [open, setOpen] = useState(() => typeof window === 'undefined' || window.matchMedia('(min-width: 761px)').matches);
  const active = [
    filter.status ? STATUS_WORDS[filter.status].text : 'any status',
    filter.type,
    filter.orgUnitCode,
    filter.cameraId ? (cameras.find((c) => c.id === filter.cameraId)?.name ?? 'one camera') : '',
    filter.minConfidence ? `≥ ${filter.minConfidence}` : '',
  ].filter(Boolean);
  return (
    <details className="card filter-box" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Filters: <span className="muted">{active.join(' · ')}</span>
      </summary>
      <form className="filters" onSubmit={submit} aria-label="Event filters">
        <div className="field">
          <label htmlFor="ev-status">Status</label>
          <select id="ev-status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value as EventStatus | '' })}>
            <option value="pending">Awaiting review</option>
            <option value="confirmed">Confirmed</option>
            <option value="false_positive">False positive</option>
            <option value="resolved">Resolved</option>
            <option value="">Any status</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="ev-type">Type</label>
          <input id="ev-type" value={draft.type} spellCheck={false} onChange={(e) => setDraft({ ...draft, type: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="ev-unit">Unit (and below)</label>
          <UnitInput id="ev-unit" value={draft.orgUnitCode ?? ''} onChange={(orgUnitCode) => setDraft({ ...draft, orgUnitCode })} />
        </div>
        <div className="field">
          <label htmlFor="ev-camera">Camera</label>
          <select id="ev-camera" value={draft.cameraId} onChange={(e) => setDraft({ ...draft, cameraId: e.target.value })}>
            <option value="">Any camera</option>
            {cameras.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.orgUnitCode})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ev-min">Confidence at least</label>
          <input
            id="ev-min"
            inputMode="decimal"
            placeholder="0 to 1, such as 0.8"
            value={draft.minConfidence}
            aria-invalid={minWrong || undefined}
            aria-describedby={minWrong ? 'ev-min-error' : undefined}
            onChange={(e) => setDraft({ ...draft, minConfidence: e.target.value })}
          />
          {minWrong ? (
            <span id="ev-min-error" className="field-error">
              Enter a number from 0 to 1.
            </span>
          ) : null}
        </div>
        <div className="row filter-actions">
          <button type="submit" className="button primary">
            Apply filters
          </button>
        </div>
      </form>
    </details>
  );
}
