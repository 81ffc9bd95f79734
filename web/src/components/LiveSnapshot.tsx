// A camera's live picture: its latest frame as an <img>, loaded again about once a second, but only
// while the picture is on screen and the tab is visible, and never more than one request at a time
// (the next frame is asked for once the previous one loaded or failed). A wall of 100 cameras thus
// asks for as many frames a second as it shows tiles, not 100, at most 4 at a time. Where there is no frame to show
// (stopped, no frame yet, an error) the picture says so in words.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RefObject } from 'react';
import { snapshotUrl } from '../api/cameras';

// One IntersectionObserver for every picture on the page (a wall has hundreds).
const watchers = new Map<Element, (onScreen: boolean) => void>();
let observer: IntersectionObserver | undefined;

function observe(element: Element, onChange: (onScreen: boolean) => void): () => void {
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) watchers.get(entry.target)?.(entry.isIntersecting);
  });
  watchers.set(element, onChange);
  observer.observe(element);
  return () => {
    watchers.delete(element);
    observer?.unobserve(element);
  };
}

/** Whether `ref`'s element is (at least partly) inside the viewport. */
export function useOnScreen(ref: RefObject<Element | null>): boolean {
  const [onScreen, setOnScreen] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    return observe(element, setOnScreen);
  }, [ref]);
  return onScreen;
}

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener('visibilitychange', onChange);
}

/** Whether the tab is visible (a hidden tab loads no frames). */
export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState === 'visible');
}

/** After a failed frame (none yet, camera restarting), wait this long before asking again. */
const RETRY_MS = 4_000;
let frames = 0;

// Frames under way at once, for the whole page. A browser opens 6 connections to a server over
// HTTP/1.1: pictures may use 4 of them, so the page's own requests (states, a click to a camera's
// page) never wait behind a row of frames. Tiles wait their turn in order, so a slow server slows
// every picture a little rather than starving some.
const MAX_IN_FLIGHT = 4;
let inFlight = 0;
const queue: (() => void)[] = [];

/** Runs `start` once a slot is free; answers a function that gives up the place in the queue. */
function acquire(start: () => void): () => void {
  if (inFlight < MAX_IN_FLIGHT) {
    inFlight += 1;
    start();
    return () => undefined;
  }
  const entry = () => {
    inFlight += 1;
    start();
  };
  queue.push(entry);
  return () => {
    const at = queue.indexOf(entry);
    if (at >= 0) queue.splice(at, 1);
  };
}

function release(): void {
  inFlight = Math.max(0, inFlight - 1);
  queue.shift()?.();
}

export interface LiveSnapshotProps {
  cameraId: string;
  /** The camera's name, for the picture's text alternative. */
  name: string;
  /** False when the camera does not run (stopped, deactivated): no frame is asked for. */
  live: boolean;
  /** What to say instead of a picture when `live` is false. */
  idleText: string;
  intervalMs?: number;
  className?: string;
}

/** Where a picture is in asking for frames: resting, waiting out its interval, queued for a slot, loading. */
interface Requests {
  active: boolean;
  phase: 'idle' | 'waiting' | 'queued' | 'loading';
  /** Whether this picture holds one of the page's slots (a frame under way). */
  holding: boolean;
  startedAt: number;
  timer: number | undefined;
  leaveQueue: () => void;
}

export function LiveSnapshot({ cameraId, name, live, idleText, intervalMs = 1_000, className }: LiveSnapshotProps) {
  const box = useRef<HTMLDivElement>(null);
  const onScreen = useOnScreen(box);
  const pageVisible = usePageVisible();
  const active = live && onScreen && pageVisible;
  const [src, setSrc] = useState<string>();
  const [shown, setShown] = useState(false);
  const [failed, setFailed] = useState(false);
  const state = useRef<Requests>({ active, phase: 'idle', holding: false, startedAt: 0, timer: undefined, leaveQueue: () => undefined });
  state.current.active = active;

  /** Asks for the next frame, in turn with the other pictures. */
  function next(): void {
    const s = state.current;
    window.clearTimeout(s.timer);
    if (!s.active || s.phase === 'queued' || s.phase === 'loading') return;
    s.phase = 'queued';
    s.leaveQueue = acquire(() => {
      s.phase = 'loading';
      s.holding = true;
      s.startedAt = performance.now();
      frames += 1;
      setSrc(snapshotUrl(cameraId, frames));
    });
  }

  /** A frame loaded or failed: free the slot, and ask again after `delayMs` if still wanted. */
  function settled(delayMs: number): void {
    const s = state.current;
    if (s.holding) release();
    s.holding = false;
    s.phase = 'idle';
    if (s.active) {
      s.phase = 'waiting';
      s.timer = window.setTimeout(next, Math.max(0, delayMs));
    }
  }

  useEffect(() => {
    const s = state.current;
    if (active && s.phase === 'idle') next();
    if (!active && (s.phase === 'waiting' || s.phase === 'queued')) {
      window.clearTimeout(s.timer);
      s.leaveQueue();
      s.phase = 'idle';
    }
    // `next` reads everything through the ref, so it is not a dependency.
  }, [active, cameraId]);
  useEffect(
    () => () => {
      const s = state.current;
      window.clearTimeout(s.timer);
      s.leaveQueue();
      // A picture removed while its frame loads never hears of it: give the slot back now.
      if (s.holding) release();
      s.holding = false;
      s.phase = 'idle';
    },
    [],
  );

  const showPicture = live && shown && !failed;
  const placeholder = !live
    ? idleText
    : failed
      ? 'No picture: the camera has no frame to show yet.'
      : src || active
        ? 'Loading the picture…'
        : 'The picture loads when it is on screen.';
  return (
    <div ref={box} className={`snapshot ${className ?? ''}`}>
      {src ? (
        <img
          src={src}
          alt={`Live picture of ${name}`}
          className={showPicture ? undefined : 'snapshot-hidden'}
          decoding="async"
          onLoad={() => {
            setShown(true);
            setFailed(false);
            settled(intervalMs - (performance.now() - state.current.startedAt));
          }}
          onError={() => {
            setFailed(true);
            settled(RETRY_MS);
          }}
        />
      ) : null}
      {showPicture ? null : (
        <p className="snapshot-placeholder">
          <span aria-hidden="true">{live && !failed ? '◌' : '▢'} </span>
          {placeholder}
        </p>
      )}
    </div>
  );
}
