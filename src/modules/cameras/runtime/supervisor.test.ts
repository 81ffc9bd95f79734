// The supervisor against a real stream from the simulator: a worker that throws (a bug, not the
// camera's fault) is reported against its camera and started again, with a growing delay.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../../../tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../../../tools/camera-sim/simulator.js';
import { createAttemptGate } from './attempt-gate.js';
import { createSupervisor } from './supervisor.js';
import type { CameraState } from './worker.js';

describe('supervisor', () => {
  let sim: CameraSimulator;
  const gate = createAttemptGate({ perSecond: 100 });
  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 2, fps: 10, width: 160, height: 120 });
  });
  afterAll(async () => {
    gate.close();
    await sim?.close();
  });

  function supervise(onState: (id: string, state: CameraState) => void) {
    const crashes: { id: string; message: string; restartInMs: number; at: number }[] = [];
    const supervisor = createSupervisor({
      log: pino({ level: 'silent' }),
      gate,
      crashRestartMs: 100,
      onCrash: (id, error, restartInMs) => crashes.push({ id, message: (error as Error).message, restartInMs, at: performance.now() }),
      settings: {
        stallTimeoutMs: 3_000,
        backoff: { baseMs: 100, maxMs: 1_000 },
        connectTimeoutMs: 2_000,
        fpsWindowMs: 2_000,
        maxFrameBytes: 1 << 20,
        ffmpegPath: 'ffmpeg',
      },
      hooks: {
        onState: (id, state) => onState(id, state),
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: () => undefined,
        onReconnect: () => undefined,
      },
    });
    return { supervisor, crashes };
  }
  const source = (n: number) => ({
    id: `cam-${n}`,
    sourceUrl: sim.streamUrl(n),
    sourceType: 'mjpeg' as const,
    expectedFps: 10,
    credentials: null,
  });
  async function until(condition: () => boolean, timeoutMs: number) {
    const t0 = performance.now();
    while (!condition()) {
      if (performance.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('restarts a worker that threw, reports the crash against its camera, and the camera runs', async () => {
    let thrown = 0;
    const { supervisor, crashes } = supervise((_id, state) => {
      if (state === 'starting' && thrown++ === 0) throw new Error('a bug in a hook');
    });
    await supervisor.start(source(1));
    await until(() => supervisor.status('cam-1')?.state === 'running', 5_000);
    expect(crashes).toEqual([{ id: 'cam-1', message: 'a bug in a hook', restartInMs: 100, at: expect.any(Number) as number }]);
    expect(sim.stats().cameras[0]!.openStreams).toBe(1);
    await supervisor.stopAll();
  });

  it('answers the latest frame as a copy that later frames do not change (frame memory is reused)', async () => {
    const { supervisor } = supervise(() => undefined);
    await supervisor.start(source(1));
    await until(() => supervisor.latestFrame('cam-1') !== null, 5_000);
    const first = supervisor.latestFrame('cam-1')!;
    const kept = Buffer.from(first);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 120));
      const frame = supervisor.latestFrame('cam-1')!;
      // Every frame is a whole JPEG, whatever memory it was written into.
      expect([frame[0], frame[1], frame.at(-2), frame.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
      seen.add(frame.toString('base64'));
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(first.equals(kept)).toBe(true);
    await supervisor.stopAll();
  });

  it('waits longer after each crash in a row, and stops restarting a camera that was stopped', async () => {
    const { supervisor, crashes } = supervise((_id, state) => {
      if (state === 'starting') throw new Error('always');
    });
    await supervisor.start(source(2));
    await until(() => crashes.length === 4, 5_000);
    expect(crashes.map((c) => c.restartInMs)).toEqual([100, 200, 400, 800]);
    // The gaps follow the delays (timers fire no earlier than asked).
    for (let i = 1; i < crashes.length; i++)
      expect(crashes[i]!.at - crashes[i - 1]!.at).toBeGreaterThanOrEqual(crashes[i - 1]!.restartInMs - 5);
    await supervisor.stop('cam-2');
    const seen = crashes.length;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(crashes.length).toBe(seen);
    expect(supervisor.has('cam-2')).toBe(false);
    await supervisor.stopAll();
  });
});
