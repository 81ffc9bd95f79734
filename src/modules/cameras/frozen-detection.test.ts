// Frozen detection is a per-camera setting (CameraSource.frozenDetection): on by default for
// streams, off for snapshots. A snapshot camera whose scene does not change (the simulator's
// `frozen` mode: the same JPEG bytes at every poll) stays running, decided by the camera's state
// changes and stall count over many stall timeouts' worth of polls (counted by the simulator), not
// by the clock; the same camera with detection on is cut as FROZEN, and a stream with it off runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../test/helpers/poll.js';
import { recordingSupervisor } from '../../../test/helpers/recording-supervisor.js';
import { startCameraSimulator } from '../../tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../../tools/camera-sim/simulator.js';
import type { Supervisor } from './runtime/supervisor.js';
import type { CameraSource, CameraState } from './runtime/worker.js';
import { frozenDetectionOf } from './runtime/worker.js';

const STALL_TIMEOUT_MS = 500;
const FPS = 10;
/** Polls covering eight stall timeouts: a camera judged frozen would have been cut several times over. */
const POLLS = Math.ceil(((8 * STALL_TIMEOUT_MS) / 1000) * FPS);

describe('frozen detection, per camera', () => {
  let sim: CameraSimulator;
  let supervisor: Supervisor;
  let states: Map<string, CameraState[]>;
  let stalls: Map<string, string[]>;

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 4, fps: FPS, width: 64, height: 48 });
    for (const camera of [1, 2, 3, 4]) sim.setFault(camera, { mode: 'frozen' });
    ({ supervisor, states, stalls } = recordingSupervisor(
      {
        stallTimeoutMs: STALL_TIMEOUT_MS,
        backoff: { baseMs: 100, maxMs: 300 },
        connectTimeoutMs: 5_000,
        fpsWindowMs: 2_000,
        maxFrameBytes: 1 << 20,
        ffmpegPath: 'ffmpeg',
      },
      { watchdogMs: 50 },
    ));
  });
  afterAll(async () => {
    await supervisor?.stopAll();
    await sim?.close();
  });

  const source = (id: string, camera: number, sourceType: 'snapshot' | 'mjpeg', frozenDetection?: boolean): CameraSource => ({
    id,
    sourceUrl: sourceType === 'snapshot' ? sim.snapshotUrl(camera) : sim.streamUrl(camera),
    sourceType,
    expectedFps: FPS,
    credentials: null,
    ...(frozenDetection !== undefined ? { frozenDetection } : {}),
  });
  const served = (camera: number) => {
    const stats = sim.stats().cameras[camera - 1]!;
    return stats.snapshotsSent + stats.framesSent;
  };

  it('is on by default for streams and off for snapshots; a camera’s own setting wins', () => {
    expect(frozenDetectionOf({ sourceType: 'mjpeg' })).toBe(true);
    expect(frozenDetectionOf({ sourceType: 'rtsp' })).toBe(true);
    expect(frozenDetectionOf({ sourceType: 'snapshot' })).toBe(false);
    expect(frozenDetectionOf({ sourceType: 'snapshot', frozenDetection: true })).toBe(true);
    expect(frozenDetectionOf({ sourceType: 'mjpeg', frozenDetection: false })).toBe(false);
  });

  it('keeps a snapshot camera with a still scene running: no FROZEN, no reconnect, one state change', async () => {
    await supervisor.start(source('still', 1, 'snapshot'));
    await pollUntil(
      () => served(1),
      (n) => n >= POLLS,
      { timeoutMs: 60_000, what: `${POLLS} identical snapshots` },
    );
    expect(states.get('still')).toEqual(['starting', 'running']);
    expect(stalls.get('still')).toBeUndefined();
    expect(supervisor.status('still')).toMatchObject({ state: 'running', reconnects: 0, lastError: null, frameWidth: 64 });
  }, 90_000);

  it('cuts the same snapshot camera as FROZEN when its detection is turned on', async () => {
    await supervisor.start(source('still-on', 2, 'snapshot', true));
    await pollUntil(
      () => stalls.get('still-on') ?? [],
      (kinds) => kinds.length > 0,
      { timeoutMs: 60_000, what: 'a FROZEN snapshot camera' },
    );
    expect(stalls.get('still-on')![0]).toBe('FROZEN');
    const status = await pollUntil(
      () => supervisor.status('still-on'),
      (s) => s?.lastError !== null,
      { what: 'the camera’s lastError' },
    );
    expect(status!.lastError!.code).toBe('FROZEN');
  }, 90_000);

  it('cuts a frozen stream by default, and keeps one with detection off running', async () => {
    await supervisor.start(source('stream-default', 3, 'mjpeg'));
    await supervisor.start(source('stream-off', 4, 'mjpeg', false));
    await pollUntil(
      () => stalls.get('stream-default') ?? [],
      (kinds) => kinds.includes('FROZEN'),
      { timeoutMs: 60_000, what: 'a FROZEN stream' },
    );
    await pollUntil(
      () => served(4),
      (n) => n >= POLLS,
      { timeoutMs: 60_000, what: `${POLLS} identical stream frames` },
    );
    expect(states.get('stream-off')).toEqual(['starting', 'running']);
    expect(stalls.get('stream-off')).toBeUndefined();
  }, 90_000);
});
