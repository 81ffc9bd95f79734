// The cameras benchmark's printed report.
import type { CamerasResult, RampStep, WindowFigures } from './result.js';
import {
  BATCH_WARMUP,
  CAMERAS_SCENARIO,
  METRICS_POLL_MS,
  OTHER_CPU_NOTE,
  SIM_SAMPLE_MS,
  STALL_GIVE_UP_MS,
  STALL_SPACING_MS,
} from './settings.js';

const thousands = new Intl.NumberFormat('en-US');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd(),
  );
}

function rampTable(result: CamerasResult): string[] {
  const header = [
    'cameras',
    'start p50 ms',
    'to running s',
    'Vigil CPU',
    'loop p99 ms',
    'RSS MB',
    'live MB',
    'db MB',
    'new frames/s (of N×5)',
    'sim sent/s',
    'running min',
    'degraded max',
    'status p95 ms',
    'sim CPU',
    'other CPU',
    'sustains',
  ];
  const row = (w: WindowFigures, step: RampStep | undefined) => [
    thousands.format(w.cameras),
    step ? step.startCallMs.p50.toFixed(0) : '-',
    step ? (step.toRunningSeconds === null ? 'timeout' : step.toRunningSeconds.toFixed(1)) : '-',
    pct(w.vigilCpu),
    w.vigilLoopDelayMs.p99.toFixed(1),
    mb(w.rssBytes),
    mb(w.afterGc.liveBytes),
    mb(w.database.database),
    w.expectedFramesPerSecond > 0
      ? `${thousands.format(Math.round(w.framesPerSecond))} / ${thousands.format(w.expectedFramesPerSecond)} (${((w.framesPerSecond / w.expectedFramesPerSecond) * 100).toFixed(1)}%)`
      : '-',
    w.expectedFramesPerSecond > 0 ? thousands.format(Math.round(w.simFramesPerSecond)) : '-',
    w.cameras > 0 ? `${thousands.format(w.runningMin)} (${((w.runningMin / w.cameras) * 100).toFixed(1)}%)` : '-',
    String(w.degradedMax),
    w.statusMs.samples > 0 ? w.statusMs.p95.toFixed(2) : '-',
    pct(w.simCpu),
    w.otherCpu === null ? '-' : `${w.otherCpu.toFixed(2)} cores`,
    step ? (step.sustained ? 'yes' : 'NO') : '-',
  ];
  return table(
    [header, row(result.ramp.idle, undefined), ...result.ramp.steps.map((s) => row(s, s))],
    [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, false],
  );
}

