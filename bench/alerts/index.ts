// The alerts benchmark, Vigil in this process:
// (1) evaluation throughput: 5,000 rules across 1,000 cameras (100 units of 10; each rule watches
//     one unit), evaluation rounds run one after another; rule evaluations per second (one per rule
//     and camera judged) against the baseline measured in the same run: the same rules judged on the
//     same facts in memory, with no database (the CPU floor of the judging);
// (2) evaluation lag with those rules loaded and the evaluator running: from a detection event's
//     201 to its alert firing (the change published after the round's commit), over BENCH_ALERT_TRIALS;
// (3) stall to webhook: cameras fed by the simulator under a camera_offline rule (`for: 0s`) with a
//     webhook on loopback; each trial stalls a camera, and measures from the stall's detection (the
//     camera's `reconnecting` entry in its log) to the firing notification at the receiver, and the
//     detection itself (from the stall) as the baseline; then it recovers and the resolved one is awaited.
// PGlite in memory, and PostgreSQL (a fresh database) when a server answers.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createVigil } from '../../src/main.js';
import type { Vigil } from '../../src/main.js';
import { judge } from '../../src/modules/alerts/evaluator.js';
import type { CameraFact } from '../../src/modules/alerts/index.js';
import { uuidv7 } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { startCameraSimulator } from '../../src/tools/camera-sim/simulator.js';
import { createPostgresDatabase, dropOnSignal, serverAnswers } from '../org-units/backends.js';
import { describeUrl } from '../org-units/settings.js';
import { stats } from '../org-units/tools.js';
import type { LatencyStats } from '../org-units/result.js';

export const ALERTS_SCENARIO = 'alerts';
const ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const UNITS = 100;
const CAMERAS_PER_UNIT = 10;
const GOALS = { evaluationsPerSecond: 10_000, lagP99Ms: 1_000, stallToWebhookP99Ms: 2_000 } as const;

export interface AlertsSettings {
  rules: number;
  rounds: number;
  trials: number;
  stallTrials: number;
  postgres: { url: string; source: string };
}

export interface AlertsBackendResult {
  backend: 'postgres' | 'pglite';
  rules: number;
  cameras: number;
  seriesPerRound: number;
  roundMs: LatencyStats;
  evaluationsPerSecond: number;
  baselineEvaluationsPerSecond: number;
  lagMs: LatencyStats;
  stall: { trials: number; toWebhookMs: LatencyStats; detectionMs: LatencyStats; duplicates: number } | null;
  problems: string[];
}

export interface AlertsResult {
  settings: Omit<AlertsSettings, 'postgres'> & { postgres: string };
  backends: AlertsBackendResult[];
  skipped: { backend: string; reason: string }[];
  ok: boolean;
}

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number) => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
};

export function readAlertsSettings(env: NodeJS.ProcessEnv): AlertsSettings {
  const url = env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? DEFAULT_POSTGRES_URL;
  const source = env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : env.DATABASE_URL ? 'DATABASE_URL' : 'default';
  return {
    rules: int(env, 'BENCH_ALERT_RULES', 5_000, 10),
    rounds: int(env, 'BENCH_ALERT_ROUNDS', 10, 1),
    trials: int(env, 'BENCH_ALERT_TRIALS', 50, 5),
    stallTrials: int(env, 'BENCH_ALERT_STALL_TRIALS', 50, 5),
    postgres: { url, source },
  };
}

