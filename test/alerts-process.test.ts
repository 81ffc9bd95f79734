// Alert delivery across crashes and processes, with real `vigil serve` processes:
// - killed with SIGKILL after an alert fired (state and notification committed) and while its
//   webhook was being sent, Vigil sends it again after a restart, with the same idempotency key:
//   the receiver acts on it once;
// - two processes on one PostgreSQL: one evaluates at a time, the other takes over when the first is
//   killed, and no notification is delivered twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { lockKey } from '../src/platform/db/locks.js';
import { createTestDatabase, realDatabaseUrl } from './helpers/databases.js';
import type { TestDatabase } from './helpers/databases.js';
import { pollUntil } from './helpers/poll.js';
import { freePort, runVigil, signIn } from './helpers/process.js';
import type { VigilProcess } from './helpers/process.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import type { WebhookReceiver } from './helpers/webhook-receiver.js';

const ADMIN = { email: 'admin@example.com', password: 'harbour-lantern-test-42' };
const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

interface Cluster {
  serve(): Promise<{ proc: VigilProcess; url: string }>;
  kill(proc: VigilProcess): Promise<void>;
  close(): Promise<void>;
}

/** Vigil processes on one database (PostgreSQL when given, else PGlite in one data directory). */
function cluster(database: TestDatabase | undefined): Cluster {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-alerts-'));
  const processes: VigilProcess[] = [];
  return {
    async serve() {
      const proc = runVigil(['serve'], {
        // PGlite keeps its files in DATA_DIR: a restarted process opens the same database.
        DATA_DIR: database ? mkdtempSync(path.join(dir, 'node-')) : dir,
        PORT: String(await freePort()),
        ...(database?.url ? { DATABASE_URL: database.url } : {}),
        ...(database && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
        LOG_LEVEL: 'info',
        VIGIL_ADMIN_EMAIL: ADMIN.email,
        VIGIL_ADMIN_PASSWORD: ADMIN.password,
        VIGIL_SECRET_KEY: SECRET_KEY,
        VIGIL_RATE_LIMIT_MAX: '1000000',
        VIGIL_RATE_LIMIT_AUTH_MAX: '1000000',
        VIGIL_ALERT_EVALUATION_INTERVAL_MS: '300',
        VIGIL_ALERT_CLAIM_LEASE_MS: '3000',
        VIGIL_ALERT_RETRY_BASE_MS: '200',
        VIGIL_ALERT_RETRY_MAX_MS: '1000',
        VIGIL_ALERT_BREAKER_RESET_MS: '200',
      });
      processes.push(proc);
      const line = await proc.waitForLog((r) => r.msg === 'vigil is serving', 90_000);
      return { proc, url: line.url as string };
    },
    async kill(proc) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A unit, cameras, a detector key and an event-count rule that fires on the first event of a camera. */
async function setUp(url: string, hook: WebhookReceiver, cameras: number) {
  const headers = await signIn(url, ADMIN);
  const post = async (route: string, body: object) => {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST ${route} answered ${res.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  await post('/api/v1/organization-units', { code: 'SITE', name: 'Site', unitType: 'SITE', effectiveDate: '2026-01-01' });
  const ids: string[] = [];
  for (let i = 0; i < cameras; i++)
    ids.push((await post('/api/v1/cameras', { orgUnitCode: 'SITE', name: `cam ${i}`, sourceUrl: `http://127.0.0.1:9/${i}` })).id as string);
  const key = (await post('/api/v1/api-keys', { name: 'detector', role: 'detector', orgUnitCode: 'SITE' })).key as string;
  await post('/api/v1/alerts/rules', {
    name: 'Seen',
    scope: { orgUnitCode: 'SITE' },
    condition: { type: 'event_count_over', eventType: 'person', threshold: 0, window: '1h' },
    severity: 'high',
    channels: [{ type: 'webhook', url: `${hook.url}/hook` }],
  });
  return { ids, key };
}

async function report(url: string, key: string, cameraId: string) {
  const res = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cameraId, type: 'person', occurredAt: new Date().toISOString(), confidence: 0.9 }),
  });
  if (res.status !== 201) throw new Error(`POST /api/v1/events answered ${res.status}: ${await res.text()}`);
}

/** Firing notifications per alert fingerprint, among those the receiver accepted. */
function firingPerAlert(hook: WebhookReceiver): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of hook.received) {
    const body = r.body as { status: string; alerts: { fingerprint: string }[] };
    if (r.status !== 200 || body.status !== 'firing') continue;
    const fp = body.alerts[0]!.fingerprint;
    out.set(fp, (out.get(fp) ?? 0) + 1);
  }
  return out;
}

