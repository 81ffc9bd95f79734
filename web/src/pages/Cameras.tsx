// The camera wall: a tile per camera with its live picture (refreshed about once a second, only for
// tiles on screen), name, unit and state; filters by unit, state, label and text kept in the address;
// adding a camera for those who may.
import { useQueryClient } from '@tanstack/react-query';
import { memo, startTransition, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { controlCamera, createCamera, useCameraPages, useUnitChoices, useWallStatuses } from '../api/cameras';
import { ApiError } from '../api/client';
import type { Camera, CameraState, CameraStatus } from '../api/types';
import { CAMERA_STATES } from '../api/types';
import type { CameraFormValues } from '../cameras/form';
import { EMPTY_FORM, toCreateBody } from '../cameras/form';
import { hasPicture } from '../cameras/words';
import type { WallFilter } from '../cameras/filters';
import { describeFilter, isFiltered, listQuery, parseWallFilter, wallSearch } from '../cameras/filters';
import { CameraForm } from '../components/CameraForm';
import { ErrorNotice } from '../components/ErrorNotice';
import { LiveSnapshot } from '../components/LiveSnapshot';
import { Loading } from '../components/Loading';
import { Pager } from '../components/Pager';
import { StateBadge } from '../components/StateBadge';
import { describeError } from '../format';
import { inPlaceLink } from '../links';
import { useSession } from '../session';
import './Cameras.css';

/**
 * Tiles rendered at once when the wall's list arrives (more than a large screen shows); the rest
 * follow in a transition that yields to the browser, so the first pictures are asked for while they
 * render.
 */
const FIRST_TILES = 36;
/** How long the tiles wait for the cameras' states once the list is in (one render instead of two). */
const STATES_WAIT_MS = 400;

interface Notice {
  kind: 'ok' | 'warn';
  text: string;
  cameraId?: string;
}

export function Cameras() {
  const session = useSession();
  const client = useQueryClient();
  const location = useLocation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const { filter, problems } = useMemo(() => parseWallFilter(params), [params]);
  const query = useMemo(() => listQuery(filter), [filter]);
  const pages = useCameraPages(query);
  const cameras = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data]);
  const ids = useMemo(() => cameras.map((camera) => camera.id), [cameras]);
  const statuses = useWallStatuses(ids);
  const tiles = useTilesInTurn(cameras, statuses.data !== undefined || statuses.isError);
  const [adding, setAdding] = useState(false);
  // The units' names are for suggestions: asked for once someone types a unit, not with the wall.
  const [wantUnits, setWantUnits] = useState(false);
  const units = useUnitChoices(session.can('org:read') && (wantUnits || adding));
  const [notice, setNotice] = useState<Notice | undefined>(() => {
    const text = (location.state as { notice?: string } | null)?.notice;
    return text ? { kind: 'ok', text } : undefined;
  });
  const canWrite = session.can('cameras:write');
  const canControl = session.can('cameras:control');

  // A notice handed over by another page (a camera deleted) is shown once, not again on reload.
  useEffect(() => {
    if ((location.state as { notice?: string } | null)?.notice)
      void navigate(location.search ? `/cameras${location.search}` : '/cameras', { replace: true });
  }, [location.state, location.search, navigate]);

  function applyFilter(change: Partial<WallFilter>, replace: boolean) {
    setParams(new URLSearchParams(wallSearch({ ...filter, ...change })), { replace });
  }

  async function add(values: CameraFormValues & { startNow: boolean }) {
    const camera = await createCamera(toCreateBody(values));
    let next: Notice = { kind: 'ok', text: `Camera “${camera.name}” added.`, cameraId: camera.id };
    if (values.startNow && canControl) {
      try {
        await controlCamera(camera.id, 'start');
        next = { ...next, text: `Camera “${camera.name}” added and starting.` };
      } catch (error) {
        next = {
          kind: 'warn',
          text: `Camera “${camera.name}” added, but it could not be started: ${error instanceof ApiError ? describeError(error) : 'unexpected error.'}`,
          cameraId: camera.id,
        };
      }
    }
    setAdding(false);
    setNotice(next);
    await client.invalidateQueries({ queryKey: ['cameras'] });
  }

  const labels = useMemo(() => [...new Set(cameras.flatMap((camera) => camera.labels))].sort(), [cameras]);
  const byState = useMemo(() => {
    const counts = new Map<CameraState | 'unknown', number>();
    for (const id of ids) {
      const state = statuses.data?.get(id)?.state ?? 'unknown';
      counts.set(state, (counts.get(state) ?? 0) + 1);
    }
    return counts;
  }, [ids, statuses.data]);
  const filtered = isFiltered(filter);

  return (
    <section className="page cameras-page">
      <div className="page-head">
        <h1>Cameras</h1>
        {canWrite && !adding ? (
          <button
            type="button"
            className="button primary"
            onClick={() => {
              setAdding(true);
              setNotice(undefined);
            }}
          >
            Add camera
          </button>
        ) : null}
      </div>

      {notice ? (
        <div className={`notice notice-line notice-${notice.kind}`} role="status">
          <p>
            <span aria-hidden="true">{notice.kind === 'ok' ? '✓ ' : '⚠ '}</span>
            {notice.text} {notice.cameraId ? <Link to={`/cameras/${notice.cameraId}`}>Open its page</Link> : null}
          </p>
          <button type="button" className="button secondary" onClick={() => setNotice(undefined)}>
            Dismiss
          </button>
        </div>
      ) : null}

      {adding ? (
        <AddCamera
          units={units.data ?? []}
          canControl={canControl}
          initialUnit={filter.unit}
          onSubmit={add}
          onCancel={() => setAdding(false)}
        />
      ) : null}

      <Filters filter={filter} units={units.data ?? []} labels={labels} onChange={applyFilter} onUnitFocus={() => setWantUnits(true)} />
      {problems.length > 0 ? (
        <div className="notice notice-warn" role="status">
          <p>Some filters in the address were left out:</p>
          <ul className="list">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : null}

      {pages.isPending ? <Loading what="Loading cameras" /> : null}
      {pages.isError ? <ErrorNotice error={pages.error} onRetry={() => void pages.refetch()} /> : null}
      {statuses.isError ? <ErrorNotice error={statuses.error} onRetry={() => void statuses.refetch()} /> : null}

      {pages.data ? (
        <>
          <div className="wall-summary">
            <p role="status" aria-live="polite">
              <strong>
                {cameras.length}
                {pages.hasNextPage ? '+' : ''} camera{cameras.length === 1 && !pages.hasNextPage ? '' : 's'}
              </strong>
              {filtered ? ` ${describeFilter(filter)}` : ''}.{pages.isPlaceholderData ? ' Updating…' : ''}
            </p>
            {cameras.length > 0 ? (
              <ul className="state-counts" aria-label="Shown cameras by state">
                {[...CAMERA_STATES, 'unknown' as const]
                  .filter((state) => byState.has(state))
                  .map((state) => (
                    <li key={state}>
                      <StateBadge state={state} /> {byState.get(state)}
                    </li>
                  ))}
              </ul>
            ) : null}
          </div>
          {cameras.length === 0 ? (
            <div className="card empty">
              {filtered ? (
                <>
                  <p>No camera matches these filters.</p>
                  <button type="button" className="button secondary" onClick={() => setParams(new URLSearchParams())}>
                    Clear filters
                  </button>
                </>
              ) : canWrite ? (
                <p>No cameras yet. Add the first one with “Add camera”.</p>
              ) : (
                <p>No cameras are visible to you. An administrator can add cameras or grant you access to a unit’s cameras.</p>
              )}
            </div>
          ) : (
            <ul
              className="camera-wall"
              aria-label="Camera wall"
              // The tiles' links are plain anchors: this opens them in place (see links.ts).
              onClick={(event) => {
                const href = inPlaceLink(event, (event.target as Element).closest('a'));
                if (!href) return;
                event.preventDefault();
                void navigate(href);
              }}
            >
              {tiles.map((camera) => (
                <CameraTile key={camera.id} camera={camera} status={statuses.data?.get(camera.id)} />
              ))}
            </ul>
          )}
          <Pager hasMore={pages.hasNextPage} loading={pages.isFetchingNextPage} onMore={() => void pages.fetchNextPage()} />
        </>
      ) : null}
    </section>
  );
}

