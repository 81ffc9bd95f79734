// The supervisor against a real stream from the simulator: a worker that throws (a bug, not the
// camera's fault) is reported against its camera and started again, with a growing delay.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSimulator } from '../../../tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../../../tools/camera-sim/simulator.js';
import { createAttemptGate } from './attempt-gate.js';
import { createSupervisor } from './supervisor.js';
import type { CameraState } from './worker.js';
import { pollUntil } from '../../../../test/helpers/poll.js';

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
  // Bounds only against a hang: generous, since a loaded machine is slow.
  const until = (condition: () => boolean, what: string) => pollUntil(condition, (met) => met, { timeoutMs: 12_000, intervalMs: 20, what });

  it('restarts a worker that threw, reports the crash against its camera, and the camera runs', async () => {
    let thrown = 0;
    const { supervisor, crashes } = supervise((_id, state) => {
      if (state === 'starting' && thrown++ === 0) throw new Error('a bug in a hook');
    });
    await supervisor.start(source(1));
    await until(() => supervisor.status('cam-1')?.state === 'running', 'cam-1 to run');
    expect(crashes).toEqual([{ id: 'cam-1', message: 'a bug in a hook', restartInMs: 100, at: expect.any(Number) as number }]);
    expect(sim.stats().cameras[0]!.openStreams).toBe(1);
    await supervisor.stopAll();
  });

  it('answers the latest frame as a copy that later frames do not change (frame memory is reused)', async () => {
    const { supervisor } = supervise(() => undefined);
    await supervisor.start(source(1));
    await until(() => supervisor.latestFrame('cam-1') !== null, 'a first frame');
    const first = supervisor.latestFrame('cam-1')!;
    const kept = Buffer.from(first);
    // Counted in frames, not in time: look until six different frames came after the first.
    const seen = new Map<string, Buffer>();
    await until(() => {
      const frame = supervisor.latestFrame('cam-1')!;
      seen.set(frame.toString('base64'), frame);
      return seen.size > 6;
    }, 'six later frames');
    // Every frame is a whole JPEG, whatever memory it was written into.
    for (const frame of seen.values()) expect([frame[0], frame[1], frame.at(-2), frame.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    expect(first.equals(kept)).toBe(true);
    await supervisor.stopAll();
  });

  it('waits longer after each crash in a row, and stops restarting a camera that was stopped', async () => {
    const { supervisor, crashes } = supervise((_id, state) => {
      if (state === 'starting') throw new Error('always');
    });
    await supervisor.start(source(2));
    await until(() => crashes.length >= 4, 'four crashes');
    expect(crashes.slice(0, 4).map((c) => c.restartInMs)).toEqual([100, 200, 400, 800]);
    // The gaps follow the delays (timers fire no earlier than asked; a slow machine only widens them).
    for (let i = 1; i < crashes.length; i++)
      expect(crashes[i]!.at - crashes[i - 1]!.at).toBeGreaterThanOrEqual(crashes[i - 1]!.restartInMs - 5);
    await supervisor.stop('cam-2');
    const seen = crashes.length;
    // A fixed wait on purpose: it shows that nothing happens (no restart) in more than the next delay.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(crashes.length).toBe(seen);
    expect(supervisor.has('cam-2')).toBe(false);
    await supervisor.stopAll();
  });
});
