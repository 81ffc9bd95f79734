// The mixed-load scenario: for Vigil and for bare Fastify doing the same queries on the same
// database, the highest fixed arrival rate of the request mix (mix.ts) at which p99 latency, counted
// from when each request was due, stays under BENCH_MIXED_P99_MS with nothing failing. The two rate
// searches take turns, trial by trial, so drift on the machine hits both.
import http from 'node:http';
import { startServer } from '../children.js';
import type { ServerChild } from '../children.js';
import { describeUrl } from '../org-units/settings.js';
import type { RequestSpec } from '../targets.js';
import { prepareDatabase, readDatabaseSettings } from './database.js';
import { createMix, kindOf } from './mix.js';
import { RateSearch, passes, realClock, runOpenLoop } from './open-loop.js';
import type { OpenLoopResult, Outcome } from './open-loop.js';
import type { MixedSettings } from './settings.js';
import { vigilNodeArgs } from './settings.js';
import { CAMERA_BASE, TARGET_ENV } from './targets.js';

export const MIXED_LOAD = 'mixed-load';
/** Time for the answers still out when a trial's schedule ends; later ones count as errors. */
const DRAIN_MS = 5_000;
/** A pause between trials, so that one trial's backlog (in the server, the database) does not spill into the next. */
const SETTLE_MS = 1_000;
/** Fewer requests in a trial than this, and its p99 is about its slowest request. */
const MIN_P99_SAMPLES = 200;

export interface Trial {
  rate: number;
  passed: boolean;
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU of the server during the trial, as a share of one core. */
  serverCpu: number;
  /** CPU of this process (the generator) during the trial, as a share of one core. */
  loadgenCpu: number;
  maxSendLagMs: number;
  /** p50 and p99 (ms) by kind of request. */
  byKind: Record<string, { p50Ms: number; p99Ms: number }>;
}

export interface MixedTarget {
  target: string;
  /** The highest rate that passed (req/s); 0 when none did. */
  bestRate: number;
  trials: Trial[];
}

export interface MixedResult {
  ok: boolean;
  skipped?: string;
  settings: Omit<MixedSettings, 'redisUrl'> & { redis: boolean };
  reference?: MixedTarget;
  vigil?: MixedTarget;
  ratio?: number;
  /**
   * INCONCLUSIVE: the reference's best rate gives a trial fewer than MIN_P99_SAMPLES requests, whose
   * p99 is about their maximum: the machine (or the database) cannot keep p99 under the bound at any
   * useful rate, and the ratio of two tiny rates is noise.
   */
  status?: 'PASS' | 'BELOW GOAL' | 'INVALID' | 'INCONCLUSIVE';
  problems: string[];
  elapsedSeconds: number;
}

/** Sends one request over a keep-alive agent; resolves with its status once the body is read, or the error. */
function sender(baseUrl: string, agent: http.Agent) {
  const { hostname, port } = new URL(baseUrl);
  return (spec: RequestSpec): Promise<Outcome> =>
    new Promise((resolve) => {
      const request = http.request({ agent, hostname, port, method: spec.method, path: spec.path, headers: spec.headers }, (response) => {
        response.on('error', (error) => resolve({ error: error.message }));
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        response.resume();
      });
      request.on('error', (error) => resolve({ error: error.message }));
      request.end(spec.body);
    });
}

async function json<T>(baseUrl: string, method: 'GET' | 'POST', path: string, token: string, body: unknown, expect: number): Promise<T> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status !== expect) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Registers the cameras through Vigil's API (not started: their status comes from the registry), spread over the sites. */
async function registerCameras(vigil: ServerChild, token: string, sites: readonly string[], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const camera = await json<{ id: string }>(
      vigil.url,
      'POST',
      CAMERA_BASE,
      token,
      {
        orgUnitCode: sites[i % sites.length],
        name: `Bench camera ${i + 1}`,
        sourceUrl: `http://camera-${i + 1}.bench.invalid/stream.mjpg`,
      },
      201,
    );
    ids.push(camera.id);
  }
  return ids;
}

