// A site outage at fleet scale: 500 simulated cameras drop at once and all come back, while the
// connection attempts of this process never exceed the configured cap in any one-second window.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptGate, createSupervisor } from '../src/modules/cameras/index.js';
import type { Supervisor } from '../src/modules/cameras/index.js';
import { startCameraSimulator } from '../src/tools/camera-sim/simulator.js';
import type { CameraSimulator } from '../src/tools/camera-sim/simulator.js';
import { pollUntil } from './helpers/poll.js';

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
  // Bounded against a hang only: 500 reconnects at 100 a second take what a loaded machine gives them.
  const until = (what: string, condition: () => boolean) =>
    pollUntil(
      () => ({ met: condition(), states: supervisor.countByState() }),
      ({ met }) => met,
      { timeoutMs: 90_000, intervalMs: 100, what },
    );
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
    await until('every camera running', () => running() === COUNT);

    sim.setFaultAll({ mode: 'refuse' });
    await until('every camera down', () => running() === 0);
    // Refused retries, as many as there are cameras (the gate lets 100 a second through).
    const refusedBefore = sim.stats().refused;
    await until('refused retries', () => sim.stats().refused >= refusedBefore + COUNT);
    sim.setFaultAll({ mode: 'none' });
    await until('every camera back', () => running() === COUNT);

    expect(supervisor.countByState().running + supervisor.countByState().degraded).toBe(COUNT);
    expect(gate.peakPerSecond()).toBeLessThanOrEqual(CAP);
    expect(peakSeenBySimulator()).toBeLessThanOrEqual(CAP);
    // Every camera reconnected at least once, and the outage was seen as such.
    expect(sim.stats().attempts).toBeGreaterThan(2 * COUNT);
  }, 300_000);
});