/**
 * The cameras to render as tiles: none until their states are in (for at most STATES_WAIT_MS), then
 * the first FIRST_TILES, then, in a transition, all of them.
 */
function useTilesInTurn(cameras: readonly Camera[], statesIn: boolean): readonly Camera[] {
  const [waitOver, setWaitOver] = useState(false);
  const [limit, setLimit] = useState(FIRST_TILES);
  const listIn = cameras.length > 0;
  const holding = listIn && !statesIn && !waitOver;
  useEffect(() => {
    if (!holding) return;
    const timer = setTimeout(() => setWaitOver(true), STATES_WAIT_MS);
    return () => clearTimeout(timer);
  }, [holding]);
  const shown = holding ? 0 : Math.min(limit, cameras.length);
  useEffect(() => {
    if (shown > 0 && shown < cameras.length) startTransition(() => setLimit(Number.POSITIVE_INFINITY));
  }, [shown, cameras.length]);
  return useMemo(() => (shown >= cameras.length ? cameras : cameras.slice(0, shown)), [cameras, shown]);
}

const IDLE_TEXT: Partial<Record<CameraState, string>> = {
  stopped: 'Stopped: no picture.',
  deactivated: 'Deactivated: no picture.',
};

const CameraTile = memo(function CameraTile({ camera, status }: { camera: Camera; status: CameraStatus | undefined }) {
  const state = status?.state;
  const fps = status && (state === 'running' || state === 'degraded') && status.fps !== null ? `${status.fps.toFixed(1)} fps` : null;
  return (
    <li className="camera-tile">
      <LiveSnapshot
        cameraId={camera.id}
        name={camera.name}
        // Until the states are in, a tile asks for its picture anyway (most cameras on a wall run):
        // the first frames load beside the states rather than after them. A camera that turns out
        // to be stopped then says so instead.
        live={state === undefined || hasPicture(state)}
        idleText={state ? (IDLE_TEXT[state] ?? 'No picture.') : 'Loading the state…'}
      />
      <div className="camera-tile-body">
        <h2 className="camera-tile-name">
          <a href={`/cameras/${camera.id}`} className="tile-link">
            {camera.name}
          </a>
        </h2>
        <p className="camera-tile-meta">
          <StateBadge state={state ?? 'unknown'} />
          <span>
            <span className="visually-hidden">Unit </span>
            {camera.orgUnitCode}
          </span>
          {fps ? <span>{fps}</span> : null}
        </p>
        {camera.labels.length > 0 ? (
          <ul className="camera-labels" aria-label="Labels">
            {camera.labels.map((label) => (
              <li key={label}>{label}</li>
            ))}
          </ul>
        ) : null}
      </div>
    </li>
  );
});

