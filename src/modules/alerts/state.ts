// The life of one alert series (a rule on one camera, or one unit), as a pure step from what was
// stored and whether the condition holds now:
//   inactive ─holds─► pending ─held for `for`─► firing ─stops holding for `keepFiringFor`─► resolved
// A pending alert that stops holding is forgotten (it never notified). `for: 0s` fires at once.
// A firing alert notifies again every `repeatInterval` while it fires. Each step says whether the
// stored row changes, so that a round writes only what moved.

export interface SeriesState {
  state: 'pending' | 'firing';
  activeSince: Date;
  firedAt: Date | null;
  /** While firing: when the condition was first seen not to hold (null while it holds). */
  falseSince: Date | null;
  lastNotifiedAt: Date | null;
}

export interface Timing {
  forS: number;
  keepFiringForS: number;
  repeatIntervalS: number;
}

export type Notification = 'firing' | 'resolved' | 'repeat';

export type Step =
  | { kind: 'none' }
  | { kind: 'start'; next: SeriesState; notify: Notification | null }
  | { kind: 'keep'; next: SeriesState; changed: boolean; notify: Notification | null }
  | { kind: 'forget' }
  | { kind: 'resolve'; notify: 'resolved' };

const seconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;

function fire(current: SeriesState, now: Date): SeriesState {
  return { ...current, state: 'firing', firedAt: now, falseSince: null, lastNotifiedAt: now };
}

export function step(current: SeriesState | undefined, holds: boolean, now: Date, timing: Timing): Step {
  if (!current) {
    if (!holds) return { kind: 'none' };
    const pending: SeriesState = { state: 'pending', activeSince: now, firedAt: null, falseSince: null, lastNotifiedAt: null };
    return timing.forS === 0
      ? { kind: 'start', next: fire(pending, now), notify: 'firing' }
      : { kind: 'start', next: pending, notify: null };
  }
  if (current.state === 'pending') {
    if (!holds) return { kind: 'forget' };
    if (seconds(current.activeSince, now) >= timing.forS)
      return { kind: 'keep', next: fire(current, now), changed: true, notify: 'firing' };
    return { kind: 'keep', next: current, changed: false, notify: null };
  }
  // Firing.
  if (holds) {
    const back = current.falseSince !== null;
    if (current.lastNotifiedAt === null || seconds(current.lastNotifiedAt, now) >= timing.repeatIntervalS) {
      return { kind: 'keep', next: { ...current, falseSince: null, lastNotifiedAt: now }, changed: true, notify: 'repeat' };
    }
    return back
      ? { kind: 'keep', next: { ...current, falseSince: null }, changed: true, notify: null }
      : { kind: 'keep', next: current, changed: false, notify: null };
  }
  const falseSince = current.falseSince ?? now;
  if (seconds(falseSince, now) >= timing.keepFiringForS) return { kind: 'resolve', notify: 'resolved' };
  return current.falseSince === null
    ? { kind: 'keep', next: { ...current, falseSince }, changed: true, notify: null }
    : { kind: 'keep', next: current, changed: false, notify: null };
}
