// The stall timeout on a fake clock: sources modelled frame by frame, and a watchdog that looks every
// 100 ms as the supervisor's does. Nothing here waits on real time.
import { describe, expect, it } from 'vitest';
import { FIRST_FRAME_MS, StallTimeout } from './stall.js';
import { seeded } from '../../../../test/helpers/seeded.js';

const WATCHDOG_MS = 100;
const LEAST_MS = 1_500;

interface Run {
  /** When each cut happened, and how long after the last new frame. */
  cuts: { at: number; quietMs: number }[];
}

/**
 * Feeds `arrivals` (ms, rising) to a StallTimeout as one connection, with a watchdog every 100 ms
 * that cuts when the quiet time reaches the timeout (and reconnects at once, as a reconnect that
 * succeeds does), until `endMs`.
 */
function watch(stall: StallTimeout, arrivals: readonly number[], endMs: number, startMs = 0): Run {
  const cuts: Run['cuts'] = [];
  stall.connected();
  let lastProgress = startMs;
  let next = 0;
  for (let t = startMs + WATCHDOG_MS; t <= endMs; t += WATCHDOG_MS) {
    while (next < arrivals.length && arrivals[next]! <= t) {
      stall.frame(arrivals[next]!);
      lastProgress = arrivals[next]!;
      next++;
    }
    if (t - lastProgress >= stall.timeoutMs()) {
      cuts.push({ at: t, quietMs: t - lastProgress });
      stall.cut();
      stall.connected();
      lastProgress = t;
    }
  }
  return { cuts };
}

const steady = (fps: number, fromMs: number, toMs: number) => {
  const out: number[] = [];
  for (let t = fromMs; t < toMs; t += 1000 / fps) out.push(Math.round(t));
  return out;
};

describe('stall timeout', () => {
  it('scales with the expected fps: five frame intervals, never under the least timeout', () => {
    expect(new StallTimeout(5, 1_000).timeoutMs()).toBe(FIRST_FRAME_MS);
    const at = (fps: number, least: number) => {
      const stall = new StallTimeout(fps, least);
      stall.connected();
      stall.frame(0);
      return stall.timeoutMs();
    };
    expect(at(5, 1_000)).toBe(1_000);
    expect(at(5, LEAST_MS)).toBe(1_500);
    expect(at(25, LEAST_MS)).toBe(1_500);
    expect(at(1, LEAST_MS)).toBe(5_000);
    expect(at(0.2, LEAST_MS)).toBe(25_000);
  });

  it('declares a stalled 5 fps stream down within 2 s of its last frame', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = seeded(seed);
      const stall = new StallTimeout(5, LEAST_MS);
      // A minute of frames with a little timer noise, then nothing, from a random phase of the watchdog.
      const lastAt = 60_000 + Math.floor(random() * 200);
      const frames = steady(5, 0, lastAt).map((t) => t + Math.floor(random() * 20));
      frames.push(lastAt);
      const { cuts } = watch(stall, frames, lastAt + 5_000);
      // The first cut is the detection (the reconnects after it find the stream still stalled).
      expect(cuts.length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(cuts[0]!.at).toBeGreaterThan(lastAt);
      expect(cuts[0]!.quietMs).toBeGreaterThanOrEqual(LEAST_MS);
      expect(cuts[0]!.quietMs).toBeLessThan(LEAST_MS + WATCHDOG_MS + 1);
    }
  });

  it('raises no false alarm on a jittery source: frames held back up to 800 ms at random and bunched', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seeded(seed);
      const stall = new StallTimeout(5, LEAST_MS);
      // Ten minutes at 5 fps, each frame delayed 0-800 ms and never before the one before it (TCP).
      let held = 0;
      const frames = steady(5, 0, 600_000).map((t) => (held = Math.max(held, t + random() * 800)));
      const { cuts } = watch(stall, frames, 600_000);
      expect(cuts, `seed ${seed}`).toEqual([]);
      // And it still sees a stall of such a source, within what its pace allows.
      const { cuts: stalled } = watch(stall, [], 610_000, 600_000);
      expect(stalled.length).toBeGreaterThan(0);
      expect(stalled[0]!.quietMs).toBeLessThanOrEqual(Math.max(LEAST_MS, stall.timeoutMs()) + WATCHDOG_MS);
    }
  });

  it('raises no false alarm on bursts with long gaps in between (a source that sends five frames a second in one go)', () => {
    const stall = new StallTimeout(5, LEAST_MS);
    const frames: number[] = [];
    for (let s = 0; s < 300; s++) for (let i = 0; i < 5; i++) frames.push(s * 1000 + 950 + i * 5);
    expect(watch(stall, frames, 300_000).cuts).toEqual([]);
  });

  it('raises no false alarm when a 5 fps source slows to 1 fps at once (the simulator’s slow mode), and learns the new pace', () => {
    const stall = new StallTimeout(5, LEAST_MS);
    const frames = [...steady(5, 0, 60_000), ...steady(1, 61_000, 180_000)];
    expect(watch(stall, frames, 180_000).cuts).toEqual([]);
    // Its timeout now fits a frame a second, with room for one lost.
    expect(stall.timeoutMs()).toBeGreaterThanOrEqual(2_000);
  });

  it('a source that slows below the timeout at once is cut once, then given time to show its pace, and not cut again', () => {
    const stall = new StallTimeout(5, LEAST_MS);
    // 5 fps, then a frame every 4 s: the first long gap looks like a stall.
    const frames = [...steady(5, 0, 60_000), ...steady(0.25, 64_000, 600_000)];
    const { cuts } = watch(stall, frames, 600_000);
    expect(cuts.length).toBeGreaterThanOrEqual(1);
    expect(cuts.length).toBeLessThanOrEqual(2);
    expect(cuts.at(-1)!.at).toBeLessThan(80_000);
    expect(stall.timeoutMs()).toBeGreaterThanOrEqual(8_000);
  });

  it('gives a connection time for its first frame, then the camera’s own timeout', () => {
    const stall = new StallTimeout(5, LEAST_MS);
    stall.connected();
    expect(stall.timeoutMs()).toBe(FIRST_FRAME_MS);
    stall.frame(10_000);
    expect(stall.timeoutMs()).toBe(LEAST_MS);
  });

  it('after a cut, the next connection gets twice that timeout until it brought a few gaps, then the usual one again', () => {
    const stall = new StallTimeout(5, LEAST_MS);
    stall.connected();
    for (const t of steady(5, 0, 10_000)) stall.frame(t);
    stall.cut();
    stall.connected();
    stall.frame(20_000);
    expect(stall.timeoutMs()).toBe(2 * LEAST_MS);
    for (const t of steady(5, 20_200, 21_000)) stall.frame(t);
    expect(stall.timeoutMs()).toBe(LEAST_MS);
  });
});
