// Cameras down and back (issue 14): how soon a camera whose source returns runs again, what its
// lastError says of the outage, "retry now" on restart, and the stall timeout of a worker.
//
// The bound on recovery is checked on a fake clock: the backoff and the attempt gate, as the
// workers use them, with outages of 2 s, 30 s and 5 minutes. The workers themselves run against the
// simulator on loopback, where nothing is asserted on time: states and counters are polled.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../config.js';
import { startCameraSimulator } from '../../../tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../../../tools/camera-sim/simulator.js';
import { createSourceGuard } from '../source-guard.js';
import { createAttemptGate } from './attempt-gate.js';
import { backoffDelay } from './backoff.js';
import type { BackoffSettings } from './backoff.js';
import { createSupervisor } from './supervisor.js';
import type { CameraSource, CameraState, RuntimeSettings } from './worker.js';
import { CameraWorker } from './worker.js';
import { pollUntil } from '../../../../test/helpers/poll.js';
import { seeded } from '../../../../test/helpers/seeded.js';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
};

const defaults = loadConfig({}).config.cameras;
const BACKOFF: BackoffSettings = { baseMs: defaults.backoffBaseMs, maxMs: defaults.backoffMaxMs, errorMaxMs: defaults.backoffErrorMaxMs };

/**
 * Cameras whose sources refuse every attempt from 0 until `outageMs`, each retrying as a worker does
 * (an attempt through the gate, then the backoff), on vitest's fake clock. Answers, per camera, the
 * time from the return to its first attempt that succeeds, and the gate's peak attempts per second.
 */
async function outage(cameras: number, outageMs: number, random: () => number, perSecond = defaults.connectRate) {
  const gate = createAttemptGate({ perSecond, now: () => Date.now() });
  const t0 = Date.now();
  const back: number[] = [];
  const camera = async () => {
    let failures = 0;
    for (;;) {
      await gate.acquire();
      if (Date.now() - t0 >= outageMs) return back.push(Date.now() - t0 - outageMs);
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures - 1, BACKOFF, random)));
    }
  };
  const all = Promise.all(Array.from({ length: cameras }, camera));
  await vi.runAllTimersAsync();
  await all;
  const peak = gate.peakPerSecond();
  gate.close();
  return { back, peak };
}

