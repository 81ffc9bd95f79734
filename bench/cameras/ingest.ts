// (6) Ingest cost: the camera supervisor and its workers alone (bench/cameras/child.ts `ingest`), no
// database and no HTTP API, at a few camera counts: CPU per new frame and memory per camera, from
// the process's own CPU time and memory after a full GC. With BENCH_CAMERAS_BASELINE_ROOT (another
// checkout, e.g. `git worktree add /tmp/base main`), the same is measured for that checkout's
// runtime in the same run, in alternating rounds (candidate, baseline, candidate, baseline ...).
import type { CameraChild } from './children.js';
import { startCameraChild } from './children.js';
import { FPS } from './settings.js';
import { round1, round2, round4, sleep } from './tools.js';

export interface IngestStep {
  cameras: number;
  running: number;
  seconds: number;
  /** New frames per second the workers counted, and cameras × 5. */
  framesPerSecond: number;
  expectedFramesPerSecond: number;
  /** CPU of the process over the window, as a share of one core. */
  cpu: number;
  /** CPU µs per new frame over the window, the idle process's CPU taken off. */
  cpuPerFrameUs: number;
  /** After a full GC at the end of the window. */
  rssBytes: number;
  liveBytes: number;
  /** Stall cuts over the window (there should be none). */
  stalls: number;
}

export interface IngestRun {
  label: string;
  root: string;
  round: number;
  idle: { cpu: number; rssBytes: number; liveBytes: number };
  steps: IngestStep[];
  /** Between the first and the last step: the CPU of one more frame, and the memory of one more camera. */
  slope: { cpuPerFrameUs: number; rssPerCameraBytes: number; livePerCameraBytes: number } | null;
}

async function window(child: CameraChild, seconds: number) {
  const [u0, f0] = await Promise.all([child.usage(true), child.frames()]);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const [u1, f1] = await Promise.all([child.usage(true), child.frames()]);
  const wallMicros = (performance.now() - t0) * 1000;
  const memory = await child.usage(false, true);
  return {
    seconds: wallMicros / 1e6,
    cpuMicros: u1.cpuMicros - u0.cpuMicros,
    cpu: (u1.cpuMicros - u0.cpuMicros) / wallMicros,
    frames: f1.frames - f0.frames,
    stalls: f1.stalls - f0.stalls,
    running: f1.running,
    rssBytes: memory.rssBytes,
    liveBytes: memory.heapUsedBytes + memory.externalBytes,
  };
}

export async function measureIngest(
  simUrl: string,
  options: {
    label: string;
    root: string | undefined;
    round: number;
    steps: readonly number[];
    settleSeconds: number;
    windowSeconds: number;
    /** A directory: the child runs with --cpu-prof into it. */
    profileDir?: string | undefined;
  },
  progress: (line: string) => void,
): Promise<IngestRun> {
  const child = await startCameraChild('ingest', options.root ? { BENCH_CAMERAS_INGEST_ROOT: options.root } : {}, [
    '--expose-gc',
    ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
  ]);
  progress(
    `cameras: ingest ${options.label} (round ${options.round}) in pid ${child.pid}` +
      (options.profileDir ? `, profiling into ${options.profileDir}` : ''),
  );
  try {
    for (let i = 0; i < 4; i++) {
      await child.usage(false, true);
      await sleep(1_000);
    }
    const idle = await window(child, Math.min(5, options.windowSeconds));
    const steps: IngestStep[] = [];
    for (const n of options.steps) {
      const running = await child.ingest(simUrl, n, 60_000 + (n / 200) * 2_000);
      await sleep(options.settleSeconds * 1000);
      const w = await window(child, options.windowSeconds);
      const step: IngestStep = {
        cameras: n,
        running: Math.min(running, w.running),
        seconds: round2(w.seconds),
        framesPerSecond: round1(w.frames / w.seconds),
        expectedFramesPerSecond: n * FPS,
        cpu: round4(w.cpu),
        cpuPerFrameUs: w.frames > 0 ? round2((w.cpuMicros - idle.cpu * w.seconds * 1e6) / w.frames) : 0,
        rssBytes: w.rssBytes,
        liveBytes: w.liveBytes,
        stalls: w.stalls,
      };
      steps.push(step);
      progress(
        `cameras: ingest ${options.label} (round ${options.round}) ${n} cameras: ${step.running} running, ${step.framesPerSecond} new frames/s, ` +
          `CPU ${(step.cpu * 100).toFixed(1)}%, ${step.cpuPerFrameUs.toFixed(1)} µs/frame, RSS ${(step.rssBytes / 2 ** 20).toFixed(1)} MB, ` +
          `live ${(step.liveBytes / 2 ** 20).toFixed(1)} MB, stalls ${step.stalls}`,
      );
    }
    const first = steps[0];
    const last = steps.at(-1);
    const slope =
      first && last && last.cameras > first.cameras && last.framesPerSecond > first.framesPerSecond
        ? {
            cpuPerFrameUs: round2(((last.cpu - first.cpu) * 1e6) / (last.framesPerSecond - first.framesPerSecond)),
            rssPerCameraBytes: Math.round((last.rssBytes - first.rssBytes) / (last.cameras - first.cameras)),
            livePerCameraBytes: Math.round((last.liveBytes - first.liveBytes) / (last.cameras - first.cameras)),
          }
        : null;
    return {
      label: options.label,
      root: options.root ?? '(this checkout)',
      round: options.round,
      idle: { cpu: round4(idle.cpu), rssBytes: idle.rssBytes, liveBytes: idle.liveBytes },
      steps,
      slope,
    };
  } finally {
    await child.stop();
  }
}