function summarizeTrial(result: OpenLoopResult, passed: boolean, serverCpu: number, loadgenCpu: number): Trial {
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    rate: result.rate,
    passed,
    sent: result.sent,
    ok: result.ok,
    errors: result.errors,
    statuses: result.statuses,
    p50Ms: round2(result.latency.percentile(50)),
    p99Ms: round2(result.latency.percentile(99)),
    maxMs: round2(result.latency.percentile(100)),
    serverCpu: round2(serverCpu),
    loadgenCpu: round2(loadgenCpu),
    maxSendLagMs: round2(result.maxSendLagMs),
    byKind: Object.fromEntries(
      [...result.byKind].map(([kind, h]) => [kind, { p50Ms: round2(h.percentile(50)), p99Ms: round2(h.percentile(99)) }]),
    ),
  };
}

export async function runMixed(settings: MixedSettings, progress: (line: string) => void): Promise<MixedResult> {
  const started = performance.now();
  const { redisUrl, ...rest } = settings;
  const base: MixedResult = { ok: true, settings: { ...rest, redis: redisUrl !== undefined }, problems: [], elapsedSeconds: 0 };
  const dbSettings = readDatabaseSettings(process.env, settings.units);
  progress(`${MIXED_LOAD}: preparing a PostgreSQL database with ${settings.units} units at ${describeUrl(dbSettings.url)}`);
  const database = await prepareDatabase(dbSettings);
  if (!database) return { ...base, skipped: `no PostgreSQL server answers at ${describeUrl(dbSettings.url)}` };
  const children: ServerChild[] = [];
  try {
    const env = { [TARGET_ENV.database]: database.url, [TARGET_ENV.root]: database.root, [TARGET_ENV.unit]: database.root };
    const reference = await startServer('bare-org', env);
    children.push(reference);
    const vigil = await startServer(
      'vigil-org',
      { ...env, ...(redisUrl ? { [TARGET_ENV.redis]: redisUrl } : {}) },
      vigilNodeArgs(process.env),
    );
    children.push(vigil);
    const headers = vigil.request.headers ?? {};
    const token = (headers.authorization ?? '').replace(/^Bearer /, '');
    const cameraIds = await registerCameras(vigil, token, database.codes(3), settings.cameras);
    const mix = createMix({
      units: [2, 3, 4, 5].flatMap((depth) => database.codes(depth)),
      departments: database.codes(4),
      teams: database.codes(5),
      cameraIds,
    });
    progress(
      `${MIXED_LOAD}: ${settings.units} units, ${cameraIds.length} cameras; Vigil on PostgreSQL${redisUrl ? ' and Redis' : ' (no Redis: BENCH_REDIS_URL / REDIS_URL unset)'}`,
    );

    const problems: string[] = [];
    const trial = async (child: ServerChild, rate: number, seconds: number): Promise<Trial> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: settings.connections });
      const send = sender(child.url, agent);
      const childHeaders = child === vigil ? headers : {};
      const cpuBefore = await child.cpuMicros();
      const loadgenBefore = process.cpuUsage();
      const wallBefore = performance.now();
      const result = await runOpenLoop({
        rate,
        durationMs: seconds * 1000,
        clock: realClock,
        drainMs: DRAIN_MS,
        send: (index) => {
          return send(mix.request(index, childHeaders).spec);
        },
        onAbandon: () => agent.destroy(),
        kindOf,
      });
      const wallMicros = (performance.now() - wallBefore) * 1000;
      const loadgen = process.cpuUsage(loadgenBefore);
      const serverCpu = ((await child.cpuMicros()) - cpuBefore) / wallMicros;
      agent.destroy();
      // 4xx answers mean the benchmark sends something wrong (a conflict, an expired token): no figure holds.
      const refused = Object.entries(result.statuses).filter(([status]) => Number(status) < 500);
      if (refused.length > 0) problems.push(`${child.target} at ${rate} req/s answered ${JSON.stringify(Object.fromEntries(refused))}`);
      const t = summarizeTrial(result, passes(result, { p99Ms: settings.p99Ms }), serverCpu, (loadgen.user + loadgen.system) / wallMicros);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return t;
    };

    const searches = new Map<ServerChild, RateSearch>();
    const trials = new Map<ServerChild, Trial[]>();
    for (const child of [reference, vigil]) {
      if (settings.warmupSeconds > 0) {
        const warm = await trial(child, settings.startRate, settings.warmupSeconds);
        progress(`  warm-up ${child.target}: ${warm.rate} req/s, p99 ${warm.p99Ms} ms, errors ${warm.errors}`);
      }
      searches.set(
        child,
        new RateSearch({
          start: settings.startRate,
          growth: 2,
          precision: 0.1,
          maxTrials: settings.maxTrials,
          maxRate: settings.maxRate,
        }),
      );
      trials.set(child, []);
    }
    const deadline = started + settings.budgetSeconds * 1000;
    for (let progressed = true; progressed && performance.now() < deadline;) {
      progressed = false;
      for (const child of [reference, vigil]) {
        const search = searches.get(child)!;
        const rate = search.next();
        if (rate === undefined || performance.now() >= deadline) continue;
        progressed = true;
        const t = await trial(child, rate, settings.trialSeconds);
        search.report(t.passed);
        trials.get(child)!.push(t);
        progress(
          `  ${child.target}: ${rate} req/s ${t.passed ? 'pass' : 'FAIL'}: p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, ` +
            `errors ${t.errors}, non-2xx ${Object.values(t.statuses).reduce((a, b) => a + b, 0)}, server CPU ${Math.round(t.serverCpu * 100)}%, ` +
            `loadgen CPU ${Math.round(t.loadgenCpu * 100)}%, send lag ≤ ${t.maxSendLagMs} ms; p99 by kind: ` +
            Object.entries(t.byKind)
              .map(([kind, x]) => `${kind} ${x.p99Ms}`)
              .join(', '),
        );
      }
    }
    const out = (child: ServerChild): MixedTarget => ({
      target: child.target,
      bestRate: searches.get(child)!.best,
      trials: trials.get(child)!,
    });
    const ref = out(reference);
    const vig = out(vigil);
    const ratio = ref.bestRate > 0 ? Math.round((vig.bestRate / ref.bestRate) * 10_000) / 10_000 : 0;
    return {
      ...base,
      ok: problems.length === 0,
      reference: ref,
      vigil: vig,
      ratio,
      status:
        problems.length > 0
          ? 'INVALID'
          : ref.bestRate * settings.trialSeconds < MIN_P99_SAMPLES
            ? 'INCONCLUSIVE'
            : ratio >= settings.goal.minRatio
              ? 'PASS'
              : 'BELOW GOAL',
      problems,
      elapsedSeconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await database.drop();
  }
}

