// (5) Recovery and false alarms, while (2) and (3) run on the same Vigil.
//
// Recovery: for each outage length (2 s, 30 s, 5 min by default), a group of cameras whose sources
// refuse every connection (the simulator's `refuse`: a reset, as a camera whose port is closed) for
// that long, all starting together; then back. Measured per camera: from the return (the simulator
// acknowledged `none`) to its first change to `running` (or `degraded`: connected, frames coming,
// on a machine too busy for the full rate) in its log, both on this machine's clock. The
// outages run for real (a fake clock would not run the sockets, the gate and the timers as they
// are); the groups overlap, so the phase lasts the longest outage plus the recovery. The same groups
// run on a baseline Vigil with VIGIL_CAMERA_BACKOFF_MAX_MS at its former default (60 s), on other
// simulator cameras, at the same time.
//
// False alarms: on other cameras, the simulator's `slow` (1 fps on a 5 fps camera) and `jitter`
// (each frame held back 0-800 ms, in order) for a while; every reconnect of those cameras in that
// time is a false alarm (their sources never went away).
import type { SimClient, Status, VigilApi } from './setup.js';
import { pool, round2, sleep, stats } from './tools.js';
import type { LatencyStats } from './result.js';

export interface OutageResult {
  outageSeconds: number;
  cameras: number;
  /** From the return to `running` again, per camera (ms); a camera not back within the give-up counts as it. */
  recoveryMs: LatencyStats;
  notBack: number;
  /** lastError.cause.code and lastError.code of the cameras once back, counted. */
  causes: Record<string, number>;
  lastCodes: Record<string, number>;
  /** Failed attempts in a row when back (lastError.failures), p50 and max. */
  failures: { p50: number; max: number };
}

export interface FalseAlarmResult {
  mode: 'slow' | 'jitter';
  cameras: number;
  seconds: number;
  /** Reconnects of those cameras over the window: each is a false alarm. */
  reconnects: number;
  /** lastError codes set during the window. */
  codes: Record<string, number>;
}

const GIVE_UP_MS = 180_000;
const POLL_MS = 100;

/** Registered cameras and their simulator numbers, in the same order. */
export interface OutageGroup {
  outageSeconds: number;
  ids: string[];
  numbers: number[];
}

const tally = (values: readonly string[]) => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

/** Runs the outages of `groups` at once on one Vigil; answers each group's figures. */
export async function measureOutages(api: VigilApi, sim: SimClient, groups: readonly OutageGroup[]): Promise<OutageResult[]> {
  const all = groups.flatMap((g) => g.numbers);
  await Promise.all(all.map((n) => sim.fault(`/cameras/${n}/fault`, 'refuse')));
  const t0 = Date.now();
  const results = await Promise.all(
    groups.map(async (group) => {
      await sleep(Math.max(0, t0 + group.outageSeconds * 1000 - Date.now()));
      await Promise.all(group.numbers.map((n) => sim.fault(`/cameras/${n}/fault`, 'none')));
      const returnedAt = Date.now();
      const back = new Map<string, Status>();
      while (back.size < group.ids.length && Date.now() - returnedAt < GIVE_UP_MS) {
        await sleep(POLL_MS);
        const pending = group.ids.filter((id) => !back.has(id));
        const { items } = await api.batchStatus(pending);
        for (const status of items) if (status.state === 'running' || status.state === 'degraded') back.set(status.cameraId, status);
      }
      // When each was connected again with frames: its first change to running (or degraded) after the
      // return, from its log, which has the time it happened (polling would add its own delay).
      await sleep(1_500); // the camera log is written in batches every 500 ms
      const times: number[] = [];
      await pool(group.ids, 4, async (id) => {
        if (!back.has(id)) return void times.push(GIVE_UP_MS);
        const { items } = await api.logs(id, new Date(returnedAt - 1_000).toISOString());
        const first = items
          .filter((e) => (e.details?.state === 'running' || e.details?.state === 'degraded') && Date.parse(e.at) >= returnedAt)
          .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
        times.push(first ? Date.parse(first.at) - returnedAt : Math.max(0, Date.parse(back.get(id)!.since) - returnedAt));
      });
      const errors = [...back.values()].map((s) => s.lastError);
      const failures = errors.map((e) => e?.failures ?? 0).sort((a, b) => a - b);
      return {
        outageSeconds: group.outageSeconds,
        cameras: group.ids.length,
        recoveryMs: stats(times),
        notBack: group.ids.length - back.size,
        causes: tally(errors.map((e) => e?.cause?.code ?? 'none')),
        lastCodes: tally(errors.map((e) => e?.code ?? 'none')),
        failures: { p50: failures[Math.floor(failures.length / 2)] ?? 0, max: failures.at(-1) ?? 0 },
      };
    }),
  );
  return results;
}

/** Puts cameras in `slow` and `jitter` for `seconds`, and counts their reconnects meanwhile. */
export async function measureFalseAlarms(
  api: VigilApi,
  sim: SimClient,
  sets: readonly { mode: 'slow' | 'jitter'; ids: string[]; numbers: number[] }[],
  seconds: number,
): Promise<FalseAlarmResult[]> {
  const reconnects = async (ids: readonly string[]) => {
    const { items } = await api.batchStatus(ids);
    return new Map(items.map((s) => [s.cameraId, s]));
  };
  const before = await Promise.all(sets.map((set) => reconnects(set.ids)));
  const t0 = Date.now();
  await Promise.all(sets.flatMap((set) => set.numbers.map((n) => sim.fault(`/cameras/${n}/fault`, set.mode))));
  await sleep(seconds * 1000);
  const after = await Promise.all(sets.map((set) => reconnects(set.ids)));
  await Promise.all(sets.flatMap((set) => set.numbers.map((n) => sim.fault(`/cameras/${n}/fault`, 'none'))));
  return sets.map((set, i) => {
    let count = 0;
    const codes: string[] = [];
    for (const id of set.ids) {
      const a = before[i]!.get(id);
      const b = after[i]!.get(id);
      if (!a || !b) continue;
      count += Math.max(0, b.reconnects - a.reconnects);
      if (b.lastError && Date.parse(b.lastError.at) >= t0) codes.push(b.lastError.code);
    }
    return { mode: set.mode, cameras: set.ids.length, seconds: round2((Date.now() - t0) / 1000), reconnects: count, codes: tally(codes) };
  });
}