function Filters({
  filter,
  units,
  labels,
  onChange,
  onUnitFocus,
}: {
  filter: WallFilter;
  units: readonly { code: string; name: string }[];
  labels: readonly string[];
  onChange: (change: Partial<WallFilter>, replace: boolean) => void;
  onUnitFocus: () => void;
}) {
  return (
    <form className="card wall-filters" role="search" aria-label="Filter cameras" onSubmit={(event) => event.preventDefault()}>
      <FilterText
        id="filter-unit"
        label="Unit"
        value={filter.unit}
        onCommit={(unit) => onChange({ unit }, true)}
        list={units.map((u) => [u.code, u.name])}
        onFocus={onUnitFocus}
      />
      <div className="field">
        <label htmlFor="filter-state">State</label>
        <select
          id="filter-state"
          value={filter.state}
          onChange={(event) => onChange({ state: event.target.value as WallFilter['state'] }, false)}
        >
          <option value="">Any state</option>
          {CAMERA_STATES.map((state) => (
            <option key={state} value={state}>
              {state}
            </option>
          ))}
        </select>
      </div>
      <FilterText
        id="filter-label"
        label="Label"
        value={filter.label}
        onCommit={(label) => onChange({ label }, true)}
        list={labels.map((l) => [l, l])}
      />
      <FilterText
        id="filter-q"
        label="Search"
        type="search"
        value={filter.q}
        onCommit={(q) => onChange({ q }, true)}
        hint="Name or address"
      />
      {isFiltered(filter) ? (
        <button type="button" className="button secondary" onClick={() => onChange({ unit: '', state: '', label: '', q: '' }, false)}>
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

/** A text filter: applied as you type (after a pause), on Enter, and when leaving the field. */
function FilterText({
  id,
  label,
  value,
  onCommit,
  list,
  type = 'text',
  hint,
  onFocus,
}: {
  id: string;
  label: string;
  value: string;
  onCommit: (value: string) => void;
  list?: readonly (readonly [string, string])[];
  type?: 'text' | 'search';
  hint?: string;
  onFocus?: () => void;
}) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  // The address changed by other means (Clear filters, back button): show what it says.
  if (value !== seen) {
    setSeen(value);
    setDraft(value);
  }
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => {
    if (draft.trim() === value) return;
    const timer = setTimeout(() => commit.current(draft.trim()), 500);
    return () => clearTimeout(timer);
  }, [draft, value]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={draft}
        autoComplete="off"
        list={list && list.length > 0 ? `${id}-list` : undefined}
        placeholder={hint}
        onChange={(event) => setDraft(event.target.value)}
        onFocus={onFocus}
        onBlur={() => draft.trim() !== value && onCommit(draft.trim())}
        onKeyDown={(event) => {
          if (event.key === 'Enter') onCommit(draft.trim());
        }}
      />
      {list && list.length > 0 ? (
        <datalist id={`${id}-list`}>
          {list.map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </datalist>
      ) : null}
    </div>
  );
}

function AddCamera({
  units,
  canControl,
  initialUnit,
  onSubmit,
  onCancel,
}: {
  units: readonly { code: string; name: string }[];
  canControl: boolean;
  initialUnit: string;
  onSubmit: (values: CameraFormValues & { startNow: boolean }) => Promise<void>;
  onCancel: () => void;
}) {
  const [startNow, setStartNow] = useState(canControl);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="card" aria-labelledby="add-camera-title">
      <h2 id="add-camera-title" ref={heading} tabIndex={-1}>
        Add a camera
      </h2>
      <CameraForm
        mode="create"
        initial={{ ...EMPTY_FORM, orgUnitCode: initialUnit }}
        units={units}
        submitLabel="Add camera"
        onSubmit={(values) => onSubmit({ ...values, startNow })}
        onCancel={onCancel}
        extra={
          canControl ? (
            <label className="choice">
              <input type="checkbox" checked={startNow} onChange={(event) => setStartNow(event.target.checked)} /> Start it now
            </label>
          ) : null
        }
      />
    </section>
  );
}
