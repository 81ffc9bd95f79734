// The cameras benchmark's phase (6) alone: the camera supervisor and its workers in a child
// process, ingesting simulator cameras at 5 fps; CPU per new frame and memory per camera (see
// docs/benchmarks.md#cameras). `npx tsx bench/cameras-ingest.ts`, not part of `npm run bench`: a
// few minutes instead of the whole cameras scenario, for work on the ingest. It reads the same
// BENCH_CAMERAS_* variables (INGEST_STEPS, INGEST_ROUNDS, BASELINE_ROOT, SETTLE, WINDOW, PROFILE);
// the other phases' are ignored.
import os from 'node:os';
import { installChildCleanup } from './children.js';
import { startCameraChild } from './cameras/children.js';
import { runIngest } from './cameras/index.js';
import { ingestLines } from './cameras/report.js';
import { readCamerasSettings } from './cameras/settings.js';

installChildCleanup();
const settings = readCamerasSettings(process.env);
const progress = (line: string) => process.stderr.write(`${line}\n`);
const loadBefore = os.loadavg().map((v) => v.toFixed(2));
const sim = await startCameraChild('simulator', { BENCH_CAMERAS_SIM_COUNT: String(settings.ingestSteps.at(-1) ?? 0) });
progress(`cameras: simulator up at ${sim.url} (pid ${sim.pid})`);
try {
  const ingest = await runIngest(sim.url, settings, progress);
  const loadAfter = os.loadavg().map((v) => v.toFixed(2));
  process.stdout.write(
    `${[...ingestLines({ ingest }), '', `load average (1/5/15 min) at start: ${loadBefore.join(' / ')}, at end: ${loadAfter.join(' / ')} on ${os.cpus().length} CPUs`].join('\n')}\n`,
  );
} finally {
  await sim.stop();
}
