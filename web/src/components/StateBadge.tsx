import type { CameraState } from '../api/types';

const ICON: Record<string, string> = {
  running: '●',
  degraded: '◐',
  starting: '◌',
  reconnecting: '↻',
  error: '✕',
  stopped: '■',
  deactivated: '⊘',
  unknown: '?',
};

/** A camera state as text with a shape, never by colour alone. */
export function StateBadge({ state }: { state: CameraState | 'unknown' }) {
  return (
    <span className={`badge state-${state}`}>
      <span aria-hidden="true">{ICON[state] ?? '?'} </span>
      {state}
    </span>
  );
}
