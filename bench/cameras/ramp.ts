// (1) Sustained cameras: a ramp of N cameras added to the running ones on a Vigil with a high
// connection cap; per step one measured window (CPU, memory, event-loop delay, new frames/s against
// N × 5, cameras running, GET /cameras/{id}/status latency), judged against SUSTAIN.
import os from 'node:os';
import type { CameraChild } from './children.js';
import { startVigilChild } from './children.js';
import type { RampStep, WindowFigures } from './result.js';
import { BASE, FPS, IDLE_SETTLE_GCS, RAMP_CONNECT_RATE, SETUP_CONCURRENCY, SUSTAIN } from './settings.js';
import type { CamerasSettings } from './settings.js';
import { degraded, registerCameras, running, startCameras, vigilApi, waitRunning } from './setup.js';
import type { VigilApi } from './setup.js';
import { machineCpu, median, round1, round2, round4, sleep, stats } from './tools.js';

async function measureWindow(
  vigil: CameraChild,
  sim: CameraChild,
  api: VigilApi,
  ids: readonly string[],
  seconds: number,
  problem: (text: string) => void,
): Promise<WindowFigures> {
  const cameras = ids.length;
  const [vigil0, sim0, simStats0, metrics0] = await Promise.all([vigil.usage(true), sim.usage(), sim.stats(), api.metrics()]);
  const bench0 = process.cpuUsage();
  const machine0 = machineCpu();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;

  // Control-plane responsiveness: the status of a random camera, one request every 100 ms.
  const statusTimes: number[] = [];
  const probe = async () => {
    while (cameras > 0 && performance.now() < end) {
      const id = ids[Math.floor(Math.random() * cameras)]!;
      const answer = await api.client.send('GET', `${BASE}/${id}/status`);
      if (answer.status !== 200) problem(`GET ${BASE}/{id}/status answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      else statusTimes.push(answer.ms);
      await sleep(Math.max(0, 100 - answer.ms));
    }
  };
  // Once a second: RSS and the cameras' states.
  const rss: number[] = [];
  const heap: number[] = [];
  let runningMin = running(metrics0);
  let degradedMax = degraded(metrics0);
  const sample = async () => {
    for (let next = t0 + 1000; next < end; next += 1000) {
      await sleep(Math.max(0, next - performance.now()));
      const [usage, m] = await Promise.all([vigil.usage(), api.metrics()]);
      rss.push(usage.rssBytes);
      heap.push(usage.heapUsedBytes);
      runningMin = Math.min(runningMin, running(m));
      degradedMax = Math.max(degradedMax, degraded(m));
    }
  };
  await Promise.all([probe(), sample(), sleep(seconds * 1000)]);

  const [vigil1, sim1, simStats1, metrics1] = await Promise.all([vigil.usage(true), sim.usage(), sim.stats(), api.metrics()]);
  const bench1 = process.cpuUsage(bench0);
  const machine1 = machineCpu();
  const wallMicros = (performance.now() - t0) * 1000;
  const wallSeconds = wallMicros / 1e6;
  rss.push(vigil1.rssBytes);
  heap.push(vigil1.heapUsedBytes);
  runningMin = Math.min(runningMin, running(metrics1));
  degradedMax = Math.max(degradedMax, degraded(metrics1));
  const frames = (metrics1.get('camera_frames_total') ?? 0) - (metrics0.get('camera_frames_total') ?? 0);
  const collected = await vigil.usage(false, true);
  const database = await vigil.databaseSizes();
  if (!collected.afterGc) problem('the Vigil child could not collect garbage (no --expose-gc): the after-GC memory is not after GC');
  return {
    cameras,
    seconds: round2(wallSeconds),
    vigilCpu: round4((vigil1.cpuMicros - vigil0.cpuMicros) / wallMicros),
    vigilLoopDelayMs: vigil1.loopDelayMs,
    rssBytes: median(rss),
    heapUsedBytes: median(heap),
    afterGc: {
      rssBytes: collected.rssBytes,
      heapUsedBytes: collected.heapUsedBytes,
      externalBytes: collected.externalBytes,
      liveBytes: collected.heapUsedBytes + collected.externalBytes,
    },
    database,
    framesPerSecond: round1(frames / wallSeconds),
    expectedFramesPerSecond: cameras * FPS,
    simFramesPerSecond: round1((simStats1.framesSent - simStats0.framesSent) / wallSeconds),
    simSkippedPerSecond: round1((simStats1.framesSkipped - simStats0.framesSkipped) / wallSeconds),
    simCpu: round4((sim1.cpuMicros - sim0.cpuMicros) / wallMicros),
    benchCpu: round4((bench1.user + bench1.system) / wallMicros),
    otherCpu:
      machine0 && machine1
        ? round2(
            Math.max(
              0,
              (machine1.busy - machine0.busy) / wallSeconds -
                (vigil1.cpuMicros - vigil0.cpuMicros + sim1.cpuMicros - sim0.cpuMicros + bench1.user + bench1.system) / wallMicros,
            ),
          )
        : null,
    runningMin,
    runningEnd: running(metrics1),
    degradedMax,
    statusMs: stats(statusTimes),
    loadAverage: round2(os.loadavg()[0]!),
  };
}

function judge(step: WindowFigures): string[] {
  const reasons: string[] = [];
  if (step.vigilCpu >= SUSTAIN.maxCpu) reasons.push(`CPU ${Math.round(step.vigilCpu * 100)}% ≥ 100% of a core`);
  if (step.runningMin < SUSTAIN.minRunning * step.cameras)
    reasons.push(`${step.runningMin} of ${step.cameras} running at the lowest (< ${SUSTAIN.minRunning * 100}%)`);
  const frames = step.expectedFramesPerSecond > 0 ? step.framesPerSecond / step.expectedFramesPerSecond : 1;
  if (frames < SUSTAIN.minFrames) reasons.push(`${(frames * 100).toFixed(1)}% of the expected frames (< ${SUSTAIN.minFrames * 100}%)`);
  return reasons;
}

export async function runRamp(
  sim: CameraChild,
  settings: CamerasSettings,
  problem: (text: string) => void,
  progress: (line: string) => void,
) {
  const vigil = await startVigilChild(RAMP_CONNECT_RATE, settings, progress);
  const api = vigilApi(vigil.child.url, problem);
  try {
    await api.signIn();
    await api.createUnit();
    // Start-up leaves a couple of hundred MB (PGlite's initialisation) that only goes after a few
    // collections some seconds apart, and RSS follows later: let it go before the idle baseline.
    for (let i = 0; i < IDLE_SETTLE_GCS; i++) {
      await vigil.child.usage(false, true);
      await sleep(2_000);
    }
    const idle = await measureWindow(vigil.child, sim, api, [], Math.min(5, settings.windowSeconds), problem);
    progress(`cameras: idle (no camera): Vigil CPU ${(idle.vigilCpu * 100).toFixed(1)}%, RSS ${(idle.rssBytes / 2 ** 20).toFixed(1)} MB`);
    const ids: string[] = [];
    const steps: RampStep[] = [];
    let stoppedBy = `the last step (${settings.steps.at(-1)!}; BENCH_CAMERAS_MAX)`;
    for (const n of settings.steps) {
      const t0 = performance.now();
      const added = await registerCameras(api, sim.url, ids.length + 1, n);
      const t1 = performance.now();
      const startCallMs = stats(await startCameras(api, added));
      ids.push(...added);
      const registerSeconds = round2((t1 - t0) / 1000);
      const startSeconds = round2((performance.now() - t1) / 1000);
      const toRunningSeconds = await waitRunning(api, n, 30_000 + (added.length / RAMP_CONNECT_RATE) * 2_000);
      progress(
        `cameras: ${n} cameras: +${added.length} registered in ${registerSeconds} s, started in ${startSeconds} s ` +
          `(start call p50 ${startCallMs.p50.toFixed(0)} ms, ${SETUP_CONCURRENCY} in flight), ` +
          (toRunningSeconds === null ? 'not all running in the time allowed' : `all running after ${toRunningSeconds} s`) +
          `; settling ${settings.settleSeconds} s, measuring ${settings.windowSeconds} s`,
      );
      await sleep(settings.settleSeconds * 1000);
      const window = await measureWindow(vigil.child, sim, api, ids, settings.windowSeconds, problem);
      const reasons = judge(window);
      if (toRunningSeconds === null) reasons.unshift('not all running within the time allowed');
      const step: RampStep = {
        ...window,
        registerSeconds,
        startSeconds,
        startCallMs,
        toRunningSeconds,
        sustained: reasons.length === 0,
        reasons,
      };
      steps.push(step);
      progress(
        `cameras: ${n} cameras: Vigil CPU ${(window.vigilCpu * 100).toFixed(1)}%, RSS ${(window.rssBytes / 2 ** 20).toFixed(1)} MB, ` +
          `frames ${window.framesPerSecond}/${window.expectedFramesPerSecond} per s, running ≥ ${window.runningMin}, ` +
          `status p95 ${window.statusMs.p95.toFixed(2)} ms, loop p99 ${window.vigilLoopDelayMs.p99} ms, sim CPU ${(window.simCpu * 100).toFixed(0)}%` +
          ` → ${step.sustained ? 'sustained' : `not sustained (${reasons.join('; ')})`}`,
      );
      if (!step.sustained) {
        stoppedBy = `the first step not sustained (${n})`;
        break;
      }
    }
    const best = [...steps].reverse().find((s) => s.sustained);
    return {
      idle,
      steps,
      largestSustained: best?.cameras ?? 0,
      memoryPerCameraBytes: best ? Math.round((best.rssBytes - idle.rssBytes) / best.cameras) : null,
      liveMemoryPerCameraBytes: best ? Math.round((best.afterGc.liveBytes - idle.afterGc.liveBytes) / best.cameras) : null,
      databaseGrowthBytes: best ? best.database.database - idle.database.database : null,
      netMemoryPerCameraBytes: best
        ? Math.round((best.afterGc.liveBytes - idle.afterGc.liveBytes - (best.database.database - idle.database.database)) / best.cameras)
        : null,
      slopePerCameraBytes:
        best && steps[0] && best.cameras > steps[0].cameras
          ? {
              rss: Math.round((best.rssBytes - steps[0].rssBytes) / (best.cameras - steps[0].cameras)),
              live: Math.round((best.afterGc.liveBytes - steps[0].afterGc.liveBytes) / (best.cameras - steps[0].cameras)),
            }
          : null,
      stoppedBy,
    };
  } finally {
    api.close();
    await vigil.stop();
  }
}
