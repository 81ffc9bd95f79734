// (3) Stall detection: `stall` or `frozen` injected on one camera at a time, the time from its last
// new frame to its state change, and camera_offline_detection_seconds over the phase.
import type { Detection } from './result.js';
import { STALL_GIVE_UP_MS, STALL_SPACING_MS } from './settings.js';
import type { SimClient, Status, VigilApi } from './setup.js';
import { pool, round3, sleep } from './tools.js';

const DETECTION_BUCKETS = 'camera_offline_detection_seconds_bucket{le="';

export function histogramDelta(before: Map<string, number>, after: Map<string, number>) {
  const buckets: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.startsWith(DETECTION_BUCKETS)) continue;
    buckets[key.slice(DETECTION_BUCKETS.length, -2)] = value - (before.get(key) ?? 0);
  }
  const count = (after.get('camera_offline_detection_seconds_count') ?? 0) - (before.get('camera_offline_detection_seconds_count') ?? 0);
  const sum = (after.get('camera_offline_detection_seconds_sum') ?? 0) - (before.get('camera_offline_detection_seconds_sum') ?? 0);
  // The smallest bucket bound holding 99% of the observations: the p99 is at most that.
  const bound = Object.entries(buckets)
    .map(([le, n]) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), n] as const)
    .sort((a, b) => a[0] - b[0])
    .find(([, n]) => count > 0 && n >= 0.99 * count);
  return {
    count,
    meanSeconds: count > 0 ? round3(sum / count) : 0,
    p99AtMostSeconds: bound && Number.isFinite(bound[0]) ? bound[0] : null,
    buckets,
  };
}

export async function measureStalls(api: VigilApi, sim: SimClient, ids: readonly string[], count: number) {
  interface Pending {
    index: number;
    fault: 'stall' | 'frozen';
    injectedAt: number;
  }
  const pending = new Map<string, Pending>();
  const detections: (Detection & { id: string; injectedAt: number })[] = [];
  let injecting = true;
  const record = (id: string, p: Pending, status: Status | undefined) => {
    const declared = status ? Date.parse(status.since) : null;
    const lastFrame = status?.lastFrameAt ? Date.parse(status.lastFrameAt) : null;
    detections.push({
      id,
      injectedAt: p.injectedAt,
      camera: p.index + 1,
      fault: p.fault,
      code: status?.lastError?.code ?? null,
      lastFrameAt: status?.lastFrameAt ?? null,
      declaredAt: status?.since ?? null,
      declaredMs: declared !== null && lastFrame !== null ? declared - lastFrame : null,
      leftRunningMs: null,
      leftRunningTo: null,
      fromInjectionMs: declared !== null ? declared - p.injectedAt : null,
    });
  };

  const inject = async () => {
    for (let index = 0; index < count; index++) {
      const fault = index % 4 === 3 ? 'frozen' : 'stall';
      const injectedAt = Date.now();
      pending.set(ids[index]!, { index, fault, injectedAt });
      await sim.fault(`/cameras/${index + 1}/fault`, fault);
      await sleep(STALL_SPACING_MS);
    }
    injecting = false;
  };
  const poll = async () => {
    while (injecting || pending.size > 0) {
      await sleep(100);
      if (pending.size === 0) continue;
      const { items } = await api.batchStatus([...pending.keys()]);
      for (const status of items) {
        const p = pending.get(status.cameraId);
        if (!p) continue;
        const error = status.lastError;
        const declared =
          status.state !== 'running' &&
          status.state !== 'degraded' &&
          error !== null &&
          (error.code === 'STALLED' || error.code === 'FROZEN') &&
          Date.parse(error.at) >= p.injectedAt;
        if (declared) record(status.cameraId, p, status);
        else if (Date.now() - p.injectedAt > STALL_GIVE_UP_MS) record(status.cameraId, p, undefined);
        else continue;
        pending.delete(status.cameraId);
        await sim.fault(`/cameras/${p.index + 1}/fault`, 'none');
      }
    }
  };
  await Promise.all([inject(), poll()]);

  // When each camera first left `running` (degraded on the way, or straight to reconnecting): its log.
  await sleep(1_500); // the camera log is written in batches every 500 ms
  await pool(detections, 4, async (d) => {
    if (d.lastFrameAt === null) return;
    const { items } = await api.logs(d.id, new Date(d.injectedAt - 1_000).toISOString());
    const left = items
      .filter((e) => e.details?.previous === 'running' && Date.parse(e.at) >= d.injectedAt)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
    if (left) {
      d.leftRunningMs = Date.parse(left.at) - Date.parse(d.lastFrameAt);
      d.leftRunningTo = left.details?.state ?? null;
    }
  });
  return detections.sort((a, b) => a.camera - b.camera).map(({ id: _id, injectedAt: _at, ...d }) => d);
}
