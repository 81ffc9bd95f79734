// Silences: those in force, coming and past; creating one (matchers, when, how long, why, for which
// unit); ending one early, after a confirmation. An alert's "Silence…" button opens this section
// with matchers for that alert filled in.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { useLocation } from 'react-router';
import { createSilence, expireSilence, listSilences } from '../../api/alerts';
import type { Silence, SilenceInput } from '../../api/alerts';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { Pager } from '../../components/Pager';
import { matcherText } from '../../lib/alert-list';
import type { Matcher } from '../../lib/alert-list';
import { apiFieldErrors, errorAt, unplacedErrors } from '../../lib/rule-form';
import { formatDateTime, relativeTime } from '../../format';
import { useSession } from '../../session';
import { Confirm } from './Confirm';
import { UnitInput } from './UnitInput';
import { FieldError, FormProblems } from './FieldError';

const STATE_ICON: Record<Silence['state'], string> = { active: '●', pending: '◌', expired: '■' };
const DURATIONS = [
  { value: '3600', label: '1 hour' },
  { value: '7200', label: '2 hours' },
  { value: '14400', label: '4 hours' },
  { value: '28800', label: '8 hours' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '1 week' },
  { value: 'until', label: 'Until a date and time…' },
];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;

export function Silences() {
  const session = useSession();
  const [state, setState] = useState<Silence['state'] | ''>('');
  const [created, setCreated] = useState<Silence | undefined>();
  const silences = useInfiniteQuery({
    queryKey: ['alerts', 'silences', state],
    queryFn: ({ pageParam, signal }) => listSilences(state, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = silences.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="silences-title" className="stack">
      <h2 id="silences-title">Silences</h2>
      <p className="muted">
        A silence stops the notifications of the alerts whose labels match all its matchers, for a while. The alerts still fire and show
        here.
      </p>
      {session.can('alerts:write') ? <SilenceForm onCreated={setCreated} /> : null}
      {created ? (
        <p className="notice notice-ok" role="status">
          <span aria-hidden="true">✓ </span>Silence created: {created.matchers.map(matcherText).join(', ')} until{' '}
          {formatDateTime(created.endsAt)}.
        </p>
      ) : null}
      <div className="row">
        <div className="field inline-field">
          <label htmlFor="s-state">Show</label>
          <select id="s-state" value={state} onChange={(e) => setState(e.target.value as Silence['state'] | '')}>
            <option value="">All silences</option>
            <option value="active">In force</option>
            <option value="pending">Starting later</option>
            <option value="expired">Ended</option>
          </select>
        </div>
      </div>
      {silences.isPending ? <Loading what="Loading silences" /> : null}
      {silences.isError ? <ErrorNotice error={silences.error} onRetry={() => void silences.refetch()} /> : null}
      {silences.isSuccess && items.length === 0 ? <p className="card empty">No silence here.</p> : null}
      {items.length > 0 ? (
        <ul className="silence-list" aria-label="Silences">
          {items.map((silence) => (
            <li key={silence.id}>
              <SilenceCard silence={silence} />
            </li>
          ))}
        </ul>
      ) : null}
      <Pager hasMore={!!silences.hasNextPage} loading={silences.isFetchingNextPage} onMore={() => void silences.fetchNextPage()} />
    </section>
  );
}

function SilenceCard({ silence }: { silence: Silence }) {
  const session = useSession();
  const client = useQueryClient();
  const end = useMutation({
    mutationFn: () => expireSilence(silence.id),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alerts', 'silences'] }),
  });
  const titleId = `silence-${silence.id}`;
  return (
    <article className="card silence-card" aria-labelledby={titleId}>
      <div className="alert-head">
        <span className={`badge silence-${silence.state}`}>
          <span aria-hidden="true">{STATE_ICON[silence.state]} </span>
          {silence.state === 'active' ? 'in force' : silence.state === 'pending' ? 'starts later' : 'ended'}
        </span>
        <h3 id={titleId} className="matchers">
          {silence.matchers.map((m, i) => (
            <code key={i}>{matcherText(m)}</code>
          ))}
        </h3>
      </div>
      <p>{silence.comment}</p>
      <dl className="facts">
        <div>
          <dt>From</dt>
          <dd>{formatDateTime(silence.startsAt)}</dd>
        </div>
        <div>
          <dt>{silence.state === 'expired' ? 'Ended' : 'Until'}</dt>
          <dd>
            {silence.state === 'expired' && Date.parse(silence.endsAt) > Date.now() ? (
              <>early (it was to last until {formatDateTime(silence.endsAt)})</>
            ) : (
              <>
                {formatDateTime(silence.endsAt)} <span className="muted">({relativeTime(silence.endsAt)})</span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Unit</dt>
          <dd>{silence.orgUnitCode ?? 'every unit'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            {formatDateTime(silence.createdAt)}
            {silence.createdBy === session.user.id ? ' by you' : ''}
          </dd>
        </div>
      </dl>
      {end.isError ? <ErrorNotice error={end.error} /> : null}
      {silence.state !== 'expired' && session.can('alerts:write') ? (
        <div className="row">
          <Confirm
            label="End silence"
            question="End this silence now?"
            yes="End it now"
            busy={end.isPending}
            onConfirm={() => end.mutate()}
          />
        </div>
      ) : null}
    </article>
  );
}

type Op = '=' | '!=' | '=~' | '!~';
interface MatcherRow {
  name: string;
  op: Op;
  value: string;
}
const toRow = (m: Matcher): MatcherRow => ({
  name: m.name,
  value: m.value,
  op: m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=',
});
const fromRow = (r: MatcherRow): Matcher => ({
  name: r.name.trim(),
  value: r.value,
  isRegex: r.op === '=~' || r.op === '!~',
  isEqual: r.op === '=' || r.op === '=~',
});

function SilenceForm({ onCreated }: { onCreated: (silence: Silence) => void }) {
  const client = useQueryClient();
  const location = useLocation();
  const prefill = (location.state as { matchers?: Matcher[] } | null)?.matchers;
  const [rows, setRows] = useState<MatcherRow[]>(() =>
    prefill && prefill.length > 0 ? prefill.map(toRow) : [{ name: 'alertname', op: '=', value: '' }],
  );
  const [open, setOpen] = useState(!!prefill);
  const [startNow, setStartNow] = useState(true);
  const [startsAt, setStartsAt] = useState('');
  const [duration, setDuration] = useState('7200');
  const [until, setUntil] = useState('');
  const [comment, setComment] = useState('');
  const [unit, setUnit] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (prefill && prefill.length > 0) {
      setRows(prefill.map(toRow));
      setOpen(true);
    }
  }, [prefill]);

  const create = useMutation({
    mutationFn: (input: SilenceInput) => createSilence(input),
    onSuccess: (silence) => {
      onCreated(silence);
      setOpen(false);
      setComment('');
      setRows([{ name: 'alertname', op: '=', value: '' }]);
      void client.invalidateQueries({ queryKey: ['alerts', 'silences'] });
    },
    onError: (error) => setErrors(apiFieldErrors(error)),
  });

  if (!open) {
    return (
      <div>
        <button type="button" className="button primary" onClick={() => setOpen(true)}>
          New silence
        </button>
      </div>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.reset();
    const found: Record<string, string> = {};
    rows.forEach((r, i) => {
      if (!LABEL_NAME.test(r.name.trim())) found[`matchers.${i}.name`] = 'A label name: letters, digits and _, not starting with a digit.';
      if (r.op === '=~' || r.op === '!~') {
        try {
          new RegExp(r.value);
        } catch {
          found[`matchers.${i}.value`] = 'Not a valid regular expression.';
        }
      }
    });
    if (rows.length === 0) found.matchers = 'Add at least one matcher.';
    if (comment.trim() === '') found.comment = 'Say why (people on call will read it).';
    const start = startNow ? new Date() : new Date(startsAt);
    if (!startNow && Number.isNaN(start.getTime())) found.startsAt = 'Pick when it starts.';
    const end = duration === 'until' ? new Date(until) : new Date(start.getTime() + Number(duration) * 1000);
    if (Number.isNaN(end.getTime())) found.endsAt = 'Pick when it ends.';
    else if (end <= start) found.endsAt = 'It must end after it starts.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    create.mutate({
      matchers: rows.map(fromRow),
      ...(startNow ? {} : { startsAt: start.toISOString() }),
      endsAt: end.toISOString(),
      comment: comment.trim(),
      ...(unit.trim() ? { orgUnitCode: unit.trim() } : {}),
    });
  };
  const unplaced = unplacedErrors(errors, ['matchers', 'comment', 'startsAt', 'endsAt', 'orgUnitCode']);
  const setRow = (i: number, change: Partial<MatcherRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...change } : r)));

  return (
    <form className="card silence-form" onSubmit={submit} noValidate aria-labelledby="new-silence-title">
      <h3 id="new-silence-title">New silence</h3>
      <FormProblems error={create.error} fieldErrors={errors} />
      {unplaced.length > 0 ? (
        <ul className="field-error">
          {unplaced.map(([path, message]) => (
            <li key={path}>
              {path}: {message}
            </li>
          ))}
        </ul>
      ) : null}
      <fieldset>
        <legend>Matchers (all must match)</legend>
        <FieldError id="sf-matchers-error" message={errors.matchers} />
        {rows.map((row, i) => {
          const nameError = errorAt(errors, `matchers.${i}.name`);
          const valueError = errorAt(errors, `matchers.${i}.value`) ?? errorAt(errors, `matchers.${i}.isRegex`);
          return (
            <div key={i} className="matcher-row">
              <div className="field">
                <label htmlFor={`sf-name-${i}`}>Label {i + 1}</label>
                <input
                  id={`sf-name-${i}`}
                  value={row.name}
                  spellCheck={false}
                  aria-invalid={!!nameError || undefined}
                  aria-describedby={nameError ? `sf-name-${i}-error` : undefined}
                  onChange={(e) => setRow(i, { name: e.target.value })}
                />
                <FieldError id={`sf-name-${i}-error`} message={nameError} />
              </div>
              <div className="field">
                <label htmlFor={`sf-op-${i}`}>Match {i + 1}</label>
                <select id={`sf-op-${i}`} value={row.op} onChange={(e) => setRow(i, { op: e.target.value as Op })}>
                  <option value="=">equals (=)</option>
                  <option value="!=">does not equal (!=)</option>
                  <option value="=~">matches pattern (=~)</option>
                  <option value="!~">does not match pattern (!~)</option>
                </select>
              </div>
              <div className="field">
                <label htmlFor={`sf-value-${i}`}>Value {i + 1}</label>
                <input
                  id={`sf-value-${i}`}
                  value={row.value}
                  spellCheck={false}
                  aria-invalid={!!valueError || undefined}
                  aria-describedby={valueError ? `sf-value-${i}-error` : undefined}
                  onChange={(e) => setRow(i, { value: e.target.value })}
                />
                <FieldError id={`sf-value-${i}-error`} message={valueError} />
              </div>
              {rows.length > 1 ? (
                <button
                  type="button"
                  className="button secondary"
                  aria-label={`Remove matcher ${i + 1}`}
                  onClick={() => setRows(rows.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              ) : null}
            </div>
          );
        })}
        <button type="button" className="button secondary" onClick={() => setRows([...rows, { name: '', op: '=', value: '' }])}>
          Add matcher
        </button>
      </fieldset>
      <fieldset>
        <legend>When</legend>
        <div className="row">
          <label className="check">
            <input type="radio" name="sf-start" checked={startNow} onChange={() => setStartNow(true)} /> Starts now
          </label>
          <label className="check">
            <input type="radio" name="sf-start" checked={!startNow} onChange={() => setStartNow(false)} /> Starts later
          </label>
        </div>
        {!startNow ? (
          <div className="field">
            <label htmlFor="sf-starts">Starts at</label>
            <input
              id="sf-starts"
              type="datetime-local"
              value={startsAt}
              aria-invalid={!!errors.startsAt || undefined}
              aria-describedby={errors.startsAt ? 'sf-starts-error' : undefined}
              onChange={(e) => setStartsAt(e.target.value)}
            />
            <FieldError id="sf-starts-error" message={errors.startsAt} />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="sf-duration">For</label>
          <select id="sf-duration" value={duration} onChange={(e) => setDuration(e.target.value)}>
            {DURATIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </div>
        {duration === 'until' ? (
          <div className="field">
            <label htmlFor="sf-until">Ends at</label>
            <input
              id="sf-until"
              type="datetime-local"
              value={until}
              aria-invalid={!!errors.endsAt || undefined}
              aria-describedby={errors.endsAt ? 'sf-ends-error' : undefined}
              onChange={(e) => setUntil(e.target.value)}
            />
          </div>
        ) : null}
        <FieldError id="sf-ends-error" message={errors.endsAt} />
      </fieldset>
      <div className="field">
        <label htmlFor="sf-comment">Comment</label>
        <textarea
          id="sf-comment"
          rows={2}
          value={comment}
          maxLength={1000}
          aria-invalid={!!errors.comment || undefined}
          aria-describedby={errors.comment ? 'sf-comment-error' : 'sf-comment-hint'}
          onChange={(e) => setComment(e.target.value)}
        />
        <span id="sf-comment-hint" className="small muted">
          Why, and who to ask: people on call read it.
        </span>
        <FieldError id="sf-comment-error" message={errors.comment} />
      </div>
      <div className="field">
        <label htmlFor="sf-unit">Unit (optional)</label>
        <UnitInput
          id="sf-unit"
          value={unit}
          onChange={setUnit}
          invalid={!!errors.orgUnitCode}
          describedBy={errors.orgUnitCode ? 'sf-unit-error' : 'sf-unit-hint'}
        />
        <span id="sf-unit-hint" className="small muted">
          Only alerts of this unit and below. Empty: every unit (needs a global grant).
        </span>
        <FieldError id="sf-unit-error" message={errors.orgUnitCode} />
      </div>
      <div className="row">
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create silence'}
        </button>
        <button type="button" className="button secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
