// The detection-events ingest benchmark: Vigil started in this process (real HTTP on 127.0.0.1), a
// unit, cameras and a detector API key; then events posted over one keep-alive connection, one
// request at a time, as single events and in batches of 100 and 500, each for BENCH_EVENTS events.
// The baseline, measured in the same run on the same database: the same rows (500 per statement)
// inserted by raw SQL through Vigil's own connection, the floor no API can beat. Every event sent
// is counted back in the database. On real PostgreSQL (a fresh database, dropped afterwards) when a
// server answers, and always on PGlite in memory.
import { sql } from 'kysely';
import { uuidv7 } from '../../src/platform/ids.js';
import { createPostgresDatabase, dropOnSignal, serverAnswers, signIn, startBackend } from '../org-units/backends.js';
import { describeUrl } from '../org-units/settings.js';
import { httpClient, stats } from '../org-units/tools.js';
import type { LatencyStats } from '../org-units/result.js';

export const EVENTS_SCENARIO = 'events';
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const CAMERAS = 20;
const BATCHES = [1, 100, 500] as const;

export interface EventsSettings {
  events: number;
  postgres: { url: string; source: string };
}

export interface IngestFigure {
  batch: number;
  events: number;
  eventsPerSecond: number;
  requestMs: LatencyStats;
}

export interface EventsBackendResult {
  backend: 'postgres' | 'pglite';
  ingest: IngestFigure[];
  /** The same rows inserted by raw SQL, 500 per statement. */
  rawInsertPerSecond: number;
  problems: string[];
}

export interface EventsResult {
  settings: { events: number; cameras: number; postgres: string };
  backends: EventsBackendResult[];
  skipped: { backend: string; reason: string }[];
  ok: boolean;
}

export function readEventsSettings(env: NodeJS.ProcessEnv): EventsSettings {
  const raw = env.BENCH_EVENTS;
  const events = raw === undefined || raw.trim() === '' ? 10_000 : Number(raw);
  if (!Number.isInteger(events) || events < 500) throw new Error(`BENCH_EVENTS must be an integer ≥ 500, got "${raw}"`);
  const url = env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? DEFAULT_POSTGRES_URL;
  const source = env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : env.DATABASE_URL ? 'DATABASE_URL' : 'default';
  return { events, postgres: { url, source } };
}