export function formatMixed(result: MixedResult): string {
  if (result.skipped) return `${MIXED_LOAD}: skipped (${result.skipped})\n`;
  const s = result.settings;
  const lines = [
    `${MIXED_LOAD}: highest fixed arrival rate with p99 < ${s.p99Ms} ms (from due time) and no failures; ` +
      `80% reads (unit 40%, subtree 20%, camera status 20%), 20% writes (new versions); ${s.units} units, ${s.cameras} cameras, ` +
      `PostgreSQL${s.redis ? ' + Redis (Vigil)' : ''}, ${s.trialSeconds} s per trial`,
    '',
  ];
  for (const t of [result.reference, result.vigil]) {
    if (!t) continue;
    lines.push(`  ${t.target}: best ${t.bestRate} req/s`);
    for (const x of t.trials) {
      const non2xx = Object.values(x.statuses).reduce((a, b) => a + b, 0);
      lines.push(
        `    ${String(x.rate).padStart(5)} req/s  ${x.passed ? 'pass' : 'FAIL'}  p50 ${x.p50Ms.toFixed(2).padStart(8)} ms  p99 ${x.p99Ms
          .toFixed(2)
          .padStart(8)} ms  errors ${x.errors}  non-2xx ${non2xx}  server CPU ${Math.round(x.serverCpu * 100)}%  loadgen CPU ${Math.round(
          x.loadgenCpu * 100,
        )}%`,
      );
    }
  }
  lines.push(
    '',
    `  vigil-org / bare-org: ${((result.ratio ?? 0) * 100).toFixed(1)}% of the sustained rate   goal ≥ ${s.goal.minRatio * 100}%   ${result.status}`,
    `  (${result.elapsedSeconds} s)`,
  );
  if (result.status === 'INCONCLUSIVE') {
    lines.push(
      `  note: bare Fastify's best rate gives a trial fewer than ${MIN_P99_SAMPLES} requests, whose p99 is about its slowest one:` +
        ` this machine or its database is too busy for p99 < ${s.p99Ms} ms, and the ratio of two tiny rates is noise.` +
        ' Run on an idle machine, or set BENCH_MIXED_P99_MS higher.',
    );
  }
  for (const problem of result.problems) lines.push(`  FAILED: ${problem}`);
  return `${lines.join('\n')}\n`;
}