async function startBench(
  databaseUrl: string | undefined,
  env: Record<string, string> = {},
): Promise<{ vigil: Vigil; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-alerts-'));
  const { config } = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    LOG_LEVEL: 'info',
    VIGIL_ADMIN_EMAIL: ADMIN.email,
    VIGIL_ADMIN_PASSWORD: ADMIN.password,
    VIGIL_RATE_LIMIT_MAX: '10000000',
    VIGIL_ACCESS_TOKEN_TTL_S: '86400',
    VIGIL_CAMERA_AUTO_START: 'false',
    VIGIL_DB_STATEMENT_TIMEOUT_MS: '600000',
    // Both parts share the PostgreSQL database: one key for the secrets of both.
    VIGIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    ...env,
  });
  const log = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const vigil = await createVigil(config, { log, pgliteDataDir: 'memory://', defaultMetrics: false });
  return {
    vigil,
    async close() {
      try {
        await vigil.shutdown('benchmark finished');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

async function api(vigil: Vigil, token: string | undefined, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await vigil.app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: res.statusCode, body: res.body, json: <T>() => res.json<T>() };
}

async function signIn(vigil: Vigil): Promise<string> {
  const res = await api(vigil, undefined, 'POST', '/api/auth/login', ADMIN);
  if (res.status !== 200) throw new Error(`signing in answered ${res.status}: ${res.body}`);
  return res.json<{ accessToken: string }>().accessToken;
}

/** 100 units of 10 cameras (by SQL: the registry's rows), and the rules (by SQL too). */
async function seed(vigil: Vigil, token: string, rules: number): Promise<{ cameras: string[]; units: string[] }> {
  const units: string[] = [];
  const root = await api(vigil, token, 'POST', '/api/v1/organization-units', {
    code: 'ORG',
    name: 'Org',
    unitType: 'ORGANIZATION',
    effectiveDate: '2026-01-01',
  });
  if (root.status !== 201) throw new Error(`creating the root unit answered ${root.status}: ${root.body}`);
  for (let u = 0; u < UNITS; u++) {
    const code = `SITE-${u}`;
    const res = await api(vigil, token, 'POST', '/api/v1/organization-units', {
      code,
      name: `Site ${u}`,
      unitType: 'SITE',
      parentCode: 'ORG',
      effectiveDate: '2026-01-01',
    });
    if (res.status !== 201) throw new Error(`creating ${code} answered ${res.status}: ${res.body}`);
    units.push(code);
  }
  const db = vigil.database.db;
  const now = new Date();
  const cameraRows = units.flatMap((unit, u) =>
    Array.from({ length: CAMERAS_PER_UNIT }, (_, i) => ({
      id: uuidv7(),
      org_unit_code: unit,
      name: `cam ${u}-${i}`,
      source_url: `http://127.0.0.1:9/${u}/${i}`,
      source_type: 'mjpeg' as const,
      expected_fps: 5,
      credentials_sealed: null,
      labels: [`zone:z${i % 3}`],
      active: true,
      auto_start: false,
      desired_running: false,
      restart_seq: 0,
      revision: 1,
      created_at: now,
      updated_at: now,
    })),
  );
  await db.insertInto('cameras').values(cameraRows).execute();
  const kinds = [
    { type: 'camera_offline' },
    { type: 'camera_offline' },
    { type: 'camera_offline' },
    { type: 'camera_offline' },
    { type: 'camera_offline' },
    { type: 'camera_offline' },
    { type: 'camera_offline' },
    { type: 'fps_below', threshold: 2 },
    { type: 'fps_below', threshold: 2 },
    { type: 'event_count_over', eventType: 'no_hairnet', threshold: 1000, window: '5m' },
  ];
  const ruleRows = Array.from({ length: rules }, (_, r) => ({
    id: uuidv7(),
    name: `rule ${r}`,
    enabled: true,
    org_unit_code: units[r % UNITS]!,
    camera_ids: [],
    label_matchers: '{}',
    condition: JSON.stringify(kinds[r % kinds.length]),
    for_s: 30,
    keep_firing_for_s: 0,
    severity: 'high' as const,
    labels: JSON.stringify({ team: `t${r % 7}` }),
    annotations: JSON.stringify({ summary: '{{camera.name}} at {{unit.name}}' }),
    channels: '[]',
    channels_sealed: null,
    repeat_interval_s: 14_400,
    revision: 1,
    created_at: now,
    updated_at: now,
    created_by: null,
  }));
  for (let i = 0; i < ruleRows.length; i += 1_000)
    await db
      .insertInto('alert_rules')
      .values(ruleRows.slice(i, i + 1_000))
      .execute();
  return { cameras: cameraRows.map((c) => c.id), units };
}

async function measureBackend(
  kind: 'postgres' | 'pglite',
  settings: AlertsSettings,
  databaseUrl: string | undefined,
  progress: (line: string) => void,
) {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20 && !problems.includes(text)) problems.push(text);
  };
  const label = `alerts ${kind}`;
  // (1) and (2): the rules loaded.
  const bench = await startBench(databaseUrl, { VIGIL_ALERT_EVALUATION_INTERVAL_MS: '1000' });
  let result: Omit<AlertsBackendResult, 'stall'>;
  try {
    const { vigil } = bench;
    const token = await signIn(vigil);
    const { cameras } = await seed(vigil, token, settings.rules);
    progress(`${label}: seeded ${UNITS} units, ${cameras.length} cameras, ${settings.rules} rules`);
    const evaluator = vigil.alerting.evaluator;
    await evaluator.runOnce(); // warm-up (first alerts written)
    const times: number[] = [];
    let series = 0;
    for (let i = 0; i < settings.rounds; i++) {
      const started = performance.now();
      const outcome = await evaluator.runOnce();
      times.push(performance.now() - started);
      if (!outcome.ran) problem('an evaluation round did not run (the lock was held)');
      else series = outcome.result.series;
    }
    const roundMs = stats(times);
    const evaluationsPerSecond = Math.round(series / (roundMs.mean / 1000));
    progress(
      `${label}: ${series} evaluations per round, round p50 ${roundMs.p50} ms, p99 ${roundMs.p99} ms: ${evaluationsPerSecond} evaluations/s`,
    );

    // The baseline: the same rules judged on the same facts in memory.
    const service = vigil.alerting.service;
    const rules = await service.enabledRules(() => problem('a rule did not compile'));
    const facts: CameraFact[] = (await vigil.database.db.selectFrom('cameras').selectAll().execute()).map((c) => ({
      id: c.id,
      name: c.name,
      orgUnitCode: c.org_unit_code,
      labels: c.labels,
      active: c.active,
      wanted: c.desired_running,
      state: 'stopped',
      fps: null,
    }));
    const org = { subtreeOf: (roots: readonly string[]) => [...roots], nameOf: (code: string) => code };
    const empty = new Map<string, never>();
    const memory = {
      cameras: () => Promise.resolve(facts),
      reconnectsSince: () => Promise.resolve(empty),
      eventCounts: () => Promise.resolve(empty),
      eventTimes: () => Promise.resolve(empty),
      latestEvents: () => Promise.resolve(empty),
    };
    const baseTimes: number[] = [];
    let baseSeries = 0;
    for (let i = 0; i < settings.rounds; i++) {
      const started = performance.now();
      baseSeries = (await judge(vigil.database.db, memory, org, rules, new Date(), new Map())).length;
      baseTimes.push(performance.now() - started);
    }
    if (baseSeries !== series) problem(`the baseline judged ${baseSeries} series, the rounds ${series}`);
    const baselineEvaluationsPerSecond = Math.round(baseSeries / (stats(baseTimes).mean / 1000));
    progress(`${label}: baseline (in memory) ${baselineEvaluationsPerSecond} evaluations/s`);

    // (2) Lag, with the evaluator running: one rule per trial camera fires on its first event.
    const key = await api(vigil, token, 'POST', '/api/v1/api-keys', { name: 'bench detector', role: 'detector' });
    const detector = key.json<{ key: string }>().key;
    const trialCameras = cameras.slice(0, settings.trials);
    for (const [i, cameraId] of trialCameras.entries()) {
      const res = await api(vigil, token, 'POST', '/api/v1/alerts/rules', {
        name: `lag ${i}`,
        scope: { orgUnitCode: 'ORG', cameraIds: [cameraId] },
        condition: { type: 'event_count_over', eventType: 'lag', threshold: 0, window: '1h' },
        severity: 'low',
      });
      if (res.status !== 201) problem(`creating a lag rule answered ${res.status}: ${res.body.slice(0, 200)}`);
    }
    await vigil.listen();
    await vigil.startWorkers();
    const fired = new Map<string, number>();
    const unsubscribe = await vigil.alerting.subscribe((alert) => {
      if (alert.state === 'firing' && alert.cameraId && alert.labels.alertname?.startsWith('lag '))
        fired.set(alert.cameraId, performance.now());
    });
    const lags: number[] = [];
    for (const cameraId of trialCameras) {
      const sent = await api(vigil, detector, 'POST', '/api/v1/events', {
        cameraId,
        type: 'lag',
        occurredAt: new Date().toISOString(),
        confidence: 1,
      });
      const at = performance.now();
      if (sent.status !== 201) problem(`POST /api/v1/events answered ${sent.status}: ${sent.body.slice(0, 200)}`);
      const deadline = at + 30_000;
      while (!fired.has(cameraId) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      const when = fired.get(cameraId);
      if (when === undefined) problem(`the alert of camera ${cameraId} did not fire within 30 s`);
      else lags.push(Math.max(0, when - at));
    }
    await unsubscribe();
    const lagMs = stats(lags);
    progress(`${label}: lag from an event to its alert firing: p50 ${lagMs.p50} ms, p99 ${lagMs.p99} ms (${lags.length} trials)`);
    result = {
      backend: kind,
      rules: settings.rules,
      cameras: cameras.length,
      seriesPerRound: series,
      roundMs,
      evaluationsPerSecond,
      baselineEvaluationsPerSecond,
      lagMs,
      problems,
    };
  } finally {
    await bench.close();
  }
  return { ...result, stall: await measureStall(kind, settings, databaseUrl, progress, problem) };
}

/** (3) Stall to webhook on live cameras. */
async function measureStall(
  kind: 'postgres' | 'pglite',
  settings: AlertsSettings,
  databaseUrl: string | undefined,
  progress: (line: string) => void,
  problem: (text: string) => void,
): Promise<AlertsBackendResult['stall']> {
  const label = `alerts ${kind}`;
  const CAMS = 5;
  const received: { at: number; status: string; cameraId: string; key: string }[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { status: string; alerts: { labels: Record<string, string> }[] };
      received.push({
        at,
        status: body.status,
        cameraId: body.alerts[0]!.labels.camera_id ?? '',
        key: String(req.headers['idempotency-key']),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const sim = await startCameraSimulator({ count: CAMS, fps: 10, width: 160, height: 120 });
  const bench = await startBench(databaseUrl, {
    VIGIL_CAMERA_STALL_TIMEOUT_MS: '1000',
    VIGIL_CAMERA_BACKOFF_BASE_MS: '100',
    VIGIL_CAMERA_BACKOFF_MAX_MS: '300',
  });
  try {
    const { vigil } = bench;
    const token = await signIn(vigil);
    await api(vigil, token, 'POST', '/api/v1/organization-units', {
      code: 'SITE',
      name: 'Site',
      unitType: 'SITE',
      effectiveDate: '2026-01-01',
    });
    const ids: string[] = [];
    for (let i = 1; i <= CAMS; i++) {
      const res = await api(vigil, token, 'POST', '/api/v1/cameras', {
        orgUnitCode: 'SITE',
        name: `cam ${i}`,
        sourceUrl: sim.streamUrl(i),
        expectedFps: 10,
      });
      ids.push(res.json<{ id: string }>().id);
    }
    await vigil.listen();
    await vigil.startWorkers();
    for (const id of ids) await api(vigil, token, 'POST', `/api/v1/cameras/${id}/start`);
    const state = async (id: string) => (await api(vigil, token, 'GET', `/api/v1/cameras/${id}/status`)).json<{ state: string }>().state;
    const waitFor = async (id: string, states: string[], what: string) => {
      const deadline = performance.now() + 30_000;
      while (performance.now() < deadline) {
        if (states.includes(await state(id))) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      problem(`camera ${id} did not become ${what} within 30 s`);
      return false;
    };
    for (const id of ids) await waitFor(id, ['running'], 'running');
    const rule = await api(vigil, token, 'POST', '/api/v1/alerts/rules', {
      name: 'offline',
      scope: { orgUnitCode: 'SITE' },
      condition: { type: 'camera_offline' },
      severity: 'critical',
      channels: [{ type: 'webhook', url: hookUrl }],
    });
    if (rule.status !== 201) throw new Error(`creating the rule answered ${rule.status}: ${rule.body}`);
    const toWebhook: number[] = [];
    const detection: number[] = [];
    const wallOffset = Date.now() - performance.now();
    const trialsPerCamera = Math.ceil(settings.stallTrials / CAMS);
    await Promise.all(
      ids.map(async (id, c) => {
        for (let t = 0; t < trialsPerCamera; t++) {
          const firedBefore = received.filter((r) => r.cameraId === id && r.status === 'firing').length;
          const stalledAt = performance.now();
          sim.setFault(c + 1, { mode: 'stall' });
          const deadline = stalledAt + 30_000;
          let hook: number | undefined;
          while (performance.now() < deadline) {
            const hits = received.filter((r) => r.cameraId === id && r.status === 'firing');
            if (hits.length > firedBefore) {
              hook = hits.at(-1)!.at;
              break;
            }
            await new Promise((r) => setTimeout(r, 5));
          }
          if (hook === undefined) problem(`no firing notification for camera ${id} within 30 s of a stall`);
          else {
            // The detection: the camera's `reconnecting` entry in its log after the stall began.
            // The log is written in batches (every 500 ms): wait for it.
            let detected: number | undefined;
            for (let i = 0; i < 100 && detected === undefined; i++) {
              const rows = await sql<{ at: Date }>`
                select at from camera_events where camera_id = ${id} and details->>'state' = 'reconnecting'
                and at >= ${new Date(stalledAt + wallOffset - 5)} order by at limit 1`.execute(vigil.database.db);
              detected = rows.rows[0] ? rows.rows[0].at.getTime() - wallOffset : undefined;
              if (detected === undefined) await new Promise((r) => setTimeout(r, 50));
            }
            if (detected === undefined) problem(`camera ${id}: no reconnecting entry after a stall`);
            else {
              detection.push(detected - stalledAt);
              toWebhook.push(Math.max(0, hook - detected));
            }
          }
          const resolvedBefore = received.filter((r) => r.cameraId === id && r.status === 'resolved').length;
          sim.setFault(c + 1, { mode: 'none' });
          const until = performance.now() + 30_000;
          while (performance.now() < until && received.filter((r) => r.cameraId === id && r.status === 'resolved').length <= resolvedBefore)
            await new Promise((r) => setTimeout(r, 5));
          await waitFor(id, ['running'], 'running again');
        }
      }),
    );
    const keys = received.map((r) => r.key);
    const duplicates = keys.length - new Set(keys).size;
    if (duplicates > 0) problem(`${duplicates} notifications received twice`);
    const firing = received.filter((r) => r.status === 'firing').length;
    const resolved = received.filter((r) => r.status === 'resolved').length;
    if (firing !== resolved) problem(`${firing} firing notifications but ${resolved} resolved ones`);
    const result = { trials: toWebhook.length, toWebhookMs: stats(toWebhook), detectionMs: stats(detection), duplicates };
    progress(
      `${label}: stall → webhook beyond detection: p50 ${result.toWebhookMs.p50} ms, p99 ${result.toWebhookMs.p99} ms; detection p50 ${result.detectionMs.p50} ms (${result.trials} trials)`,
    );
    return result;
  } finally {
    await bench.close();
    await sim.close();
    await new Promise<void>((resolve) => {
      receiver.closeAllConnections();
      receiver.close(() => resolve());
    });
  }
}

export async function runAlerts(settings: AlertsSettings, progress: (line: string) => void): Promise<AlertsResult> {
  const backends: AlertsBackendResult[] = [];
  const skipped: AlertsResult['skipped'] = [];
  const { url, source } = settings.postgres;
  if (source === 'default' && !(await serverAnswers(url)))
    skipped.push({ backend: 'postgres', reason: `nothing answered at ${describeUrl(url)}` });
  else {
    const target = await createPostgresDatabase(url);
    const undo = dropOnSignal(target);
    try {
      backends.push(await measureBackend('postgres', settings, target.url, progress));
    } finally {
      await target.drop();
      undo();
    }
  }
  backends.push(await measureBackend('pglite', settings, undefined, progress));
  return {
    settings: {
      rules: settings.rules,
      rounds: settings.rounds,
      trials: settings.trials,
      stallTrials: settings.stallTrials,
      postgres: `${describeUrl(url)} (${source})`,
    },
    backends,
    skipped,
    ok: backends.every((b) => b.problems.length === 0),
  };
}

export function formatAlerts(result: AlertsResult): string {
  const s = result.settings;
  const lines = [
    `Alerts (${s.rules} rules across ${UNITS * CAMERAS_PER_UNIT} cameras, ${s.rounds} rounds; lag over ${s.trials} events; stall → webhook over ${s.stallTrials} trials)`,
    '',
    '| backend | evaluations/round | round p50 ms | round p99 ms | evaluations/s | baseline (memory) /s | ratio | goal ≥ 10,000/s | lag p50 ms | lag p99 ms | goal ≤ 1,000 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const b of result.backends) {
    lines.push(
      `| ${b.backend} | ${b.seriesPerRound} | ${b.roundMs.p50} | ${b.roundMs.p99} | ${b.evaluationsPerSecond} | ${b.baselineEvaluationsPerSecond} | ${(b.evaluationsPerSecond / b.baselineEvaluationsPerSecond).toFixed(2)} | ${b.evaluationsPerSecond >= GOALS.evaluationsPerSecond ? 'met' : 'not met'} | ${b.lagMs.p50} | ${b.lagMs.p99} | ${b.lagMs.p99 <= GOALS.lagP99Ms ? 'met' : 'not met'} |`,
    );
  }
  lines.push(
    '',
    '| backend | stall trials | stall detection p50 ms (baseline) | detection → webhook p50 ms | p99 ms | goal p99 ≤ 2,000 ms | duplicates |',
    '|---|---|---|---|---|---|---|',
  );
  for (const b of result.backends) {
    if (!b.stall) continue;
    lines.push(
      `| ${b.backend} | ${b.stall.trials} | ${b.stall.detectionMs.p50} | ${b.stall.toWebhookMs.p50} | ${b.stall.toWebhookMs.p99} | ${b.stall.toWebhookMs.p99 <= GOALS.stallToWebhookP99Ms ? 'met' : 'not met'} | ${b.stall.duplicates} |`,
    );
  }
  for (const b of result.backends) for (const p of b.problems) lines.push(`problem (${b.backend}): ${p}`);
  for (const sk of result.skipped) lines.push(`skipped ${sk.backend}: ${sk.reason}`);
  return lines.join('\n');
}