async function measureBackend(
  backend: 'postgres' | 'pglite',
  settings: EventsSettings,
  databaseUrl: string | undefined,
  progress: (line: string) => void,
): Promise<EventsBackendResult> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 20 && !problems.includes(text)) problems.push(text);
  };
  const vigil = await startBackend(databaseUrl);
  try {
    const { running } = vigil;
    const admin = httpClient(running.url, await signIn(running.url));
    const unit = await admin.send('POST', '/api/v1/organization-units', {
      code: 'BENCH',
      name: 'Bench site',
      unitType: 'ORGANIZATION',
      effectiveDate: '2026-01-01',
    });
    if (unit.status !== 201) throw new Error(`creating the unit answered ${unit.status}: ${unit.body}`);
    const cameras: string[] = [];
    for (let i = 0; i < CAMERAS; i++) {
      const camera = await admin.send('POST', '/api/v1/cameras', {
        orgUnitCode: 'BENCH',
        name: `cam ${i}`,
        sourceUrl: `http://127.0.0.1:9/c${i}`,
      });
      if (camera.status !== 201) throw new Error(`creating a camera answered ${camera.status}: ${camera.body}`);
      cameras.push((JSON.parse(camera.body) as { id: string }).id);
    }
    const key = await admin.send('POST', '/api/v1/api-keys', { name: 'bench detector', role: 'detector', orgUnitCode: 'BENCH' });
    if (key.status !== 201) throw new Error(`creating the detector key answered ${key.status}: ${key.body}`);
    admin.close();
    const detector = httpClient(running.url, (JSON.parse(key.body) as { key: string }).key);

    let serial = 0;
    const event = () => {
      serial += 1;
      return {
        cameraId: cameras[serial % CAMERAS]!,
        type: serial % 3 === 0 ? 'person' : 'no_hairnet',
        occurredAt: new Date(Date.now() - 1000).toISOString(),
        confidence: (serial % 100) / 100,
        bbox: { x: 0.1, y: 0.1, width: 0.2, height: 0.3 },
        trackId: `t-${serial % 50}`,
        idempotencyKey: `bench-${serial}`,
      };
    };

    const ingest: IngestFigure[] = [];
    for (const batch of BATCHES) {
      // Single events are slow by nature: a tenth of the count is enough to measure them.
      const total = batch === 1 ? Math.max(500, Math.floor(settings.events / 10)) : settings.events;
      const times: number[] = [];
      const started = performance.now();
      for (let sent = 0; sent < total; sent += batch) {
        const body = batch === 1 ? event() : { events: Array.from({ length: Math.min(batch, total - sent) }, event) };
        const answer = await detector.send('POST', '/api/v1/events', body);
        times.push(answer.ms);
        if (answer.status !== 201) problem(`POST /api/v1/events (batch ${batch}) answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        else if (batch > 1 && (JSON.parse(answer.body) as { created: number }).created !== Math.min(batch, total - sent)) {
          problem(`a batch of ${batch} did not store every event: ${answer.body.slice(0, 200)}`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const figure = { batch, events: total, eventsPerSecond: Math.round(total / seconds), requestMs: stats(times) };
      ingest.push(figure);
      progress(
        `events ${backend}: batch ${batch}: ${figure.eventsPerSecond} events/s, request p50 ${figure.requestMs.p50} ms, p99 ${figure.requestMs.p99} ms`,
      );
    }
    detector.close();
    const stored = Number((await sql<{ n: string }>`select count(*) as n from detection_events`.execute(running.database.db)).rows[0]!.n);
    if (stored !== serial) problem(`${serial} events sent, ${stored} stored`);

    // The floor: the same rows, 500 per statement, by raw SQL on Vigil's connection.
    const rawTotal = settings.events;
    const rawStarted = performance.now();
    for (let sent = 0; sent < rawTotal; sent += 500) {
      const rows = Array.from({ length: Math.min(500, rawTotal - sent) }, () => {
        const e = event();
        return {
          id: uuidv7(),
          camera_id: e.cameraId,
          org_unit_code: 'BENCH',
          type: e.type,
          occurred_at: new Date(e.occurredAt),
          received_at: new Date(),
          confidence: e.confidence,
          bbox: JSON.stringify(e.bbox),
          track_id: e.trackId,
          attributes: '{}',
          idempotency_key: e.idempotencyKey,
          has_snapshot: false,
          status: 'pending' as const,
          revision: 1,
          reported_by_type: 'api_key',
          reported_by: null,
        };
      });
      await running.database.db.insertInto('detection_events').values(rows).execute();
    }
    const rawInsertPerSecond = Math.round(rawTotal / ((performance.now() - rawStarted) / 1000));
    progress(`events ${backend}: raw SQL insert, 500 per statement: ${rawInsertPerSecond} rows/s`);
    return { backend, ingest, rawInsertPerSecond, problems };
  } finally {
    await vigil.close();
  }
}

export async function runEvents(settings: EventsSettings, progress: (line: string) => void): Promise<EventsResult> {
  const backends: EventsBackendResult[] = [];
  const skipped: EventsResult['skipped'] = [];
  const { url, source } = settings.postgres;
  if (source === 'default' && !(await serverAnswers(url))) {
    skipped.push({ backend: 'postgres', reason: `nothing answered at ${describeUrl(url)}` });
  } else {
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
    settings: { events: settings.events, cameras: CAMERAS, postgres: `${describeUrl(url)} (${source})` },
    backends,
    skipped,
    ok: backends.every((b) => b.problems.length === 0),
  };
}

export function formatEvents(result: EventsResult): string {
  const lines = [
    `Detection events ingest (${result.settings.events} events per batch size, ${result.settings.cameras} cameras, one keep-alive connection, one request at a time; baseline: the same rows by raw SQL, 500 per statement)`,
    '',
    '| backend | batch | events | events/s | request p50 ms | request p99 ms | vs raw SQL |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const b of result.backends) {
    for (const f of b.ingest) {
      lines.push(
        `| ${b.backend} | ${f.batch} | ${f.events} | ${f.eventsPerSecond} | ${f.requestMs.p50} | ${f.requestMs.p99} | ${(f.eventsPerSecond / b.rawInsertPerSecond).toFixed(2)} |`,
      );
    }
    lines.push(`| ${b.backend} | raw SQL | ${result.settings.events} | ${b.rawInsertPerSecond} | | | 1.00 |`);
    for (const p of b.problems) lines.push(`problem (${b.backend}): ${p}`);
  }
  for (const s of result.skipped) lines.push(`skipped ${s.backend}: ${s.reason}`);
  return lines.join('\n');
}
