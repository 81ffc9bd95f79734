import { describe, expect, it, vi } from 'vitest';
import { createAttemptGate } from './attempt-gate.js';
import { ffmpegFailure } from './failures.js';
import { ffconcatScript, ffmpegArgs, rtspUrl } from './ffmpeg.js';
import { parseCameraChange, published } from './fleet.js';
import { backoffDelay } from './backoff.js';
import { RateWindow } from './rate-window.js';

describe('backoff', () => {
  const settings = { baseMs: 1_000, maxMs: 60_000 };

  it('draws a delay between 0 and the doubled base, capped, with full jitter', () => {
    expect(backoffDelay(0, settings, () => 0.999)).toBe(999);
    expect(backoffDelay(3, settings, () => 0.5)).toBe(4_000);
    expect(backoffDelay(10, settings, () => 0.999)).toBe(59_940);
    expect(backoffDelay(100, settings, () => 0)).toBe(0);
  });

  it('spreads cameras that failed together over the whole window', () => {
    const delays = Array.from({ length: 2_000 }, () => backoffDelay(4, settings));
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.min(3, Math.floor(d / 4_000))]! += 1;
    for (const b of buckets) expect(b).toBeGreaterThan(350);
  });
});

describe('attempt gate', () => {
  it('never starts more than the cap within any one second, spaces attempts evenly, and serves waiters in order', async () => {
    // On a fake clock: the gate's own timers and clock decide, not how busy the machine is.
    vi.useFakeTimers();
    try {
      const gate = createAttemptGate({ perSecond: 20, now: () => Date.now() });
      const started: number[] = [];
      const at: number[] = [];
      const t0 = Date.now();
      const all = Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          gate.acquire().then(() => {
            started.push(i);
            at.push(Date.now());
          }),
        ),
      );
      await vi.runAllTimersAsync();
      await all;
      const elapsed = Date.now() - t0;
      expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i));
      // One every 55 ms (1.1 s / 20): 50 attempts take about 2.7 s.
      expect(elapsed).toBeGreaterThan(2_500);
      expect(elapsed).toBeLessThan(3_000);
      expect(gate.peakPerSecond()).toBeLessThanOrEqual(20);
      // Arrivals each late by anything up to the 100 ms margin still fit the cap in every second.
      const arrivals = at.map((t, i) => t + ((i * 37) % 100)).sort((a, b) => a - b);
      for (let i = 0, j = 0; j < arrivals.length; j++) {
        while (arrivals[j]! - arrivals[i]! >= 1_000) i++;
        expect(j - i + 1).toBeLessThanOrEqual(20);
      }
      gate.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops a waiter whose signal aborts, and rejects waiters when closed', async () => {
    const gate = createAttemptGate({ perSecond: 1 });
    await gate.acquire();
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    expect(gate.waiting()).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(gate.waiting()).toBe(0);
    const pending = gate.acquire();
    gate.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});

describe('rate window', () => {
  it('measures frames and bytes per second over the window', () => {
    const window = new RateWindow(5_000);
    for (let t = 0; t < 10_000; t += 100) window.add(t, 1_000);
    const rates = window.rates(10_000)!;
    expect(rates.fps).toBeCloseTo(10, 0);
    expect(rates.bytesPerSecond).toBeCloseTo(10_000, -3);
    // A fresh connection is measured from its first frame: 6 intervals over 1.2 s.
    const fresh = new RateWindow(5_000);
    for (let t = 0; t <= 1_200; t += 200) fresh.add(t, 500);
    expect(fresh.rates(1_200)).toEqual({ fps: 5, bytesPerSecond: 2_500 });
  });

  it('never reads above the source’s rate after a start, has no rate for its first second, and reads it exactly once a window was seen', () => {
    for (const fps of [1, 5, 10, 25]) {
      const window = new RateWindow(5_000);
      const interval = 1_000 / fps;
      let next = 0;
      for (let t = 0; t <= 12_000; t += 10) {
        // The first frame comes with the connection, the next ones at the source's rate.
        while (next <= t) {
          window.add(next, 1_000);
          next += interval;
        }
        const rates = window.rates(t);
        if (t < 1_000) expect(rates, `${fps} fps source at ${t} ms`).toBeNull();
        else {
          expect(rates!.fps, `${fps} fps source at ${t} ms`).toBeLessThanOrEqual(fps + 1e-9);
          expect(rates!.bytesPerSecond).toBeLessThanOrEqual(fps * 1_000 + 1e-6);
          if (t >= 5_000) expect(rates!.fps, `${fps} fps source at ${t} ms`).toBeCloseTo(fps, 6);
        }
      }
    }
  });

  it('has no rate while a connection’s opening burst is all it saw, and starts over after clear', () => {
    const window = new RateWindow(5_000);
    for (let t = 0; t < 20; t += 2) window.add(t, 1_000);
    for (const t of [20, 100, 250, 999]) expect(window.rates(t)).toBeNull();
    window.clear();
    expect(window.rates(10_000)).toBeNull();
  });
});

