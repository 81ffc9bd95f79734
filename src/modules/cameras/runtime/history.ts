// A camera's status over the last hour, as this process saw it: every `intervalMs` (10 s) the sampler
// records the state, fps and reconnects of each camera this process runs into a ring of `capacity`
// samples (360: one hour) per camera. Memory is bounded and flat: a ring is four typed arrays
// (17 bytes a sample, about 6 KB a camera, 6 MB for 1,000 cameras; measured), allocated once and
// overwritten in place, so a sample recorded allocates nothing and the garbage collector has
// nothing to follow. A camera no longer run here keeps its ring until its newest sample is older than the
// window; a deleted camera's ring is dropped at once.
//
// What is not here: the samples another process took. In a fleet the service asks the camera's
// holder for its history (like its snapshot); a camera that moved to another process starts a new
// history there.
import type { CameraState, CameraStatus } from './worker.js';
import { CAMERA_STATES } from './worker.js';

export interface HistorySample {
  /** When the sample was taken (ISO 8601). */
  at: string;
  state: CameraState;
  /** New frames per second then (null: too early on a connection to measure). */
  fps: number | null;
  /** Connections lost or refused since the sample before (or since the camera started, for its first). */
  reconnects: number;
}

export interface HistorySettings {
  /** Time between samples. */
  intervalMs: number;
  /** Samples kept per camera (the window is intervalMs × capacity). */
  capacity: number;
  now?: () => number;
}

export const DEFAULT_HISTORY: HistorySettings = { intervalMs: 10_000, capacity: 360 };

const STATE_INDEX = new Map(CAMERA_STATES.map((state, i) => [state, i]));

class Ring {
  readonly at: Float64Array;
  readonly state: Uint8Array;
  readonly fps: Float32Array;
  readonly reconnects: Uint32Array;
  /** The next slot to write; `count` slots before it (wrapping) hold samples, oldest first. */
  head = 0;
  count = 0;
  /** The camera's reconnect counter at the last sample (it counts from the worker's start). */
  lastTotal: number | null = null;

  constructor(capacity: number) {
    this.at = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    this.fps = new Float32Array(capacity);
    this.reconnects = new Uint32Array(capacity);
  }

  newest(): number {
    return this.count === 0 ? -Infinity : this.at[(this.head - 1 + this.at.length) % this.at.length]!;
  }
}

export function createStatusHistory(settings: HistorySettings = DEFAULT_HISTORY) {
  const { capacity, intervalMs } = settings;
  const now = settings.now ?? Date.now;
  const windowMs = capacity * intervalMs;
  const rings = new Map<string, Ring>();

  function record(status: CameraStatus, at: number): void {
    let ring = rings.get(status.cameraId);
    if (!ring) {
      ring = new Ring(capacity);
      rings.set(status.cameraId, ring);
    }
    const i = ring.head;
    ring.at[i] = at;
    ring.state[i] = STATE_INDEX.get(status.state) ?? 0;
    ring.fps[i] = status.fps ?? Number.NaN;
    // The worker's counter restarts with the worker: a smaller total is a new series, counted from zero.
    const previous = ring.lastTotal;
    ring.reconnects[i] = previous === null || status.reconnects < previous ? status.reconnects : status.reconnects - previous;
    ring.lastTotal = status.reconnects;
    ring.head = (i + 1) % capacity;
    ring.count = Math.min(capacity, ring.count + 1);
  }

  return {
    intervalMs,
    windowMs,

    /** Records one sample of each status given, taken now; drops the rings that went quiet a window ago. */
    sample(statuses: Iterable<CameraStatus>): number {
      const at = now();
      let n = 0;
      for (const status of statuses) {
        record(status, at);
        n += 1;
      }
      for (const [id, ring] of rings) if (ring.newest() < at - windowMs) rings.delete(id);
      return n;
    },

    /** The samples of a camera within the window, oldest first, from `from` (ms) when given. */
    read(id: string, from?: number): HistorySample[] {
      const ring = rings.get(id);
      if (!ring) return [];
      const since = Math.max(now() - windowMs, from ?? -Infinity);
      const out: HistorySample[] = [];
      for (let k = 0; k < ring.count; k++) {
        const i = (ring.head - ring.count + k + capacity) % capacity;
        const at = ring.at[i]!;
        if (at < since) continue;
        const fps = ring.fps[i]!;
        out.push({
          at: new Date(at).toISOString(),
          state: CAMERA_STATES[ring.state[i]!]!,
          fps: Number.isNaN(fps) ? null : Math.round(fps * 100) / 100,
          reconnects: ring.reconnects[i]!,
        });
      }
      return out;
    },

    /** Forgets a camera (deleted). */
    forget(id: string): void {
      rings.delete(id);
    },

    /** Cameras with a history here. */
    size: () => rings.size,
  };
}

export type StatusHistory = ReturnType<typeof createStatusHistory>;

/** Samples the statuses `statuses()` gives (the cameras this process runs) into `history` every interval. */
export function createHistorySampler(deps: { history: StatusHistory; statuses: () => Iterable<CameraStatus> }) {
  let timer: NodeJS.Timeout | undefined;
  return {
    start(): void {
      if (timer) return;
      timer = setInterval(() => deps.history.sample(deps.statuses()), deps.history.intervalMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