export function formatCameras(result: CamerasResult): string {
  const s = result.settings;
  const { ramp, batchStatus, stalls, dropReturn } = result;
  const best = ramp.steps.find((step) => step.cameras === ramp.largestSustained);
  const failed = ramp.steps.find((step) => !step.sustained);
  const lines = [
    `${CAMERAS_SCENARIO}: one Vigil process (child, PGlite in memory, logger to /dev/null) ingesting simulated MJPEG cameras ` +
      `(${s.fps} fps, ${s.frame}) from a simulator in another child; requests from this process over 127.0.0.1`,
    `CPU = share of one core (process.cpuUsage of that process); RSS = Vigil's, median of 1 s samples; windows of ${s.windowSeconds} s ` +
      `after ${s.settleSeconds} s settling`,
    '',
    `(1) sustained cameras: ramp adding cameras to the running ones, VIGIL_CAMERA_CONNECT_RATE=${s.rampConnectRate}; a step sustains with ` +
      `Vigil CPU < 100%, ≥ ${s.sustain.minRunning * 100}% running (fewest seen), ≥ ${s.sustain.minFrames * 100}% of N×5 new frames/s`,
    '',
    ...rampTable(result).map((l) => `  ${l}`),
    '',
    `  largest sustained: ${thousands.format(ramp.largestSustained)} cameras (ramp ended at ${ramp.stoppedBy})`,
  ];
  if (failed) lines.push(`  ${thousands.format(failed.cameras)} cameras not sustained: ${failed.reasons.join('; ')}`);
  if (best && ramp.memoryPerCameraBytes !== null) {
    lines.push(
      `  memory per camera: (RSS ${mb(best.rssBytes)} MB at ${thousands.format(best.cameras)} − ${mb(ramp.idle.rssBytes)} MB idle) / ` +
        `${thousands.format(best.cameras)} = ${(ramp.memoryPerCameraBytes / 1024).toFixed(0)} KB`,
      `  live memory per camera, after a full GC: (heap ${mb(best.afterGc.heapUsedBytes)} + external ${mb(best.afterGc.externalBytes)} = ` +
        `${mb(best.afterGc.liveBytes)} MB − ${mb(ramp.idle.afterGc.liveBytes)} MB idle) / ${thousands.format(best.cameras)} = ` +
        `${((ramp.liveMemoryPerCameraBytes ?? 0) / 1024).toFixed(0)} KB (RSS after GC ${mb(best.afterGc.rssBytes)} MB vs. ${mb(ramp.idle.afterGc.rssBytes)} MB idle)`,
      `  of which the embedded database grew ${mb(ramp.idle.database.database)} → ${mb(best.database.database)} MB (camera_runtime ` +
        `${mb(best.database.camera_runtime)} MB, camera_leases ${mb(best.database.camera_leases)} MB, camera_events ` +
        `${mb(best.database.camera_events)} MB, audit_events ${mb(best.database.audit_events)} MB, cameras ${mb(best.database.cameras)} MB); ` +
        `net of it: ${((ramp.netMemoryPerCameraBytes ?? 0) / 1024).toFixed(0)} KB per camera`,
    );
    const first = ramp.steps[0];
    if (ramp.slopePerCameraBytes && first) {
      lines.push(
        `  slope from ${thousands.format(first.cameras)} to ${thousands.format(best.cameras)} cameras (no idle baseline): RSS ` +
          `${(ramp.slopePerCameraBytes.rss / 1024).toFixed(0)} KB, live ${(ramp.slopePerCameraBytes.live / 1024).toFixed(0)} KB per camera`,
      );
    }
  }
  lines.push(
    '  live MB: JS heap + external memory (Buffers, PGlite) after a full GC at the end of the window; db MB: pg_database_size of',
    '  the in-memory PGlite database, which lives in that memory; new frames/s can exceed N×5 by a frame tick or so: the',
    '  simulator sends every camera its frame at once, 5 times a second, and a window holds ±1 tick',
  );
  if (best) {
    lines.push(
      `  at ${thousands.format(best.cameras)}: Vigil CPU ${pct(best.vigilCpu)} (${((best.vigilCpu * 1e6) / Math.max(1, best.framesPerSecond)).toFixed(0)} µs per new frame), ` +
        `simulator CPU ${pct(best.simCpu)}, this process ${pct(best.benchCpu)}, frames skipped by the simulator ${best.simSkippedPerSecond}/s`,
    );
  }
  lines.push(
    '',
    `(2) POST /api/v1/cameras/batch-status with ${thousands.format(batchStatus.ids)} ids (${batchStatus.running} running, ` +
      `${batchStatus.notRunning} registered and not started; VIGIL_CAMERA_CONNECT_RATE=${s.connectRate}), sequential, after ${BATCH_WARMUP} warm-up`,
    '',
    ...table(
      [
        ['samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        [
          String(batchStatus.latencyMs.samples),
          batchStatus.latencyMs.p50.toFixed(2),
          batchStatus.latencyMs.p95.toFixed(2),
          batchStatus.latencyMs.p99.toFixed(2),
          batchStatus.latencyMs.max.toFixed(2),
        ],
      ],
      [true, true, true, true, true],
    ).map((l) => `  ${l}`),
    '',
    `(3) stall detection: ${stalls.detections.length} cameras of ${dropReturn.cameras} running, one every ${STALL_SPACING_MS} ms ` +
      `(${stalls.byKind.stall.samples} stall, ${stalls.byKind.frozen.samples} frozen); time from the camera's last new frame (lastFrameAt)`,
    '',
  );
  const stallRows = [
    ['measure', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'goal p99', 'status'],
    ...(
      [
        ['declared down: `since` of reconnecting (STALLED/FROZEN)', stalls.declaredMs, true],
        ['  of which stall', stalls.byKind.stall, false],
        ['  of which frozen', stalls.byKind.frozen, false],
        ['left running: first state change (camera log)', stalls.leftRunningMs, false],
      ] as const
    ).map(([label, st, goal]) => [
      label,
      String(st.samples),
      st.p50.toFixed(0),
      st.p95.toFixed(0),
      st.p99.toFixed(0),
      st.max.toFixed(0),
      goal ? `< ${stalls.goal.p99LimitMs} ms` : '-',
      goal ? stalls.goal.status : '-',
    ]),
  ];
  lines.push(...table(stallRows, [false, true, true, true, true, true, false, false]).map((l) => `  ${l}`), '');
  lines.push(
    `  ${stalls.viaDegraded} of ${stalls.detections.length} went running → degraded before reconnecting; missed (not declared within ` +
      `${STALL_GIVE_UP_MS / 1000} s): ${stalls.missed}`,
    `  camera_offline_detection_seconds over the phase: ${stalls.histogram.count} observations, mean ${stalls.histogram.meanSeconds} s, ` +
      `p99 ≤ ${stalls.histogram.p99AtMostSeconds ?? '-'} s (bucket bound)`,
    '',
    `(4) drop and return: ${dropReturn.cameras} running cameras refused at once (POST /faults {"mode":"refuse"}), back once all had left ` +
      `running ({"mode":"none"}); VIGIL_CAMERA_CONNECT_RATE=${dropReturn.cap}`,
    '',
    ...table(
      [
        ['measure', 'value', 'goal', 'status'],
        [
          'all left running after the drop',
          dropReturn.allDownSeconds === null ? 'timeout' : `${dropReturn.allDownSeconds.toFixed(2)} s`,
          '-',
          '-',
        ],
        [
          'all running again after the return',
          dropReturn.recoverySeconds === null ? 'timeout' : `${dropReturn.recoverySeconds.toFixed(2)} s`,
          `- (≥ ${dropReturn.cameras} × 1.1 s/${dropReturn.cap} = ${((dropReturn.cameras * 1.1) / dropReturn.cap).toFixed(0)} s by the cap)`,
          '-',
        ],
        [
          `peak attempts in any 1 s, simulator (${SIM_SAMPLE_MS} ms samples)`,
          String(dropReturn.peakPerSecond.simulator),
          `≤ ${dropReturn.cap}`,
          dropReturn.peakPerSecond.simulator <= dropReturn.cap ? 'PASS' : 'FAIL',
        ],
        [
          `peak attempts in any 1 s, camera_connect_attempts_total (${METRICS_POLL_MS} ms samples)`,
          String(dropReturn.peakPerSecond.vigil),
          `≤ ${dropReturn.cap}`,
          dropReturn.peakPerSecond.vigil <= dropReturn.cap ? 'PASS' : 'FAIL',
        ],
        [
          `shortest span with ${dropReturn.cap + 1} attempts at the simulator`,
          dropReturn.capPlusOneSpanMs === null ? 'never' : `${dropReturn.capPlusOneSpanMs} ms`,
          '-',
          '-',
        ],
        [
          'attempts over the episode: simulator / Vigil (refused)',
          `${thousands.format(dropReturn.attempts.simulator)} / ${thousands.format(dropReturn.attempts.vigil)} (${thousands.format(dropReturn.attempts.refused)})`,
          '-',
          '-',
        ],
      ],
      [false, true, false, false],
    ).map((l) => `  ${l}`),
  );
  if (dropReturn.peakPerSecond.simulator > dropReturn.cap && dropReturn.peakPerSecond.vigil <= dropReturn.cap) {
    lines.push(
      `  note: Vigil's own count (its gate admits at most ${dropReturn.cap} attempts in any 1.1 s, 1.1/${dropReturn.cap} s apart) stayed ` +
        `within the cap while the simulator saw more: requests arrive bunched when either event loop is late (${dropReturn.cap + 1} ` +
        `attempts in ${dropReturn.capPlusOneSpanMs ?? '-'} ms at the simulator).`,
    );
  }
  lines.push('', ...recoveryLines(result), '', ...ingestLines(result));
  lines.push(
    '',
    `load average (1/5/15 min) at start: ${result.environment.loadAverageBefore.join(' / ')}, at end: ${result.environment.loadAverageAfter.join(' / ')} ` +
      `on ${result.environment.cpus} CPUs (the benchmark's own Vigil and simulator are part of it; per ramp step, 1 min: ` +
      `${ramp.steps.map((st) => st.loadAverage.toFixed(2)).join(', ')})`,
  );
  if (result.loadAverage.before > 0.5) lines.push('  note: the machine was not idle when the run started; other work skews these figures.');
  const busiest = Math.max(0, ...[ramp.idle, ...ramp.steps].map((w) => w.otherCpu ?? 0), result.otherCpu ?? 0);
  lines.push(
    `other work on the machine (all CPUs' busy time minus the benchmark's three processes): up to ${busiest.toFixed(2)} cores in the ` +
      `ramp's windows, ${result.otherCpu === null ? '-' : result.otherCpu.toFixed(2)} cores on average during (2)-(4)`,
  );
  if (busiest > OTHER_CPU_NOTE)
    lines.push(`  note: other work used more than ${OTHER_CPU_NOTE} of a core at times; the figures measured then are skewed.`);
  for (const text of result.problems) lines.push(`  FAILED: ${text}`);
  if (result.problems.length > 0) lines.push('  INVALID: unexpected answers, these figures measure something else');
  return lines.join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const tallyText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ') || '-';

function recoveryLines(result: CamerasResult): string[] {
  const { recovery } = result;
  const s = result.settings;
  const lines = [
    `(5) recovery: ${s.outageCameras} cameras per outage length refused (simulator \`refuse\`: a reset) for that long, all at once, ` +
      `then back; from the return to the first change to running or degraded in the camera log, per camera; alongside (3)` +
      (recovery.baseline
        ? `; baseline: another Vigil with VIGIL_CAMERA_BACKOFF_MAX_MS=${recovery.baselineBackoffMaxMs} (the former default)`
        : ''),
    '',
  ];
  const rows: string[][] = [
    [
      'outage',
      'Vigil',
      'cameras',
      'p50',
      'p95',
      'max',
      'not back',
      'goal p95',
      'status',
      'lastError.cause',
      'lastError (last attempt)',
      'failures p50/max',
    ],
  ];
  for (const o of recovery.outages) {
    const row = (label: string, r: typeof o, goal: boolean) => [
      `${r.outageSeconds} s`,
      label,
      String(r.cameras),
      seconds(r.recoveryMs.p50),
      seconds(r.recoveryMs.p95),
      seconds(r.recoveryMs.max),
      String(r.notBack),
      goal ? `< ${recovery.goal.p95LimitMs / 1000} s` : '-',
      goal ? (r.recoveryMs.p95 < recovery.goal.p95LimitMs && r.notBack === 0 ? 'PASS' : 'FAIL') : '-',
      tallyText(r.causes),
      tallyText(r.lastCodes),
      `${r.failures.p50}/${r.failures.max}`,
    ];
    rows.push(row('this', o, true));
    const base = recovery.baseline?.find((b) => b.outageSeconds === o.outageSeconds);
    if (base) rows.push(row('baseline', base, false));
  }
  lines.push(...table(rows, [false, false, true, true, true, true, true, false, false, false, false, true]).map((l) => `  ${l}`), '');
  for (const a of recovery.falseAlarms) {
    lines.push(
      `  false alarms, ${a.mode}${a.mode === 'slow' ? ' (1 fps on 5 fps cameras)' : ' (frames held back 0-800 ms, in order)'}: ${a.reconnects} reconnects ` +
        `of ${a.cameras} cameras in ${a.seconds} s (errors: ${tallyText(a.codes)}); goal 0: ${a.reconnects === 0 ? 'PASS' : 'FAIL'}`,
    );
  }
  return lines;
}

/** (6) alone; `ramp` adds the whole of Vigil's figures from (1) when it ran. */
export function ingestLines(result: Pick<CamerasResult, 'ingest'> & { ramp?: CamerasResult['ramp'] }): string[] {
  const { ingest, ramp } = result;
  const lines = [
    '(6) ingest cost: the camera supervisor and its workers alone in a child process (no database, no API), cameras 1..N at 5 fps; ' +
      'CPU per new frame with the idle process taken off; memory after a full GC',
    '',
  ];
  const rows: string[][] = [['run', 'cameras', 'running', 'new frames/s', 'CPU', 'µs/frame', 'RSS MB', 'live MB', 'stalls']];
  for (const run of ingest.runs) {
    rows.push([`${run.label} ${run.round}`, '0', '-', '-', pct(run.idle.cpu), '-', mb(run.idle.rssBytes), mb(run.idle.liveBytes), '-']);
    for (const st of run.steps) {
      rows.push([
        `${run.label} ${run.round}`,
        thousands.format(st.cameras),
        thousands.format(st.running),
        `${thousands.format(Math.round(st.framesPerSecond))} / ${thousands.format(st.expectedFramesPerSecond)}`,
        pct(st.cpu),
        st.cpuPerFrameUs.toFixed(1),
        mb(st.rssBytes),
        mb(st.liveBytes),
        String(st.stalls),
      ]);
    }
  }
  lines.push(...table(rows, [false, true, true, true, true, true, true, true, true]).map((l) => `  ${l}`), '');
  for (const run of ingest.runs) {
    if (run.slope)
      lines.push(
        `  ${run.label} ${run.round} (${run.root}): slope from the first to the last step: ${run.slope.cpuPerFrameUs.toFixed(1)} µs per new frame, ` +
          `RSS ${(run.slope.rssPerCameraBytes / 1024).toFixed(1)} KB and live ${(run.slope.livePerCameraBytes / 1024).toFixed(1)} KB per camera`,
      );
  }
  const g = ingest.goal;
  lines.push(
    `  ingest alone: ${ingest.cpuPerFrameUs === null ? '-' : ingest.cpuPerFrameUs.toFixed(1)} µs per new frame at the last step ` +
      `(goal ≤ ${g.cpuPerFrameUs}): ${g.cpuStatus}; RSS slope ${ingest.memoryPerCameraBytes === null ? '-' : (ingest.memoryPerCameraBytes / 1024).toFixed(1)} KB ` +
      `per camera (goal ≤ ${g.memoryPerCameraBytes / 1024}): ${g.memoryStatus}`,
  );
  const best = ramp?.steps.find((st) => st.cameras === ramp.largestSustained);
  if (ramp && best && ramp.memoryPerCameraBytes !== null) {
    const perFrame = (best.vigilCpu * 1e6) / Math.max(1, best.framesPerSecond);
    lines.push(
      `  whole Vigil (1), at ${thousands.format(best.cameras)} cameras: ${perFrame.toFixed(1)} µs per new frame (goal ≤ ${g.cpuPerFrameUs}): ` +
        `${perFrame <= g.cpuPerFrameUs ? 'PASS' : 'FAIL'}; ${(ramp.memoryPerCameraBytes / 1024).toFixed(0)} KB of RSS per camera ` +
        `(goal ≤ ${g.memoryPerCameraBytes / 1024}): ${ramp.memoryPerCameraBytes <= g.memoryPerCameraBytes ? 'PASS' : 'FAIL'} ` +
        '(with the database, lease cycles, status history, metrics and the status requests of the window)',
    );
  }
  return lines;
}