describe('statuses published by other processes', () => {
  const status = {
    cameraId: 'c',
    state: 'reconnecting' as const,
    since: '2026-01-01T00:00:00.000Z',
    fps: 0,
    bytesPerSecond: 0,
    lastFrameAt: null,
    reconnects: 3,
    frameWidth: null,
    frameHeight: null,
  };
  it('gives a lastError of an earlier version (no cause, no count) the last failure as its cause, and leaves others alone', () => {
    const last = { code: 'CONNECTION_RESET', message: 'the connection was reset', at: '2026-01-01T00:00:01.000Z' };
    const old = { ...status, lastError: last } as unknown as Parameters<typeof published>[0];
    expect(published(old).lastError).toEqual({ ...last, cause: last, failures: 1 });
    const current = { ...status, lastError: { ...last, cause: { ...last, code: 'STALLED' }, failures: 3 } };
    expect(published(current)).toBe(current);
    expect(published({ ...status, lastError: null }).lastError).toBeNull();
  });
});

describe('camera change messages', () => {
  it('reads {from, ids?} and ignores anything else', () => {
    expect(parseCameraChange('{"from":"n1","ids":["a","b"]}')).toEqual({ from: 'n1', ids: ['a', 'b'] });
    expect(parseCameraChange('{"from":"n1"}')).toEqual({ from: 'n1' });
    for (const bad of ['n1', '', 'null', '[]', '{"ids":["a"]}', '{"from":1}', '{"from":"n1","ids":"a"}', '{"from":"n1","ids":[1]}']) {
      expect(parseCameraChange(bad)).toBeUndefined();
    }
  });
});

describe('ffmpeg input', () => {
  const url = rtspUrl({ sourceUrl: 'rtsp://10.0.0.7:554/live?ch=1', credentials: { username: 'ad min', password: "p@ss:w'rd/%x" } });

  it('puts the credentials in the URL of the input script, quoted for ffmpeg, and nothing of the source in the arguments', () => {
    expect(url).toBe("rtsp://ad%20min:p%40ss%3Aw'rd%2F%25x@10.0.0.7:554/live?ch=1");
    expect(ffconcatScript(url)).toBe(
      "ffconcat version 1.0\nfile 'rtsp://ad%20min:p%40ss%3Aw'\\''rd%2F%25x@10.0.0.7:554/live?ch=1'\noption rtsp_transport tcp\n",
    );
    const args = ffmpegArgs(5).join(' ');
    expect(args).toContain('-i pipe:0');
    expect(args).not.toMatch(/rtsp:|10\.0\.0\.7|p%40ss/);
    expect(() => ffconcatScript('rtsp://host/a\nfile /etc/passwd')).toThrow(/line break/);
  });

  it('classifies what ffmpeg reports of the concat input, without repeating it (it names the URL with its credentials)', () => {
    const stderr = `[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized\n[concat @ 0x2] Impossible to open '${url}'\npipe:0: Server returned 401 Unauthorized (authorization failed)\n`;
    const failure = ffmpegFailure(1, stderr);
    expect(failure).toMatchObject({ code: 'RTSP_401', persistent: true });
    expect(failure.message).not.toMatch(/p%40ss|10\.0\.0\.7|Unauthorized/);
    expect(ffmpegFailure(1, `[concat @ 0x2] Impossible to open '${url}'\npipe:0: Connection refused\n`)).toMatchObject({
      code: 'CONNECTION_REFUSED',
    });
  });
});
