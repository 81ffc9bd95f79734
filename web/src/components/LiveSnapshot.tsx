// A camera's live picture: its latest frame as an <img>, loaded again about once a second, but only
// while the picture is on screen and the tab is visible, and never more than one request at a time
// (the next frame is asked for once the previous one loaded or failed). A wall of 100 cameras thus
// asks for as many frames a second as it shows tiles, not 100. Where there is no frame to show
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

export function LiveSnapshot({ cameraId, name, live, idleText, intervalMs = 1_000, className }: LiveSnapshotProps) {
  const box = useRef<HTMLDivElement>(null);
  const onScreen = useOnScreen(box);
  const pageVisible = usePageVisible();
  const active = live && onScreen && pageVisible;
  const [src, setSrc] = useState<string>();
  const [shown, setShown] = useState(false);
  const [failed, setFailed] = useState(false);
  const state = useRef({ active, inFlight: false, startedAt: 0, timer: undefined as number | undefined });
  state.current.active = active;

  function next(): void {
    const s = state.current;
    window.clearTimeout(s.timer);
    s.timer = undefined;
    if (!s.active || s.inFlight) return;
    s.inFlight = true;
    s.startedAt = performance.now();
    frames += 1;
    setSrc(snapshotUrl(cameraId, frames));
  }

  function schedule(delayMs: number): void {
    const s = state.current;
    s.inFlight = false;
    if (s.active) s.timer = window.setTimeout(next, Math.max(0, delayMs));
  }

  useEffect(() => {
    const s = state.current;
    if (active && !s.inFlight && s.timer === undefined) next();
    if (!active) {
      window.clearTimeout(s.timer);
      s.timer = undefined;
    }
    // `next` reads everything through the ref, so it is not a dependency.
  }, [active, cameraId]);
  useEffect(() => () => window.clearTimeout(state.current.timer), []);

  const showPicture = live && shown && !failed;
  const placeholder = !live ? idleText : failed ? 'No picture: the camera has no frame to show yet.' : 'Loading the picture…';
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
            schedule(intervalMs - (performance.now() - state.current.startedAt));
          }}
          onError={() => {
            setFailed(true);
            schedule(RETRY_MS);
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
