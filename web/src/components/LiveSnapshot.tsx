// A camera's live picture: its latest frame as an <img>, loaded again about once a second, but only
// while the picture is on screen and the tab is visible, and never more than one request at a time
// (the next frame is asked for once the previous one loaded or failed). A wall of 100 cameras thus
// asks for as many frames a second as it shows tiles, not 100, at most 4 at a time. Where there is
// no frame to show (stopped, no frame yet, an error) the picture says so in words. Frames are set on
// the <img> itself, not through React: a picture coming on screen asks for its frame at once, and a
// wall refreshing 15 pictures a second renders no tile for it.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
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

/**
 * One picture's frames, outside React: asks for a frame when the picture is wanted (live, on screen,
 * tab visible) and a slot is free, sets it on the <img> itself, and asks again an interval after the
 * last one started (RETRY_MS after a failure). React renders the picture; this only loads it, so that
 * an IntersectionObserver callback starts a frame at once, without a render in between.
 */
class FrameLoop {
  live = false;
  onScreen = false;
  pageVisible = true;
  cameraId = '';
  intervalMs = 1_000;
  private img: HTMLImageElement | null = null;
  private phase: 'idle' | 'waiting' | 'queued' | 'loading' = 'idle';
  /** Whether this picture holds one of the page's slots (a frame under way). */
  private holding = false;
  private startedAt = 0;
  private timer: number | undefined;
  private leaveQueue: () => void = () => undefined;

  get wanted(): boolean {
    return this.live && this.onScreen && this.pageVisible && this.img !== null;
  }

  /** The <img> was rendered (or removed: a frame under way on it is given up). */
  attach(img: HTMLImageElement | null): void {
    if (img === this.img) return;
    if (this.img && this.phase === 'loading') this.giveUp();
    this.img = img;
    this.sync();
  }

  /** Starts or stops asking after a change of `live`, `onScreen`, `pageVisible` or the picture. */
  sync(): void {
    if (this.wanted && this.phase === 'idle') this.next();
    else if (!this.wanted && (this.phase === 'waiting' || this.phase === 'queued')) this.giveUp();
  }

  /** A frame loaded (`ok`) or failed: free the slot, and ask again after the interval if still wanted. */
  settled(ok: boolean): void {
    if (this.holding) release();
    this.holding = false;
    this.phase = 'idle';
    if (!this.wanted) return;
    this.phase = 'waiting';
    const delay = ok ? this.intervalMs - (performance.now() - this.startedAt) : RETRY_MS;
    this.timer = window.setTimeout(() => this.next(), Math.max(0, delay));
  }

  /** Stops asking and gives back the slot or the place in the queue. */
  giveUp(): void {
    window.clearTimeout(this.timer);
    this.leaveQueue();
    if (this.holding) release();
    this.holding = false;
    this.phase = 'idle';
  }

  /** Asks for the next frame, in turn with the other pictures. */
  private next(): void {
    window.clearTimeout(this.timer);
    this.phase = 'idle';
    if (!this.wanted) return;
    this.phase = 'queued';
    this.leaveQueue = acquire(() => {
      this.leaveQueue = () => undefined;
      const img = this.img;
      if (!img || !this.wanted) {
        // Gone or no longer wanted while it waited for its turn: pass the slot on.
        this.phase = 'idle';
        release();
        return;
      }
      this.phase = 'loading';
      this.holding = true;
      this.startedAt = performance.now();
      frames += 1;
      img.src = snapshotUrl(this.cameraId, frames);
    });
  }
}

export function LiveSnapshot({ cameraId, name, live, idleText, intervalMs = 1_000, className }: LiveSnapshotProps) {
  const box = useRef<HTMLDivElement>(null);
  const pageVisible = usePageVisible();
  const [loop] = useState(() => new FrameLoop());
  const [onScreen, setOnScreen] = useState(false);
  const [shown, setShown] = useState(false);
  const [failed, setFailed] = useState(false);
  loop.live = live;
  loop.pageVisible = pageVisible;
  loop.cameraId = cameraId;
  loop.intervalMs = intervalMs;
  // A picture that stops being live starts again from its placeholder when it is live again.
  if (!live && (shown || failed)) {
    setShown(false);
    setFailed(false);
  }

  // A picture already on screen when it appears asks for its first frame as it is committed, not a
  // frame later when the IntersectionObserver first reports (the observer then keeps it current).
  useLayoutEffect(() => {
    const element = box.current;
    if (!element || loop.onScreen) return;
    const r = element.getBoundingClientRect();
    if (r.width > 0 && r.bottom > 0 && r.right > 0 && r.top < window.innerHeight && r.left < window.innerWidth) {
      loop.onScreen = true;
      loop.sync();
    }
  }, [loop]);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const stop = observe(element, (visible) => {
      loop.onScreen = visible;
      loop.sync();
      setOnScreen(visible);
    });
    return () => {
      stop();
      loop.giveUp();
    };
  }, [loop]);
  useEffect(() => loop.sync(), [loop, live, pageVisible, cameraId]);
  const attach = useCallback((img: HTMLImageElement | null) => loop.attach(img), [loop]);

  const showPicture = live && shown && !failed;
  const placeholder = !live
    ? idleText
    : failed
      ? 'No picture: the camera has no frame to show yet.'
      : onScreen && pageVisible
        ? 'Loading the picture…'
        : 'The picture loads when it is on screen.';
  return (
    <div ref={box} className={`snapshot ${className ?? ''}`}>
      {live ? (
        <img
          ref={attach}
          alt={`Live picture of ${name}`}
          aria-hidden={showPicture ? undefined : true}
          className={showPicture ? undefined : 'snapshot-hidden'}
          decoding="async"
          onLoad={() => {
            setShown(true);
            setFailed(false);
            loop.settled(true);
          }}
          onError={() => {
            setFailed(true);
            loop.settled(false);
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