describe('alert delivery across a crash', () => {
  let hook: WebhookReceiver | undefined;
  let nodes: Cluster | undefined;
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await nodes?.close();
    await hook?.close();
    await database?.drop();
  });

  it('sends a notification again after SIGKILL between the state change and the send, with the same key: received once in effect', async () => {
    hook = await startWebhookReceiver();
    database = realDatabaseUrl ? await createTestDatabase() : undefined;
    nodes = cluster(database);
    const first = await nodes.serve();
    const { ids, key } = await setUp(first.url, hook, 1);
    // The receiver takes the request and does not answer: the alert fired and its notification is
    // being sent when the process dies.
    hook.hold(true);
    await report(first.url, key, ids[0]!);
    await pollUntil(
      () => hook!.held(),
      (n) => n >= 1,
      { timeoutMs: 30_000, what: 'the notification to reach the receiver' },
    );
    await nodes.kill(first.proc);
    hook.hold(false); // the held request's sender is gone: it is not delivered
    expect(hook.accepted().size).toBe(0);

    const second = await nodes.serve();
    await pollUntil(
      () => hook!.accepted().size,
      (n) => n >= 1,
      { timeoutMs: 60_000, what: 'the notification after the restart' },
    );
    // A few more rounds of the restarted process: nothing fires again.
    await pollUntil(
      async () => (await fetch(`${second.url}/metrics`)).text(),
      (text) => /job_runs_total\{job="alert-evaluator",outcome="ran"\} ([3-9]|\d{2,})/.test(text),
      { timeoutMs: 30_000, what: 'rounds of the restarted evaluator' },
    );
    const attempts = hook.received.map((r) => String(r.headers['idempotency-key']));
    expect(new Set(attempts).size).toBe(1); // the same key, sent twice
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect([...hook.accepted().values()]).toEqual([1]);
    expect([...firingPerAlert(hook).values()]).toEqual([1]);
  });
});

describe('alert state across a restart', () => {
  let hook: WebhookReceiver | undefined;
  let nodes: Cluster | undefined;
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await nodes?.close();
    await hook?.close();
    await database?.drop();
  });

  it('keeps a pending alert’s timer across a restart: it fires once `for` has passed since the condition began, not since the restart', async () => {
    hook = await startWebhookReceiver();
    database = realDatabaseUrl ? await createTestDatabase() : undefined;
    nodes = cluster(database);
    const first = await nodes.serve();
    const headers = await signIn(first.url, ADMIN);
    const { ids, key } = await setUp(first.url, hook, 1);
    // A second rule on the same camera that must hold for 8 s.
    const rule = await fetch(`${first.url}/api/v1/alerts/rules`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'Seen for a while',
        scope: { orgUnitCode: 'SITE' },
        condition: { type: 'event_count_over', eventType: 'person', threshold: 0, window: '1h' },
        for: '8s',
        severity: 'low',
        channels: [{ type: 'webhook', url: `${hook.url}/slow` }],
      }),
    });
    expect(rule.status).toBe(201);
    await report(first.url, key, ids[0]!);
    const pending = await pollUntil(
      async () =>
        ((await (await fetch(`${first.url}/api/v1/alerts?state=pending`, { headers })).json()) as { items: { activeSince: string }[] })
          .items,
      (items) => items.length === 1,
      { timeoutMs: 30_000, what: 'the pending alert' },
    );
    const since = pending[0]!.activeSince;
    await nodes.kill(first.proc);
    const second = await nodes.serve();
    const again = await signIn(second.url, ADMIN);
    const fired = await pollUntil(
      async () =>
        (
          (await (await fetch(`${second.url}/api/v1/alerts?state=firing`, { headers: again })).json()) as {
            items: { activeSince: string; firedAt: string; labels: Record<string, string> }[];
          }
        ).items.filter((a) => a.labels.alertname === 'Seen for a while'),
      (items) => items.length === 1,
      { timeoutMs: 60_000, what: 'the alert to fire after the restart' },
    );
    // The same alert, its clock from before the restart; fired once `for` had passed.
    expect(fired[0]!.activeSince).toBe(since);
    expect(Date.parse(fired[0]!.firedAt) - Date.parse(since)).toBeGreaterThanOrEqual(8_000);
    await pollUntil(
      () => hook!.received.filter((r) => r.path === '/slow').length,
      (n) => n >= 1,
      { timeoutMs: 30_000, what: 'its notification' },
    );
    expect(hook.received.filter((r) => r.path === '/slow' && r.status === 200)).toHaveLength(1);
    // The rule without `for` fired before the restart and not again after it. Its notification may
    // have been answered just as the first process died, before it recorded the delivery; then the
    // second process sends it again under the same idempotency key, which a receiver acts on once.
    const firstRule = hook.received.filter(
      (r) => r.path === '/hook' && (r.body as { status: string }).status === 'firing' && r.status === 200,
    );
    expect(firstRule.length).toBeGreaterThanOrEqual(1);
    expect(new Set(firstRule.map((r) => String(r.headers['idempotency-key']))).size).toBe(1);
    expect(new Set(firstRule.map((r) => (r.body as { alerts: { fingerprint: string }[] }).alerts[0]!.fingerprint)).size).toBe(1);
  });
});

