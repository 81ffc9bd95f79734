// A site outage at fleet scale: 500 simulated cameras drop at once and all come back, while the
// connection attempts of this process never exceed the configured cap in any one-second window.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptGate, createSupervisor } from '../src/modules/cameras/index.js';
import type { Supervisor } from '../src/modules/cameras/index.js';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';

const COUNT = 500;
const CAP = 100;

describe('a fleet of 500 cameras', () => {
  let sim: CameraSimulator;
  let supervisor: Supervisor;
  const gate = createAttemptGate({ perSecond: CAP });
  /** (time, attempts seen by the simulator) every 50 ms. */
  const samples: [number, number][] = [];
  let sampler: NodeJS.Timeout;

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: COUNT, fps: 5, width: 160, height: 120 });
    supervisor = createSupervisor({
      log: pino({ level: 'silent' }),
      gate,
      settings: {
        stallTimeoutMs: 3_000,
        backoff: { baseMs: 1_000, maxMs: 60_000 },
        connectTimeoutMs: 5_000,
        fpsWindowMs: 5_000,
        maxFrameBytes: 1 << 20,
        ffmpegPath: 'ffmpeg',
      },
      hooks: {
        onState: () => undefined,
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: () => undefined,
        onReconnect: () => undefined,
      },
    });
    sampler = setInterval(() => samples.push([performance.now(), sim.stats().attempts]), 50);
  });
  afterAll(async () => {
    clearInterval(sampler);
    await supervisor?.stopAll();
    gate.close();
    await sim?.close();
  });

  const running = () => supervisor.countByState().running + supervisor.countByState().degraded;
  async function until(condition: () => boolean, timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    while (!condition()) {
      if (performance.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(supervisor.countByState())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return performance.now() - t0;
  }
  /** The most attempts the simulator saw within any one second (from the samples: never more than the truth). */
  function peakSeenBySimulator(): number {
    let peak = 0;
    for (let i = 0, j = 0; j < samples.length; j++) {
      while (samples[j]![0] - samples[i]![0] > 1_000) i++;
      peak = Math.max(peak, samples[j]![1] - samples[i]![1]);
    }
    return peak;
  }

  it('starts them all within the cap, sees them all drop, and brings them all back within the cap', async () => {
    for (let n = 1; n <= COUNT; n++) {
      await supervisor.start({ id: `cam-${n}`, sourceUrl: sim.streamUrl(n), sourceType: 'mjpeg', expectedFps: 5, credentials: null });
    }
    await until(() => running() === COUNT, 30_000);

    sim.setFaultAll({ mode: 'refuse' });
    await until(() => running() === 0, 10_000);
    await new Promise((r) => setTimeout(r, 2_000)); // a few refused retries each
    sim.setFaultAll({ mode: 'none' });
    const recovery = await until(() => running() === COUNT, 90_000);

    expect(supervisor.countByState().running + supervisor.countByState().degraded).toBe(COUNT);
    expect(gate.peakPerSecond()).toBeLessThanOrEqual(CAP);
    expect(peakSeenBySimulator()).toBeLessThanOrEqual(CAP);
    // Every camera reconnected at least once, and the outage was seen as such.
    expect(sim.stats().attempts).toBeGreaterThan(2 * COUNT);
    expect(recovery).toBeLessThan(90_000);
  }, 150_000);
});
