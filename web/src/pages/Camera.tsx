// One camera: its live picture, its status in words, the controls (for those who may), its last hour
// as a chart, its log, and its settings with editing and deletion (for those who may).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { ControlOperation } from '../api/cameras';
import {
  controlCamera,
  deleteCamera,
  setAutoStart,
  updateCamera,
  useCamera,
  useCameraHistory,
  useCameraLogs,
  useCameraStatus,
  useUnitChoices,
} from '../api/cameras';
import type { CameraLogEntry } from '../api/cameras';
import { ApiError } from '../api/client';
import type { Camera, CameraStatus } from '../api/types';
import { toPatchBody, valuesOf } from '../cameras/form';
import { describeFailure, describeState, hasPicture } from '../cameras/words';
import { CameraForm } from '../components/CameraForm';
import { ErrorNotice } from '../components/ErrorNotice';
import { LiveSnapshot } from '../components/LiveSnapshot';
import { Loading } from '../components/Loading';
import { Pager } from '../components/Pager';
import { StateBadge } from '../components/StateBadge';
import { StatusChart } from '../components/StatusChart';
import { formatDateTime, relativeTime } from '../format';
import { useSession } from '../session';
import './Cameras.css';

export function CameraPage() {
  const { cameraId = '' } = useParams();
  const session = useSession();
  const camera = useCamera(cameraId);
  const found = camera.isSuccess;
  const status = useCameraStatus(cameraId, found);

  if (camera.isPending) return <Loading what="Loading the camera" />;
  if (camera.isError) {
    return (
      <section className="page">
        <p>
          <Link to="/cameras">← All cameras</Link>
        </p>
        <h1>Camera</h1>
        <ErrorNotice
          error={camera.error}
          onRetry={camera.error instanceof ApiError && camera.error.status === 404 ? undefined : () => void camera.refetch()}
        />
      </section>
    );
  }
  const current = camera.data;
  const state = status.data?.state;
  return (
    <section className="page camera-page">
      <p className="back">
        <Link to="/cameras">← All cameras</Link>
      </p>
      <div className="page-head">
        <h1>{current.name}</h1>
        <StateBadge state={state ?? 'unknown'} />
      </div>
      <p className="camera-meta">
        Unit <Link to={`/cameras?unit=${encodeURIComponent(current.orgUnitCode)}`}>{current.orgUnitCode}</Link>
        {current.labels.length > 0 ? (
          <>
            {' · Labels '}
            {current.labels.map((label, i) => (
              <span key={label}>
                {i > 0 ? ', ' : ''}
                <Link to={`/cameras?label=${encodeURIComponent(label)}`}>{label}</Link>
              </span>
            ))}
          </>
        ) : null}
      </p>

      <div className="camera-top">
        <div className="card camera-picture">
          <h2 className="visually-hidden">Live picture</h2>
          <LiveSnapshot
            // Another camera's page starts a picture of its own (no frame of the previous one).
            key={current.id}
            cameraId={current.id}
            name={current.name}
            live={hasPicture(state)}
            idleText={
              state === 'deactivated'
                ? 'Deactivated: no picture.'
                : state === 'stopped'
                  ? 'Stopped: start the camera to see it.'
                  : 'Loading the state…'
            }
            className="snapshot-large"
          />
        </div>
        <div className="stack">
          <StatusCard camera={current} status={status.data} error={status.error} />
          {session.can('cameras:control') || session.can('cameras:write') ? (
            <Controls
              camera={current}
              status={status.data}
              canControl={session.can('cameras:control')}
              canWrite={session.can('cameras:write')}
            />
          ) : null}
        </div>
      </div>

      <HistoryCard camera={current} />
      <LogCard cameraId={current.id} state={state} me={session.user.id} />
      <SettingsCard camera={current} canWrite={session.can('cameras:write')} canReadUnits={session.can('org:read')} />
    </section>
  );
}