describe('recovery on a fake clock (the default backoff and attempt gate)', () => {
  it('a camera whose source returns after 2 s, 30 s or 5 minutes is running again within 10 s (p95), however long the outage', async () => {
    vi.useFakeTimers();
    try {
      for (const outageMs of [2_000, 30_000, 300_000]) {
        const random = seeded(outageMs);
        const waits: number[] = [];
        // One camera at a time: 400 outages of this length, each with its own draws.
        for (let trial = 0; trial < 400; trial++) waits.push(...(await outage(1, outageMs, random)).back);
        expect(waits).toHaveLength(400);
        expect(percentile(waits, 95), `p95 after a ${outageMs / 1000} s outage`).toBeLessThan(10_000);
        // Never longer than the cap: the attempt that finds the source back comes within it.
        expect(Math.max(...waits), `max after a ${outageMs / 1000} s outage`).toBeLessThanOrEqual(BACKOFF.maxMs);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('a site outage of 500 cameras never exceeds the attempt cap, and they are all back within the time the cap needs plus one backoff', async () => {
    vi.useFakeTimers({ loopLimit: 1_000_000 });
    try {
      // A minute: the backoffs reach their cap within 15 s, and from then on a longer outage is more of the same.
      const { back, peak } = await outage(500, 60_000, seeded(7));
      expect(back).toHaveLength(500);
      expect(peak).toBeLessThanOrEqual(defaults.connectRate);
      // 500 attempts at 50 per 1.1 s take 11 s; the last camera may still be in a backoff at the return.
      expect(Math.max(...back)).toBeLessThanOrEqual((500 / defaults.connectRate) * 1_100 + BACKOFF.maxMs);
    } finally {
      vi.useRealTimers();
    }
  }, 120_000);

  it('a refusal that retrying will not fix soon backs off to the longer cap', () => {
    expect(backoffDelay(20, BACKOFF, () => 0.999)).toBeLessThan(BACKOFF.maxMs);
    expect(backoffDelay(20, BACKOFF, () => 0.999, true)).toBeGreaterThan(BACKOFF.maxMs);
    expect(backoffDelay(20, BACKOFF, () => 0.999, true)).toBeLessThan(defaults.backoffErrorMaxMs);
    expect(backoffDelay(20, { baseMs: 1_000, maxMs: 8_000 }, () => 0.999, true)).toBeLessThan(8_000);
  });
});

describe('a worker against the simulator', () => {
  let sim: CameraSimulator;
  const gate = createAttemptGate({ perSecond: 100 });
  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 6, fps: 5, width: 160, height: 120 });
  });
  afterAll(async () => {
    gate.close();
    await sim?.close();
  });

  const settings = (backoff: BackoffSettings): RuntimeSettings => ({
    stallTimeoutMs: defaults.stallTimeoutMs,
    backoff,
    connectTimeoutMs: 2_000,
    fpsWindowMs: 2_000,
    maxFrameBytes: 1 << 20,
    ffmpegPath: 'ffmpeg',
  });
  const source = (n: number, expectedFps = 5): CameraSource => ({
    id: `cam-${n}`,
    sourceUrl: sim.streamUrl(n),
    sourceType: 'mjpeg',
    expectedFps,
    credentials: null,
  });
  function supervise(backoff: BackoffSettings, random?: () => number) {
    const stalls: { id: string; kind: string }[] = [];
    const states: { id: string; state: CameraState }[] = [];
    const supervisor = createSupervisor({
      log: pino({ level: 'silent' }),
      gate,
      settings: settings(backoff),
      hooks: {
        onState: (id, state) => states.push({ id, state }),
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: (id, kind) => stalls.push({ id, kind }),
        onReconnect: () => undefined,
        ...(random ? { random } : {}),
      },
    });
    return { supervisor, stalls, states };
  }
  // Bounds only against a hang: generous, since a loaded machine is slow.
  const until = (condition: () => boolean, what: string) => pollUntil(condition, (met) => met, { timeoutMs: 15_000, intervalMs: 20, what });

  it('lastError keeps the failure that began the outage as its cause, with the last attempt’s failure and the count', async () => {
    const { supervisor } = supervise({ baseMs: 50, maxMs: 200 });
    const status = () => supervisor.status('cam-1')!;
    await supervisor.start(source(1));
    await until(() => status().state === 'running', 'cam-1 to run');
    // The stream stalls (the outage begins), then the camera refuses every connection.
    sim.setFault(1, { mode: 'stall' });
    await until(() => status().lastError?.code === 'STALLED', 'the stall to be declared');
    sim.setFault(1, { mode: 'refuse' });
    await until(() => (status().lastError?.failures ?? 0) >= 3, 'three failed attempts');
    const during = status().lastError!;
    expect(during.code).toBe('CONNECTION_RESET');
    expect(during.cause).toMatchObject({ code: 'STALLED' });
    // Back: running again, and lastError still says what the outage was.
    sim.setFault(1, { mode: 'none' });
    await until(() => status().state === 'running', 'cam-1 to run again');
    expect(status().lastError!.cause).toEqual(during.cause);
    // The next outage has a cause of its own.
    sim.setFault(1, { mode: 'refuse' });
    await until(
      () => status().lastError !== null && status().lastError!.at > during.at && status().state === 'reconnecting',
      'a new outage',
    );
    // Its first failure: the open stream cut by the reset (seen as a reset, or as the end of the stream).
    const next = status().lastError!;
    expect(['CONNECTION_RESET', 'STREAM_ENDED']).toContain(next.cause.code);
    expect(next.cause.at > during.at).toBe(true);
    expect(next.failures).toBeGreaterThanOrEqual(1);
    sim.setFault(1, { mode: 'none' });
    await supervisor.stopAll();
  });

  it('a restart of a camera waiting out a long backoff tries again at once, and keeps its status', async () => {
    // Every backoff is ten minutes: only the retry can bring the camera back within the poll's bound.
    const { supervisor } = supervise({ baseMs: 600_000, maxMs: 600_000 }, () => 0.999);
    sim.setFault(2, { mode: 'refuse' });
    await supervisor.start(source(2));
    await until(() => supervisor.status('cam-2')?.state === 'reconnecting', 'cam-2 to fail');
    const before = supervisor.status('cam-2')!;
    sim.setFault(2, { mode: 'none' });
    expect(await supervisor.restart(source(2))).toBe('retried');
    await until(() => supervisor.status('cam-2')?.state === 'running', 'cam-2 to run after the retry');
    const after = supervisor.status('cam-2')!;
    expect(after.reconnects).toBe(before.reconnects);
    expect(after.lastError?.cause).toEqual(before.lastError?.cause);
    // A running camera is restarted as before: a new connection, a new status.
    expect(await supervisor.restart(source(2))).toBe('restarted');
    await until(() => supervisor.status('cam-2')?.state === 'running', 'cam-2 to run after the restart');
    expect(supervisor.status('cam-2')!.reconnects).toBe(0);
    await supervisor.stopAll();
  });

  it('scales the stall timeout with the expected fps (five frame intervals, at least the least timeout)', async () => {
    const timeoutOf = async (n: number, expectedFps: number) => {
      const worker = new CameraWorker(source(n, expectedFps), settings({ baseMs: 50, maxMs: 200 }), {
        gate,
        guard: createSourceGuard(),
        onState: () => undefined,
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: () => undefined,
        onReconnect: () => undefined,
      });
      void worker.start();
      await until(() => worker.state === 'running' && worker.status().fps !== null, `camera ${n} to run a second`);
      const ms = worker.stallTimeoutMs();
      await worker.stop();
      return ms;
    };
    // 5 and 25 fps: five intervals are under the least timeout, so the least applies. What the
    // source taught may add to it (frames that a busy machine delivers in bursts look slower), but
    // never up to the 1 fps figure.
    for (const fps of [5, 25]) {
      const ms = await timeoutOf(3, fps);
      expect(ms).toBeGreaterThanOrEqual(defaults.stallTimeoutMs);
      expect(ms).toBeLessThan(5_000);
    }
    expect(await timeoutOf(3, 1)).toBe(5_000);
  });

  it('raises no false alarm on a source that slows to 1 fps (slow) or whose frames come with jitter, and still declares a stall', async () => {
    const { supervisor, stalls } = supervise({ baseMs: 50, maxMs: 200 });
    await supervisor.start(source(4));
    await supervisor.start(source(5));
    await until(() => supervisor.status('cam-4')?.state === 'running' && supervisor.status('cam-5')?.state === 'running', 'both to run');
    sim.setFault(4, { mode: 'slow', fps: 1 });
    sim.setFault(5, { mode: 'jitter', jitterMs: 800 });
    const frames = () =>
      sim
        .stats()
        .cameras.slice(3, 5)
        .map((c) => c.framesSent);
    const start = frames();
    // Counted in frames the simulator sent, not in time: ten from the slow one (ten seconds of it).
    await until(() => frames()[0]! - start[0]! >= 10 && frames()[1]! - start[1]! >= 40, 'ten slow and forty jittery frames');
    expect(stalls).toEqual([]);
    expect(supervisor.status('cam-4')!.reconnects).toBe(0);
    expect(supervisor.status('cam-5')!.reconnects).toBe(0);
    await until(() => supervisor.status('cam-4')?.state === 'degraded', 'the slow camera to be degraded');
    sim.setFault(5, { mode: 'stall' });
    await until(() => stalls.some((s) => s.id === 'cam-5'), 'the stall of the jittery camera to be declared');
    sim.setFault(4, { mode: 'none' });
    sim.setFault(5, { mode: 'none' });
    await supervisor.stopAll();
  }, 60_000);
});
