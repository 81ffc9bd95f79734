// (2)-(5) on a fresh Vigil with the default connection cap: batch-status, stall detection, drop and
// return, over the same registered cameras; (5) recovery after outages and false alarms, on cameras
// of their own, runs alongside (2) and (3), and on a baseline Vigil with the former backoff cap.
import { measureBatchStatus } from './batch-status.js';
import type { CameraChild } from './children.js';
import { startVigilChild } from './children.js';
import { measureDropReturn } from './drop-return.js';
import { measureFalseAlarms, measureOutages } from './recovery.js';
import type { OutageGroup, OutageResult } from './recovery.js';
import type { CamerasResult } from './result.js';
import { BATCH_WARMUP, DEFAULT_CONNECT_RATE, FORMER_BACKOFF_MAX_MS, GOALS, STALL_GIVE_UP_MS, STALL_SPACING_MS } from './settings.js';
import type { CamerasSettings } from './settings.js';
import { registerCameras, simClient, startCameras, vigilApi, waitRunning } from './setup.js';
import type { SimClient } from './setup.js';
import { histogramDelta, measureStalls } from './stalls.js';
import { machineCpu, round2, sleep, stats } from './tools.js';

export async function runFleet(
  sim: CameraChild,
  settings: CamerasSettings,
  problem: (text: string) => void,
  progress: (line: string) => void,
) {
  const vigil = await startVigilChild(DEFAULT_CONNECT_RATE, settings, progress);
  const api = vigilApi(vigil.child.url, problem);
  const faults = simClient(sim.url);
  try {
    await api.signIn();
    await api.createUnit();
    const registered = Math.max(settings.batchCameras, settings.dropCameras);
    let t0 = performance.now();
    const ids = await registerCameras(api, sim.url, 1, registered);
    const runningIds = ids.slice(0, settings.dropCameras);
    await startCameras(api, runningIds);
    progress(
      `cameras: registered ${registered} cameras and started ${runningIds.length} in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
        `(cap ${DEFAULT_CONNECT_RATE} connections/s)`,
    );
    const allowedMs = 60_000 + (runningIds.length / DEFAULT_CONNECT_RATE) * 2_000;
    if ((await waitRunning(api, runningIds.length, allowedMs)) === null)
      throw new Error(`not all ${runningIds.length} cameras were running within ${allowedMs / 1000} s`);
    await sleep(settings.settleSeconds * 1000);

    // (5) alongside (2) and (3): outages on cameras of their own (after the stall phase's), then false alarms.
    const first = settings.detections;
    const groups: OutageGroup[] = settings.outages.map((outageSeconds, g) => {
      const from = first + g * settings.outageCameras;
      const numbers = Array.from({ length: settings.outageCameras }, (_, i) => from + i + 1);
      return { outageSeconds, ids: numbers.map((n) => runningIds[n - 1]!), numbers };
    });
    const alarmFrom = first + settings.outages.length * settings.outageCameras;
    const alarmSets = (['slow', 'jitter'] as const).map((mode, m) => {
      const numbers = Array.from({ length: settings.falseAlarmCameras }, (_, i) => alarmFrom + m * settings.falseAlarmCameras + i + 1);
      return { mode, ids: numbers.map((n) => runningIds[n - 1]!), numbers };
    });
    progress(
      `cameras: (5) outages of ${settings.outages.join(', ')} s on ${settings.outageCameras} cameras each, and ${settings.falseAlarmCameras} ` +
        `cameras each in slow and jitter for ${settings.falseAlarmSeconds} s, alongside (2) and (3)` +
        (settings.recoveryBaseline
          ? `; the same outages on a baseline Vigil with VIGIL_CAMERA_BACKOFF_MAX_MS=${FORMER_BACKOFF_MAX_MS}`
          : ''),
    );
    const recovery = measureOutages(api, faults, groups);
    const falseAlarms =
      settings.falseAlarmCameras > 0 ? measureFalseAlarms(api, faults, alarmSets, settings.falseAlarmSeconds) : Promise.resolve([]);
    const baselineRecovery = settings.recoveryBaseline
      ? recoveryBaseline(sim.url, registered, groups, settings, problem, progress)
      : Promise.resolve(null);
    // A rejection is awaited below; until then it must not count as unhandled.
    for (const p of [recovery, falseAlarms, baselineRecovery]) p.catch(() => undefined);

    const [vigilAt, simAt] = [await vigil.child.usage(), await sim.usage()];
    const [benchAt, machineAt, wallAt] = [process.cpuUsage(), machineCpu(), performance.now()];

    // (2) batch-status
    progress(`cameras: batch-status with ${settings.batchCameras} ids (${BATCH_WARMUP} warm-up, ${settings.batchSamples} measured)`);
    const batchStatus = await measureBatchStatus(api, ids.slice(0, settings.batchCameras), settings.batchSamples, problem);
    progress(
      `cameras: batch-status p50 ${batchStatus.latencyMs.p50.toFixed(2)} ms, p95 ${batchStatus.latencyMs.p95.toFixed(2)} ms, ` +
        `p99 ${batchStatus.latencyMs.p99.toFixed(2)} ms (${batchStatus.running} running, ${batchStatus.notRunning} not)`,
    );

    // (3) stall detection
    progress(
      `cameras: stall detection: ${settings.detections} cameras, one every ${STALL_SPACING_MS} ms (every 4th frozen, the rest stalled), ` +
        `${runningIds.length} running`,
    );
    const before = await api.metrics();
    t0 = performance.now();
    const detections = await measureStalls(api, faults, runningIds, settings.detections);
    const histogram = histogramDelta(before, await api.metrics());
    const declaredValues = detections.map((d) => d.declaredMs ?? STALL_GIVE_UP_MS);
    const declared = stats(declaredValues);
    const missed = detections.filter((d) => d.declaredMs === null).length;
    const stallsResult = {
      detections,
      missed,
      declaredMs: declared,
      leftRunningMs: stats(detections.map((d) => d.leftRunningMs ?? d.declaredMs ?? STALL_GIVE_UP_MS)),
      byKind: {
        stall: stats(detections.filter((d) => d.fault === 'stall').map((d) => d.declaredMs ?? STALL_GIVE_UP_MS)),
        frozen: stats(detections.filter((d) => d.fault === 'frozen').map((d) => d.declaredMs ?? STALL_GIVE_UP_MS)),
      },
      viaDegraded: detections.filter((d) => d.leftRunningTo === 'degraded').length,
      histogram,
      goal: {
        p99LimitMs: GOALS.stallP99Ms,
        p99Ms: declared.p99,
        status: declared.p99 < GOALS.stallP99Ms && missed === 0 ? 'PASS' : 'FAIL',
      } as const,
    };
    const wrongKind = detections.filter((d) => d.code !== null && d.code !== (d.fault === 'frozen' ? 'FROZEN' : 'STALLED')).length;
    if (wrongKind > 0) progress(`cameras: note: ${wrongKind} detections reported another code than their fault's`);
    progress(
      `cameras: ${detections.length} detections in ${((performance.now() - t0) / 1000).toFixed(1)} s: p50 ${declared.p50} ms, ` +
        `p95 ${declared.p95} ms, p99 ${declared.p99} ms, max ${declared.max} ms, missed ${missed}`,
    );

    // (5) ends: every outage over and its cameras back (the longest outage sets the pace).
    progress(
      `cameras: (5) waiting for the outages to end (the longest: ${Math.max(...settings.outages)} s) and their cameras to run again`,
    );
    const outages = await recovery;
    const alarms = await falseAlarms;
    const baselineOutages = await baselineRecovery;
    for (const o of outages) {
      const base = baselineOutages?.find((b) => b.outageSeconds === o.outageSeconds);
      progress(
        `cameras: outage ${o.outageSeconds} s: back in p50 ${(o.recoveryMs.p50 / 1000).toFixed(2)} s, p95 ${(o.recoveryMs.p95 / 1000).toFixed(2)} s, ` +
          `max ${(o.recoveryMs.max / 1000).toFixed(2)} s (${o.notBack} not back)` +
          (base ? `; baseline p50 ${(base.recoveryMs.p50 / 1000).toFixed(2)} s, p95 ${(base.recoveryMs.p95 / 1000).toFixed(2)} s` : ''),
      );
    }
    for (const a of alarms)
      progress(`cameras: ${a.mode}: ${a.reconnects} reconnects (false alarms) of ${a.cameras} cameras in ${a.seconds} s`);
    const recoveryResult: CamerasResult['recovery'] = {
      outages,
      baseline: baselineOutages,
      baselineBackoffMaxMs: FORMER_BACKOFF_MAX_MS,
      falseAlarms: alarms,
      goal: {
        p95LimitMs: GOALS.recoveryP95Ms,
        status: outages.every((o) => o.recoveryMs.p95 < GOALS.recoveryP95Ms && o.notBack === 0) ? 'PASS' : 'FAIL',
        falseAlarmStatus: alarms.every((a) => a.reconnects === 0) ? 'PASS' : 'FAIL',
      },
    };

    // (4) drop and return
    const back = await waitRunning(api, runningIds.length, 60_000);
    if (back === null) throw new Error(`after the stall phase, not all ${runningIds.length} cameras were running again within 60 s`);
    await sleep(Math.min(settings.settleSeconds, 3) * 1000);
    progress(`cameras: drop and return: ${runningIds.length} cameras refused at once, then back (cap ${DEFAULT_CONNECT_RATE}/s)`);
    const drop = await measureDropReturn(api, sim, faults, runningIds.length, DEFAULT_CONNECT_RATE);
    const dropReturn: CamerasResult['dropReturn'] = {
      cameras: runningIds.length,
      cap: DEFAULT_CONNECT_RATE,
      ...drop,
      goal: {
        status: drop.peakPerSecond.simulator <= DEFAULT_CONNECT_RATE && drop.peakPerSecond.vigil <= DEFAULT_CONNECT_RATE ? 'PASS' : 'FAIL',
      },
    };
    if (drop.recoverySeconds === null) problem(`after the drop, not all ${runningIds.length} cameras were running again within 180 s`);
    progress(
      `cameras: all down after ${drop.allDownSeconds ?? '-'} s; all running again ${drop.recoverySeconds ?? '-'} s after the return; ` +
        `peak attempts/s: simulator ${drop.peakPerSecond.simulator}, Vigil ${drop.peakPerSecond.vigil} (cap ${DEFAULT_CONNECT_RATE})`,
    );
    // Other work on the machine while (2)-(4) ran, as in the ramp's windows.
    const [vigilEnd, simEnd] = [await vigil.child.usage(), await sim.usage()];
    const [bench, machineEnd, seconds] = [process.cpuUsage(benchAt), machineCpu(), (performance.now() - wallAt) / 1000];
    const ours = (vigilEnd.cpuMicros - vigilAt.cpuMicros + simEnd.cpuMicros - simAt.cpuMicros + bench.user + bench.system) / 1e6;
    const otherCpu = machineAt && machineEnd ? round2(Math.max(0, (machineEnd.busy - machineAt.busy - ours) / seconds)) : null;
    return { batchStatus, stalls: stallsResult, dropReturn, recovery: recoveryResult, otherCpu };
  } finally {
    faults.close();
    api.close();
    await vigil.stop();
  }
}

/**
 * (5) on a baseline Vigil with the former backoff cap: the same outages, at the same time, on
 * simulator cameras after the ones the main Vigil registered.
 */
async function recoveryBaseline(
  simUrl: string,
  after: number,
  groups: readonly OutageGroup[],
  settings: CamerasSettings,
  problem: (text: string) => void,
  progress: (line: string) => void,
): Promise<OutageResult[]> {
  const vigil = await startVigilChild(DEFAULT_CONNECT_RATE, settings, progress, { backoffMaxMs: FORMER_BACKOFF_MAX_MS, profile: false });
  const api = vigilApi(vigil.child.url, problem);
  const faults: SimClient = simClient(simUrl);
  try {
    await api.signIn();
    await api.createUnit();
    const count = groups.reduce((n, g) => n + g.numbers.length, 0);
    const ids = await registerCameras(api, simUrl, after + 1, after + count);
    await startCameras(api, ids);
    if ((await waitRunning(api, ids.length, 120_000)) === null)
      throw new Error(`the baseline Vigil's ${ids.length} cameras did not all run within 120 s`);
    let next = 0;
    const own = groups.map((g) => {
      const slice = ids.slice(next, next + g.numbers.length);
      const numbers = slice.map((_, i) => after + next + i + 1);
      next += g.numbers.length;
      return { outageSeconds: g.outageSeconds, ids: slice, numbers };
    });
    return await measureOutages(api, faults, own);
  } finally {
    faults.close();
    api.close();
    await vigil.stop();
  }
}
