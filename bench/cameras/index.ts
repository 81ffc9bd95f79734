// The cameras benchmark: one Vigil process ingesting simulated MJPEG cameras at 5 fps. Vigil and
// the camera simulator each run in a child process of their own (bench/cameras/child.ts), so that
// Vigil's CPU time and RSS are its own, without the simulator's or this process's (which only sends
// the HTTP requests, over loopback). Four measures, as the issue asks:
//
// 1. sustained cameras: a ramp of N (cameras added to the running ones at each step); per step
//    Vigil's CPU, RSS, event-loop delay, new frames/s against N × 5, cameras running and the p95 of
//    GET /cameras/{id}/status; the largest N that keeps CPU under one core, ≥ 99% of the cameras
//    running and ≥ 95% of the frames; memory per camera from the RSS;
// 2. POST /cameras/batch-status with 1,000 ids, p50/p95/p99;
// 3. stall detection: `stall` or `frozen` injected on one camera at a time (spaced), the time from
//    the camera's last new frame to its state change, p50/p95/p99/max, checked against /metrics;
// 4. drop and return: every running camera refused at once, then back; the time until all run
//    again and the peak connection attempts per second against the cap;
// 5. recovery (issue 14): cameras whose sources are gone for 2 s, 30 s and 5 minutes, the time from
//    the return until each runs again, p95 against 10 s (and on a baseline Vigil with the former
//    60 s backoff cap); and no false alarm on sources in `slow` and `jitter`;
// 6. the ingest alone (the supervisor and its workers in a process of their own): CPU per new frame
//    and memory per camera, against 15 µs and 64 KB (and another checkout's, when given).
//
// (1) runs on a first Vigil with VIGIL_CAMERA_CONNECT_RATE=200 (so the ramp does not wait on the
//
// The files: settings.ts (fixed figures, BENCH_CAMERAS_*), result.ts (what is measured), setup.ts
// (the API of a Vigil child, registering and starting cameras), children.ts and child.ts (the child
// processes), ramp.ts (1), batch-status.ts (2), stalls.ts (3), drop-return.ts (4), fleet.ts (2)-(4)
// on one Vigil, report.ts (the printed report), tools.ts.
import os from 'node:os';
import { startCameraChild } from './children.js';
import { runFleet } from './fleet.js';
import { measureIngest } from './ingest.js';
import type { IngestRun } from './ingest.js';
import { runRamp } from './ramp.js';
import type { CamerasResult } from './result.js';
import { DEFAULT_CONNECT_RATE, FPS, GOALS, RAMP_CONNECT_RATE, SUSTAIN } from './settings.js';
import type { CamerasSettings } from './settings.js';
import { median, round2, sleep } from './tools.js';

export { formatCameras } from './report.js';
export type { CamerasResult, Detection, LatencyStats, RampStep, WindowFigures } from './result.js';
export { CAMERAS_SCENARIO, readCamerasSettings } from './settings.js';
export type { CamerasSettings } from './settings.js';

export async function runCameras(settings: CamerasSettings, progress: (line: string) => void): Promise<CamerasResult> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20 && !problems.includes(text)) problems.push(text);
  };
  const loadAverageBefore = os.loadavg().map(round2);
  const registered = Math.max(settings.batchCameras, settings.dropCameras);
  const simCount = Math.max(
    settings.steps.at(-1) ?? 0,
    registered + (settings.recoveryBaseline ? settings.outages.length * settings.outageCameras : 0),
    settings.ingestSteps.at(-1) ?? 0,
  );
  const sim = await startCameraChild('simulator', { BENCH_CAMERAS_SIM_COUNT: String(simCount) });
  progress(`cameras: simulator up at ${sim.url} (pid ${sim.pid}, ${simCount} cameras, ${FPS} fps, 320×240)`);
  try {
    progress(`cameras: (1) ramp ${settings.steps.join(', ')} (stops at the first step not sustained)`);
    const ramp = await runRamp(sim, settings, problem, progress);
    await sleep(2_000); // the simulator lets go of the first Vigil's streams
    const ingest = await runIngest(sim.url, settings, progress);
    await sleep(2_000);
    progress(
      `cameras: (2)-(4) ${Math.max(settings.batchCameras, settings.dropCameras)} cameras registered, ${settings.dropCameras} running`,
    );
    const fleet = await runFleet(sim, settings, problem, progress);
    const loadAverageAfter = os.loadavg().map(round2);
    return {
      settings: {
        ...settings,
        fps: FPS,
        frame: '320×240 JPEG, quality 60',
        rampConnectRate: RAMP_CONNECT_RATE,
        connectRate: DEFAULT_CONNECT_RATE,
        sustain: SUSTAIN,
      },
      environment: { cpus: os.cpus().length, loadAverageBefore, loadAverageAfter },
      ramp,
      ...fleet,
      ingest,
      loadAverage: { before: loadAverageBefore[0]!, after: loadAverageAfter[0]!, cpus: os.cpus().length },
      problems,
      ok: problems.length === 0,
    };
  } finally {
    await sim.stop();
  }
}

/** (6) The ingest alone, in alternating rounds with the baseline checkout when one is given. */
export async function runIngest(
  simUrl: string,
  settings: CamerasSettings,
  progress: (line: string) => void,
): Promise<CamerasResult['ingest']> {
  const runs: IngestRun[] = [];
  const common = { steps: settings.ingestSteps, settleSeconds: settings.settleSeconds, windowSeconds: settings.windowSeconds };
  progress(
    `cameras: (6) the ingest alone at ${settings.ingestSteps.join(', ')} cameras, ${settings.ingestRounds} round(s)` +
      (settings.baselineRoot ? `, alternating with the baseline at ${settings.baselineRoot}` : ''),
  );
  for (let round = 1; round <= settings.ingestRounds; round++) {
    const order = settings.baselineRoot
      ? round % 2 === 1
        ? (['candidate', 'baseline'] as const)
        : (['baseline', 'candidate'] as const)
      : (['candidate'] as const);
    for (const label of order) {
      runs.push(
        await measureIngest(
          simUrl,
          {
            ...common,
            label,
            root: label === 'baseline' ? settings.baselineRoot : undefined,
            round,
            // The baseline is profiled too: the profiles' names carry the pid, the progress lines say which is which.
            profileDir: settings.profileDir,
          },
          progress,
        ),
      );
      await sleep(2_000);
    }
  }
  const candidate = runs.filter((r) => r.label === 'candidate');
  const lastSteps = candidate.map((r) => r.steps.at(-1)).filter((s) => s !== undefined);
  const cpuPerFrameUs = lastSteps.length > 0 ? median(lastSteps.map((s) => s.cpuPerFrameUs)) : null;
  const slopes = candidate.map((r) => r.slope?.rssPerCameraBytes).filter((v): v is number => v !== undefined);
  const memoryPerCameraBytes = slopes.length > 0 ? median(slopes) : null;
  return {
    runs,
    cpuPerFrameUs,
    memoryPerCameraBytes,
    goal: {
      cpuPerFrameUs: GOALS.cpuPerFrameUs,
      memoryPerCameraBytes: GOALS.memoryPerCameraBytes,
      cpuStatus: cpuPerFrameUs !== null && cpuPerFrameUs <= GOALS.cpuPerFrameUs ? 'PASS' : 'FAIL',
      memoryStatus: memoryPerCameraBytes !== null && memoryPerCameraBytes <= GOALS.memoryPerCameraBytes ? 'PASS' : 'FAIL',
    },
  };
}
