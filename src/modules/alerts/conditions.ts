// What a rule's condition says of one camera (or, for a site alert, of the rule's unit), from the
// facts one evaluation round gathered. Pure: the round reads the facts once for every rule.

/** A camera as a round sees it: the registry and its runtime status. */
export interface CameraFact {
  id: string;
  name: string;
  orgUnitCode: string;
  labels: readonly string[];
  active: boolean;
  /** An operator (or auto-start) wants it running. */
  wanted: boolean;
  state: string;
  fps: number | null;
}

/** States in which a camera delivers frames (degraded: too slowly or frozen, which fps_below sees). */
const DELIVERING = new Set(['running', 'degraded']);

/** The camera should be running and is not. */
export const isOffline = (camera: CameraFact) => camera.active && camera.wanted && !DELIVERING.has(camera.state);

export interface Verdict {
  holds: boolean;
  /** What was measured (fps, a count, seconds), shown as `{{value}}`. */
  value: number | null;
}

/** Facts about events and reconnects, per camera, gathered for the windows the rules ask. */
export interface EventFacts {
  /** Events of a type (or any) per camera in the window ending now. */
  count(cameraId: string, eventType: string, windowS: number): number;
  /** The latest event of a type (or of any type: null) per camera within the window ending now. */
  latest(cameraId: string, eventType: string | null, windowS: number): Date | undefined;
  /** Occurrence times (newest first) of a type per camera within the last `spanS` seconds. */
  times(cameraId: string, eventType: string, spanS: number): readonly Date[];
  /** Reconnects of a camera in the window ending now. */
  reconnects(cameraId: string, windowS: number): number;
}

/** A condition with its durations read (seconds). */
export type ReadCondition =
  | { type: 'camera_offline' }
  | { type: 'fps_below'; threshold: number }
  | { type: 'reconnects_over'; count: number; windowS: number }
  | { type: 'event_count_over'; eventType: string; threshold: number; windowS: number }
  | { type: 'event_continuous'; eventType: string; durationS: number; maxGapS: number }
  | { type: 'no_events'; eventType: string | null; windowS: number }
  | { type: 'site_offline'; fraction: number };

/** How long an unbroken run of events ending now lasts (0 when the last is older than maxGap). */
export function continuousSpan(newestFirst: readonly Date[], now: Date, maxGapS: number): number {
  const first = newestFirst[0];
  if (!first || (now.getTime() - first.getTime()) / 1000 > maxGapS) return 0;
  let earliest = first;
  for (const at of newestFirst.slice(1)) {
    if ((earliest.getTime() - at.getTime()) / 1000 > maxGapS) break;
    earliest = at;
  }
  return (now.getTime() - earliest.getTime()) / 1000;
}

/** The verdict of a per-camera condition on one camera (site_offline is judged by `judgeSite`). */
export function judgeCamera(condition: ReadCondition, camera: CameraFact, facts: EventFacts, now: Date): Verdict {
  switch (condition.type) {
    case 'camera_offline':
      return { holds: isOffline(camera), value: null };
    case 'fps_below': {
      const delivering = camera.active && camera.wanted && DELIVERING.has(camera.state) && camera.fps !== null;
      return { holds: delivering && camera.fps! < condition.threshold, value: camera.fps };
    }
    case 'reconnects_over': {
      const n = facts.reconnects(camera.id, condition.windowS);
      return { holds: n > condition.count, value: n };
    }
    case 'event_count_over': {
      const n = facts.count(camera.id, condition.eventType, condition.windowS);
      return { holds: n > condition.threshold, value: n };
    }
    case 'event_continuous': {
      const span = continuousSpan(
        facts.times(camera.id, condition.eventType, condition.durationS + condition.maxGapS),
        now,
        condition.maxGapS,
      );
      return { holds: span >= condition.durationS, value: Math.round(span) };
    }
    case 'no_events': {
      if (!camera.active) return { holds: false, value: null };
      // Silent for the whole window: no event within it (the value then is the window, at least).
      const latest = facts.latest(camera.id, condition.eventType, condition.windowS);
      return latest
        ? { holds: false, value: Math.round((now.getTime() - latest.getTime()) / 1000) }
        : { holds: true, value: condition.windowS };
    }
    case 'site_offline':
      throw new Error('site_offline is judged for the whole unit (judgeSite)');
  }
}

/** A site alert: at least `fraction` of the cameras in scope that should run are offline. */
export function judgeSite(condition: { fraction: number }, cameras: readonly CameraFact[]): Verdict {
  const expected = cameras.filter((c) => c.active && c.wanted);
  if (expected.length === 0) return { holds: false, value: 0 };
  const share = expected.filter(isOffline).length / expected.length;
  return { holds: share >= condition.fraction, value: Math.round(share * 1000) / 1000 };
}