function StatusCard({ camera, status, error }: { camera: Camera; status: CameraStatus | undefined; error: unknown }) {
  return (
    <section className="card" aria-labelledby="status-title">
      <h2 id="status-title">Status</h2>
      {error ? <ErrorNotice error={error} /> : null}
      {!status ? (
        error ? null : (
          <Loading what="Loading the status" />
        )
      ) : (
        <>
          <p className="muted small">{describeState(status.state)}</p>
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={status.state} /> since{' '}
              <time dateTime={status.since}>{relativeTime(status.since).replace(/ ago$/, '')}</time>{' '}
              <span className="muted small">({formatDateTime(status.since)})</span>
            </dd>
            <dt>Frame rate</dt>
            <dd>
              {status.fps === null ? 'measuring…' : `${status.fps.toFixed(1)} fps`}{' '}
              <span className="muted small">(expected {camera.expectedFps})</span>
            </dd>
            <dt>Resolution</dt>
            <dd>{status.frameWidth && status.frameHeight ? `${status.frameWidth} × ${status.frameHeight}` : '—'}</dd>
            <dt>Last frame</dt>
            <dd>{status.lastFrameAt ? <time dateTime={status.lastFrameAt}>{relativeTime(status.lastFrameAt)}</time> : 'none yet'}</dd>
            <dt>Reconnects</dt>
            <dd>{status.reconnects} since the camera started</dd>
            <dt>Last error</dt>
            <dd>
              {status.lastError ? (
                <>
                  {describeFailure(status.lastError.code)}{' '}
                  <span className="muted small">
                    ({status.lastError.message}; <code>{status.lastError.code}</code>, {relativeTime(status.lastError.at)})
                  </span>
                </>
              ) : (
                'none'
              )}
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}

const DONE: Record<ControlOperation, string> = {
  start: 'Start requested.',
  stop: 'Stopped.',
  restart: 'Restart requested: a fresh connection is being made.',
  activate: 'Activated. It can be started again.',
  deactivate: 'Deactivated: stopped, and it cannot start until activated.',
};

function Controls({
  camera,
  status,
  canControl,
  canWrite,
}: {
  camera: Camera;
  status: CameraStatus | undefined;
  canControl: boolean;
  canWrite: boolean;
}) {
  const client = useQueryClient();
  const [done, setDone] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const control = useMutation({
    mutationFn: (operation: ControlOperation) => controlCamera(camera.id, operation),
    onSuccess: async (next, operation) => {
      client.setQueryData(['cameras', 'status', camera.id], next);
      // What was done; the state as it goes on is the status's (above) and the badge's.
      setDone(DONE[operation]);
      setConfirming(false);
      await client.invalidateQueries({ queryKey: ['cameras'] });
    },
    onMutate: () => setDone(undefined),
  });
  const autoStart = useMutation({
    mutationFn: (enabled: boolean) => setAutoStart(camera.id, enabled),
    onSuccess: (next) => {
      client.setQueryData(['cameras', 'one', camera.id], next);
      setDone(next.autoStart ? 'Auto-start is on: the camera starts whenever Vigil starts.' : 'Auto-start is off.');
    },
    onMutate: () => setDone(undefined),
  });
  const state = status?.state;
  const wanted = state !== undefined && state !== 'stopped' && state !== 'deactivated';
  const busy = control.isPending;
  const button = (operation: ControlOperation, label: string, enabled: boolean, kind = 'secondary') => (
    <button type="button" className={`button ${kind}`} disabled={busy || !enabled} onClick={() => control.mutate(operation)}>
      {busy && control.variables === operation ? `${label}…` : label}
    </button>
  );
  return (
    <section className="card" aria-labelledby="controls-title">
      <h2 id="controls-title">Controls</h2>
      {canControl ? (
        <>
          <div className="row controls">
            {button('start', 'Start', camera.active && state === 'stopped', 'primary')}
            {button('stop', 'Stop', wanted)}
            {button('restart', 'Restart', camera.active && wanted)}
            {camera.active ? (
              <button type="button" className="button secondary" disabled={busy} onClick={() => setConfirming(true)}>
                Deactivate…
              </button>
            ) : (
              button('activate', 'Activate', true)
            )}
          </div>
          {!camera.active ? <p className="muted small">Deactivated: activate the camera before starting it.</p> : null}
          {confirming ? (
            <ConfirmBox
              text={`Deactivate “${camera.name}”? It stops now and cannot be started until it is activated again.`}
              action="Deactivate"
              busy={busy}
              onConfirm={() => control.mutate('deactivate')}
              onCancel={() => setConfirming(false)}
            />
          ) : null}
        </>
      ) : null}
      {canWrite ? (
        <label className="choice auto-start">
          <input
            type="checkbox"
            checked={camera.autoStart}
            disabled={autoStart.isPending}
            onChange={(event) => autoStart.mutate(event.target.checked)}
          />{' '}
          Auto-start: start this camera whenever Vigil starts
        </label>
      ) : null}
      <p role="status" className="control-result">
        {done ? (
          <>
            <span aria-hidden="true">✓ </span>
            <span>{done}</span>
          </>
        ) : null}
      </p>
      {control.isError ? <ErrorNotice error={control.error} /> : null}
      {autoStart.isError ? <ErrorNotice error={autoStart.error} /> : null}
    </section>
  );
}

function ConfirmBox({
  text,
  action,
  busy,
  onConfirm,
  onCancel,
}: {
  text: string;
  action: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => confirm.current?.focus(), []);
  return (
    <div className="notice notice-warn confirm" role="group" aria-label={`Confirm: ${action}`}>
      <p>{text}</p>
      <div className="row">
        <button ref={confirm} type="button" className="button danger" disabled={busy} onClick={onConfirm}>
          {busy ? `${action}…` : `Yes, ${action.toLowerCase()}`}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function HistoryCard({ camera }: { camera: Camera }) {
  const history = useCameraHistory(camera.id, true);
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">Last hour</h2>
      {history.isPending ? <Loading what="Loading the last hour" /> : null}
      {history.isError ? <ErrorNotice error={history.error} onRetry={() => void history.refetch()} /> : null}
      {history.data ? (
        <StatusChart
          samples={history.data.items}
          intervalSeconds={history.data.intervalSeconds}
          expectedFps={camera.expectedFps}
          now={Date.now()}
        />
      ) : null}
    </section>
  );
}

const LEVELS: Record<string, { label: string; levels: string[] }> = {
  all: { label: 'All entries', levels: [] },
  warn: { label: 'Warnings and errors', levels: ['warn', 'error'] },
  error: { label: 'Errors only', levels: ['error'] },
};
const LEVEL_ICON: Record<string, string> = { debug: '·', info: 'ℹ', warn: '⚠', error: '✕' };

function formatLogTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? '—'
    : date.toLocaleString('en-GB', {
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
}

function LogCard({ cameraId, state, me }: { cameraId: string; state: string | undefined; me: string }) {
  const client = useQueryClient();
  const [level, setLevel] = useState('all');
  const logs = useCameraLogs(cameraId, LEVELS[level]!.levels, true);
  // A change of state is a new entry in the log: read it now rather than at the next refresh.
  useEffect(() => {
    if (state) void client.invalidateQueries({ queryKey: ['cameras', 'logs', cameraId] });
  }, [client, cameraId, state]);
  const entries = logs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="card" aria-labelledby="log-title">
      <div className="page-head">
        <h2 id="log-title">Log</h2>
        <div className="field inline-field">
          <label htmlFor="log-level">Show</label>
          <select id="log-level" value={level} onChange={(event) => setLevel(event.target.value)}>
            {Object.entries(LEVELS).map(([key, { label }]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {logs.isPending ? <Loading what="Loading the log" /> : null}
      {logs.isError ? <ErrorNotice error={logs.error} onRetry={() => void logs.refetch()} /> : null}
      {logs.data && entries.length === 0 ? <p>No entries{level === 'all' ? ' yet' : ' at this level'}.</p> : null}
      {entries.length > 0 ? (
        <ol className="camera-log" aria-label="Log entries, newest first">
          {entries.map((entry) => (
            <LogEntry key={entry.id} entry={entry} me={me} />
          ))}
        </ol>
      ) : null}
      <Pager hasMore={logs.hasNextPage} loading={logs.isFetchingNextPage} onMore={() => void logs.fetchNextPage()} />
    </section>
  );
}

/** An operator's action by the viewer is said as "by you"; others keep the log's own words (who, by id). */
function messageOf(entry: CameraLogEntry, me: string): string {
  const action = entry.details?.action;
  if (entry.kind === 'operator' && entry.actorId === me && typeof action === 'string') return `${action.replace(/_/g, '-')} by you`;
  return entry.message;
}

function LogEntry({ entry, me }: { entry: CameraLogEntry; me: string }) {
  return (
    <li className={`log-entry log-${entry.level}`}>
      <span className="log-when">
        <time dateTime={entry.at}>{formatLogTime(entry.at)}</time>
        <span className={`log-level log-level-${entry.level}`}>
          <span aria-hidden="true">{LEVEL_ICON[entry.level] ?? '·'} </span>
          {entry.level}
        </span>
      </span>
      <span className="log-message">{messageOf(entry, me)}</span>
    </li>
  );
}

function SettingsCard({ camera, canWrite, canReadUnits }: { camera: Camera; canWrite: boolean; canReadUnits: boolean }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const units = useUnitChoices(canWrite && canReadUnits && editing);
  const [saved, setSaved] = useState<string>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteCamera(camera.id, camera.revision),
    onSuccess: async () => {
      client.removeQueries({ queryKey: ['cameras', 'one', camera.id] });
      await client.invalidateQueries({ queryKey: ['cameras'] });
      void navigate('/cameras', { state: { notice: `Camera “${camera.name}” deleted.` } });
    },
  });

  async function save(values: Parameters<typeof toPatchBody>[0]) {
    const patch = toPatchBody(values, camera);
    if (!patch) {
      setEditing(false);
      setSaved('Nothing changed.');
      return;
    }
    try {
      const next = await updateCamera(camera.id, patch, camera.revision);
      client.setQueryData(['cameras', 'one', camera.id], next);
      void client.invalidateQueries({ queryKey: ['cameras', 'wall'] });
      setEditing(false);
      setSaved('Saved.');
    } catch (error) {
      // Someone else changed it: read it again, so that the next try is against the latest.
      if (error instanceof ApiError && error.status === 412) void client.invalidateQueries({ queryKey: ['cameras', 'one', camera.id] });
      throw error;
    }
  }

  return (
    <section className="card" aria-labelledby="settings-title">
      <div className="page-head">
        <h2 id="settings-title">Settings</h2>
        {canWrite && !editing ? (
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              setEditing(true);
              setSaved(undefined);
            }}
          >
            Edit camera
          </button>
        ) : null}
      </div>
      {saved ? (
        <p role="status" className="control-result">
          <span aria-hidden="true">✓ </span>
          {saved}
        </p>
      ) : null}
      {editing ? (
        <CameraForm
          key={camera.revision}
          mode="edit"
          initial={valuesOf(camera)}
          hasCredentials={camera.hasCredentials}
          units={units.data ?? []}
          submitLabel="Save changes"
          onSubmit={save}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <dl className="facts">
          <dt>Source</dt>
          <dd className="wrap">
            <code>{camera.sourceUrl}</code>
          </dd>
          <dt>Source type</dt>
          <dd>{camera.sourceType}</dd>
          <dt>Expected rate</dt>
          <dd>{camera.expectedFps} fps</dd>
          <dt>Frozen picture detection</dt>
          <dd>{camera.frozenDetection ? 'on' : 'off'}</dd>
          <dt>Credentials</dt>
          <dd>{camera.hasCredentials ? 'stored (never shown)' : 'none'}</dd>
          <dt>Auto-start</dt>
          <dd>{camera.autoStart ? 'on' : 'off'}</dd>
          <dt>Active</dt>
          <dd>{camera.active ? 'yes' : 'no (deactivated)'}</dd>
          <dt>Added</dt>
          <dd>{formatDateTime(camera.createdAt)}</dd>
          <dt>Changed</dt>
          <dd>
            {formatDateTime(camera.updatedAt)} <span className="muted small">(revision {camera.revision})</span>
          </dd>
        </dl>
      )}
      {canWrite && !editing ? (
        <div className="danger-zone">
          {confirmDelete ? (
            <ConfirmBox
              text={`Delete “${camera.name}”? It stops, and the camera and its log are removed. This cannot be undone.`}
              action="Delete"
              busy={remove.isPending}
              onConfirm={() => remove.mutate()}
              onCancel={() => setConfirmDelete(false)}
            />
          ) : (
            <button type="button" className="button danger" onClick={() => setConfirmDelete(true)}>
              Delete camera…
            </button>
          )}
          {remove.isError ? <ErrorNotice error={remove.error} /> : null}
        </div>
      ) : null}
    </section>
  );
}