describe.runIf(realDatabaseUrl)('two processes evaluating alerts (PostgreSQL)', () => {
  let hook: WebhookReceiver | undefined;
  let nodes: Cluster | undefined;
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await nodes?.close();
    await hook?.close();
    await database?.drop();
  });

  it('evaluates in one process at a time, takes over when it is killed, and delivers no notification twice', async () => {
    hook = await startWebhookReceiver();
    database = await createTestDatabase();
    nodes = cluster(database);
    const a = await nodes.serve();
    const b = await nodes.serve();
    const { ids, key } = await setUp(a.url, hook, 10);
    // Alerts fire through either process's ingest while both run.
    for (const [i, id] of ids.slice(0, 5).entries()) await report(i % 2 === 0 ? a.url : b.url, key, id);
    await pollUntil(
      () => firingPerAlert(hook!).size,
      (n) => n >= 5,
      { timeoutMs: 60_000, what: 'five alerts at the receiver' },
    );
    const count = async (url: string, outcome: 'ran' | 'skipped') =>
      Number(
        new RegExp(`job_runs_total\\{job="alert-evaluator",outcome="${outcome}"\\} (\\d+)`).exec(
          await (await fetch(`${url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const ran = (url: string) => count(url, 'ran');
    // While something else holds the evaluator's lock, neither process evaluates: both skip their
    // rounds and an alert that should fire waits; once it is free, one of them fires it.
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1)', [lockKey('job:alert-evaluator')]);
      // Once each has skipped a round, any round under way when the lock was taken is counted.
      const skippedFirst = [await count(a.url, 'skipped'), await count(b.url, 'skipped')];
      await pollUntil(
        async () => [await count(a.url, 'skipped'), await count(b.url, 'skipped')],
        ([sa, sb]) => sa! > skippedFirst[0]! && sb! > skippedFirst[1]!,
        { timeoutMs: 30_000, what: 'both processes to skip a round' },
      );
      const ranBefore = (await ran(a.url)) + (await ran(b.url));
      const skippedBefore = [await count(a.url, 'skipped'), await count(b.url, 'skipped')];
      await report(b.url, key, ids[5]!);
      await pollUntil(
        async () => [await count(a.url, 'skipped'), await count(b.url, 'skipped')],
        ([sa, sb]) => sa! >= skippedBefore[0]! + 2 && sb! >= skippedBefore[1]! + 2,
        { timeoutMs: 30_000, what: 'both processes to skip rounds while the lock is held' },
      );
      expect((await ran(a.url)) + (await ran(b.url))).toBe(ranBefore);
      expect(firingPerAlert(hook).size).toBe(5);
      await holder.query('commit');
    } finally {
      await holder.end();
    }
    await pollUntil(
      () => firingPerAlert(hook!).size,
      (n) => n >= 6,
      { timeoutMs: 30_000, what: 'the held-back alert once the lock is free' },
    );

    await nodes.kill(a.proc);
    for (const id of ids.slice(6)) await report(b.url, key, id);
    await pollUntil(
      () => firingPerAlert(hook!).size,
      (n) => n >= 10,
      { timeoutMs: 60_000, what: 'the other five after the takeover' },
    );
    const roundsBefore = await ran(b.url);
    await pollUntil(
      () => ran(b.url),
      (n) => n >= roundsBefore + 3,
      { timeoutMs: 30_000, what: 'more rounds in the survivor' },
    );

    // Each alert fired once, and each notification was accepted once.
    expect([...firingPerAlert(hook).values()].every((n) => n === 1)).toBe(true);
    expect(firingPerAlert(hook).size).toBe(10);
    expect([...hook.accepted().values()].every((n) => n === 1)).toBe(true);
  });
});
