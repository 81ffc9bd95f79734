// Alert rules, evaluation and notifications through the API, on a clock the test moves: rules are
// checked (every bad one a 400 naming its field), an event-count rule fires and resolves once each
// at a webhook receiver on loopback (Alertmanager's webhook format, signed, with an idempotency key),
// a receiver that is down for two minutes gets every notification once it is back and none twice,
// silences stop notifications but not the alert, and scope keeps units apart.
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { sleep } from './helpers/poll.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import type { WebhookReceiver } from './helpers/webhook-receiver.js';

type Headers = Record<string, string>;
interface Rule {
  id: string;
  revision: number;
  channels: { type: string; url?: string; hasSecret?: boolean }[];
}
interface Alert {
  id: string;
  state: string;
  ruleId: string | null;
  cameraId: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  ackedBy: string | null;
}
interface WebhookBody {
  version: string;
  status: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
  }[];
}

const RULES = '/api/v1/alerts/rules';
const SECRET = 'hook-s3cret-value';

describe('alerts', () => {
  let vigil: TestVigil;
  let hook: WebhookReceiver;
  let admin: Headers;
  let detector: Headers;
  let operatorA: Headers;
  let camA: string;
  let camB: string;
  let clock = new Date(Date.UTC(2026, 11, 1, 10, 0, 0));

  const call = (headers: Headers, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, extra: Headers = {}) =>
    vigil.app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const tick = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };
  /** One evaluation round, then the dispatcher until nothing is due. */
  async function round() {
    // One process: a round that does not run had nothing to judge (no rule, no active alert).
    await vigil.alerting.evaluator.runOnce();
    while ((await vigil.alerting.dispatcher.runOnce()) > 0);
  }
  const report = (cameraId: string, n: number, type = 'no_hairnet') =>
    call(detector, 'POST', '/api/v1/events', {
      events: Array.from({ length: n }, () => ({
        cameraId,
        type,
        occurredAt: new Date(clock.getTime() - 1000).toISOString(),
        confidence: 0.9,
      })),
    });
  const countRule = (over: Record<string, unknown> = {}) => ({
    name: 'Hairnets',
    scope: { orgUnitCode: 'S1' },
    condition: { type: 'event_count_over', eventType: 'no_hairnet', threshold: 5, window: '10m' },
    severity: 'high',
    labels: { team: 'site-a' },
    annotations: { summary: '{{camera.name}} at {{unit.name}}: {{value}} without hairnet' },
    channels: [{ type: 'webhook', url: `${hook.url}/hook`, secret: SECRET }],
    ...over,
  });
  const alerts = async (query = '') => (await call(admin, 'GET', `/api/v1/alerts?limit=500${query}`)).json<{ items: Alert[] }>().items;
  const bodies = () => hook.received.filter((r) => r.status === 200).map((r) => r.body as WebhookBody);

  async function addUser(email: string, role: string, unit: string | null): Promise<Headers> {
    const db = vigil.database.db;
    await sql`insert into users (id, email, display_name, password_hash)
              select gen_random_uuid(), ${email}, ${email}, password_hash from users where email = ${TEST_ADMIN.email}`.execute(db);
    await sql`insert into role_grants (id, user_id, role, org_unit_code)
              select gen_random_uuid(), id, ${role}, ${unit} from users where email = ${email}`.execute(db);
    const res = await call({}, 'POST', '/api/auth/login', { email, password: TEST_ADMIN.password });
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  }

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    // The circuit breakers run on real time: a short reset lets a test wait for one to close.
    vigil = await startTestVigil({
      workers: false,
      now: () => clock,
      env: { VIGIL_CAMERA_AUTO_START: 'false', VIGIL_ALERT_BREAKER_RESET_MS: '100' },
    });
    admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'S1', name: 'Bakery', unitType: 'SITE', parentCode: 'ACME' },
      { code: 'S2', name: 'Dairy', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      expect((await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' })).statusCode).toBe(201);
    }
    const camera = async (orgUnitCode: string, name: string) =>
      (
        await call(admin, 'POST', '/api/v1/cameras', {
          orgUnitCode,
          name,
          sourceUrl: `http://127.0.0.1:9/${name}`,
          labels: ['zone:kitchen'],
        })
      ).json<{
        id: string;
      }>().id;
    camA = await camera('S1', 'Oven');
    camB = await camera('S2', 'Churn');
    const key = await call(admin, 'POST', '/api/v1/api-keys', { name: 'detector', role: 'detector', orgUnitCode: 'ACME' });
    detector = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
    operatorA = await addUser('op@example.com', 'operator', 'S1');
  });
  afterAll(async () => {
    await vigil?.stop();
    await hook?.close();
  });
  beforeEach(async () => {
    // Each test starts with no rules, alerts or notifications left by the one before.
    await sql`delete from alert_outbox`.execute(vigil.database.db);
    await sql`delete from alert_instances`.execute(vigil.database.db);
    await sql`delete from alert_rules`.execute(vigil.database.db);
    await sql`delete from alert_silences`.execute(vigil.database.db);
    hook.received.length = 0;
    hook.answer(200);
    tick(3600); // events of earlier tests are out of every window
    await sleep(150); // a breaker a test opened lets the next notification try
  });

  it('creates, reads, replaces and deletes a rule; its channel secret is sealed and never shown', async () => {
    const created = await call(operatorA, 'POST', RULES, countRule());
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json<Rule>();
    expect(rule).toMatchObject({ revision: 1, channels: [{ type: 'webhook', hasSecret: true }] });
    expect(created.body).not.toContain(SECRET);
    const stored = await sql<{ channels_sealed: string }>`select channels_sealed from alert_rules where id = ${rule.id}`.execute(
      vigil.database.db,
    );
    expect(stored.rows[0]!.channels_sealed).not.toContain(SECRET);
    expect(vigil.logs.text()).not.toContain(SECRET);
    expect((await call(operatorA, 'GET', `${RULES}/${rule.id}`)).json()).toMatchObject({ id: rule.id, for: '0s', repeatInterval: '4h' });
    expect((await call(operatorA, 'GET', RULES)).json<{ items: Rule[] }>().items.map((r) => r.id)).toEqual([rule.id]);

    const stale = await call(operatorA, 'PUT', `${RULES}/${rule.id}`, countRule({ for: '30s' }), { 'if-match': '"9"' });
    expect(stale.statusCode).toBe(412);
    const replaced = await call(operatorA, 'PUT', `${RULES}/${rule.id}`, countRule({ for: '1h30m', enabled: false }), {
      'if-match': '"1"',
    });
    expect(replaced.json()).toMatchObject({ revision: 2, for: '1h30m', enabled: false });
    expect((await call(operatorA, 'DELETE', `${RULES}/${rule.id}`)).statusCode).toBe(204);
    expect((await call(operatorA, 'GET', `${RULES}/${rule.id}`)).statusCode).toBe(404);
    const actions = await sql<{ action: string }>`select action from audit_events where resource_id = ${rule.id} order by at, id`.execute(
      vigil.database.db,
    );
    expect(actions.rows.map((r) => r.action)).toEqual(['alert_rule.create', 'alert_rule.update', 'alert_rule.delete']);
  });

  it('refuses bad rules with a 400 that names the field', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ for: '5 minutes' }, 'VALIDATION_FAILED', 'body.for'],
      [{ severity: 'urgent' }, 'VALIDATION_FAILED', 'body.severity'],
      [{ condition: { type: 'event_count_over', eventType: 'no_hairnet', threshold: 5 } }, 'VALIDATION_FAILED', 'body.condition.window'],
      [{ condition: { type: 'fps_below', threshold: -1 } }, 'VALIDATION_FAILED', 'body.condition.threshold'],
      [{ condition: { type: 'teleported' } }, 'VALIDATION_FAILED', 'body.condition.type'],
      [{ labels: { 'bad-name': 'x' } }, 'VALIDATION_FAILED', 'body.labels'],
      [{ channels: [{ type: 'webhook', url: 'ftp://x.example/' }] }, 'VALIDATION_FAILED', 'body.channels.0.url'],
    ];
    for (const [over, code, path] of cases) {
      const res = await call(admin, 'POST', RULES, countRule(over));
      expect(res.statusCode, JSON.stringify(over)).toBe(400);
      const body = res.json<{ code: string; details: { errors?: { path: string }[] } }>();
      expect(body.code).toBe(code);
      expect(
        body.details.errors?.map((e) => e.path).some((p) => p.startsWith(path)),
        `${path} in ${res.body}`,
      ).toBe(true);
    }
    const invalid: [Record<string, unknown>, string][] = [
      [{ condition: { type: 'event_count_over', eventType: 'x', threshold: 1, window: '0s' } }, 'condition.window'],
      [{ condition: { type: 'no_events', window: '30d' } }, 'condition.window'],
      [{ annotations: { summary: '{{camera.ip}}' } }, 'annotations.summary'],
      [{ scope: {}, condition: { type: 'site_offline', fraction: 0.5 } }, 'scope.orgUnitCode'],
      [{ scope: { orgUnitCode: 'NOPE' } }, 'scope.orgUnitCode'],
      [{ channels: [{ type: 'email', to: ['ops@example.com'] }] }, 'channels.0'],
      [{ channels: [{ type: 'webhook', url: 'http://169.254.169.254/latest' }] }, 'channels.0.url'],
      [{ channels: [{ type: 'alertmanager', url: 'http://user:pw@127.0.0.1:9093' }] }, 'channels.0.url'],
      [{ repeatInterval: '0s' }, 'repeatInterval'],
    ];
    for (const [over, field] of invalid) {
      const res = await call(admin, 'POST', RULES, countRule(over));
      expect(res.statusCode, `${JSON.stringify(over)}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ code: 'INVALID_ALERT_RULE', details: { field } });
    }
    expect(await sql`select 1 from alert_rules`.execute(vigil.database.db).then((r) => r.rows.length)).toBe(0);
  });

  it('keeps units apart: an operator of one site neither sees nor makes the rules and alerts of another', async () => {
    const theirs = (await call(admin, 'POST', RULES, countRule({ scope: { orgUnitCode: 'S2' } }))).json<Rule>();
    expect((await call(operatorA, 'GET', `${RULES}/${theirs.id}`)).statusCode).toBe(404);
    expect((await call(operatorA, 'GET', RULES)).json<{ items: Rule[] }>().items).toEqual([]);
    expect((await call(operatorA, 'POST', RULES, countRule({ scope: { orgUnitCode: 'S2' } }))).statusCode).toBe(403);
    const onCamera = await call(operatorA, 'POST', RULES, countRule({ scope: { orgUnitCode: 'S1', cameraIds: [camB] } }));
    expect(onCamera.json()).toMatchObject({ code: 'INVALID_ALERT_RULE', details: { field: 'scope.cameraIds' } });
    // A rule on no unit watches every camera: not for an operator of one site.
    expect((await call(operatorA, 'POST', RULES, countRule({ scope: {} }))).json()).toMatchObject({
      details: { field: 'scope.orgUnitCode' },
    });
    await report(camB, 6);
    await round();
    expect((await alerts()).length).toBe(1);
    expect((await call(operatorA, 'GET', '/api/v1/alerts')).json<{ items: Alert[] }>().items).toEqual([]);
    const [alert] = await alerts();
    expect((await call(operatorA, 'GET', `/api/v1/alerts/${alert!.id}`)).statusCode).toBe(404);
    expect((await call(operatorA, 'POST', `/api/v1/alerts/${alert!.id}/ack`)).statusCode).toBe(404);
  });

  it('fires once and resolves once at the webhook: Alertmanager format, signed, with an idempotency key', async () => {
    const rule = (await call(admin, 'POST', RULES, countRule())).json<Rule>();
    await report(camA, 5);
    await round();
    expect(await alerts()).toEqual([]); // 5 is not over 5
    await report(camA, 1);
    await round();
    const [firing] = await alerts('&state=firing');
    expect(firing).toMatchObject({ ruleId: rule.id, cameraId: camA, value: 6 });
    expect(firing!.annotations.summary).toBe('Oven at Bakery: 6 without hairnet');
    expect(firing!.labels).toMatchObject({ alertname: 'Hairnets', severity: 'high', team: 'site-a', camera: 'Oven', org_unit: 'S1' });
    expect(hook.received).toHaveLength(1);
    const sent = hook.received[0]!;
    const body = sent.body as WebhookBody;
    expect(body).toMatchObject({ version: '4', status: 'firing', alerts: [{ status: 'firing', endsAt: '0001-01-01T00:00:00Z' }] });
    expect(body.alerts[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(sent.headers['idempotency-key']).toMatch(/:firing:/);
    const expected = `sha256=${createHmac('sha256', SECRET)
      .update(`${String(sent.headers['x-vigil-timestamp'])}.${sent.raw}`)
      .digest('hex')}`;
    expect(sent.headers['x-vigil-signature']).toBe(expected);

    // Rounds while it keeps firing send nothing more (the repeat interval is 4 h).
    for (let i = 0; i < 5; i++) {
      tick(10);
      await round();
    }
    expect(hook.received).toHaveLength(1);
    // The window passes: the count falls to zero and the alert resolves, once.
    tick(600);
    await round();
    await round();
    expect(bodies().map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(bodies()[1]!.alerts[0]!.endsAt).not.toBe('0001-01-01T00:00:00Z');
    const [resolved] = await alerts('&state=resolved');
    expect(resolved!.id).toBe(firing!.id);
    const metrics = (await call(admin, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/notifications_total\{channel="webhook",result="delivered"\} [2-9]/);
    expect(metrics).toMatch(/alert_rule_evaluations_total [1-9]/);
    expect(metrics).toMatch(/outbox_dispatch_total\{result="delivered",event_type="resolved"\} [1-9]/);
  });

  it('honours `for`: a condition that does not hold long enough never fires, one that does fires once', async () => {
    await call(admin, 'POST', RULES, countRule({ for: '2m' }));
    await report(camA, 6);
    await round();
    expect((await alerts())[0]).toMatchObject({ state: 'pending' });
    tick(60);
    await round();
    expect((await alerts())[0]).toMatchObject({ state: 'pending' });
    tick(61);
    await round();
    expect((await alerts())[0]).toMatchObject({ state: 'firing' });
    expect(bodies().map((b) => b.status)).toEqual(['firing']);
  });

  it('delivers every notification once a receiver that was down for two minutes is back, none twice', async () => {
    await call(admin, 'POST', RULES, countRule({ scope: { orgUnitCode: 'ACME' } }));
    hook.answer(503);
    await report(camA, 6);
    await report(camB, 6);
    await round();
    const due = Number((await sql<{ n: string }>`select count(*) as n from alert_outbox`.execute(vigil.database.db)).rows[0]!.n);
    expect(due).toBe(2);
    // Two minutes down, the dispatcher trying as its backoff allows.
    for (let s = 0; s < 120; s += 5) {
      tick(5);
      while ((await vigil.alerting.dispatcher.runOnce()) > 0);
    }
    expect(hook.received.length).toBeGreaterThan(2); // retried
    expect(hook.accepted().size).toBe(0);
    hook.answer(200);
    // Its breaker opened while it was down: it lets a notification try again after its reset (real time).
    for (let s = 0; s < 600 && hook.accepted().size < 2; s += 5) {
      tick(5);
      await sleep(20);
      while ((await vigil.alerting.dispatcher.runOnce()) > 0);
    }
    const accepted = hook.accepted();
    expect(accepted.size).toBe(2);
    expect([...accepted.values()]).toEqual([1, 1]);
    const pending = await sql<{ n: string }>`select count(*) as n from alert_outbox where delivered_at is null`.execute(vigil.database.db);
    expect(Number(pending.rows[0]!.n)).toBe(0);
  });

  it('gives up a notification its receiver refuses (a 4xx) without retrying it', async () => {
    await call(admin, 'POST', RULES, countRule());
    hook.answer(400);
    await report(camA, 6);
    await round();
    tick(60);
    await round();
    expect(hook.received).toHaveLength(1);
    const row = await sql<{ failed_at: Date | null; last_error: string }>`select failed_at, last_error from alert_outbox`.execute(
      vigil.database.db,
    );
    expect(row.rows[0]!.failed_at).not.toBeNull();
    expect(row.rows[0]!.last_error).toContain('400');
  });

  it('silences stop notifications, not the alert; acknowledging records who did it', async () => {
    const silence = await call(operatorA, 'POST', '/api/v1/alerts/silences', {
      matchers: [{ name: 'alertname', value: 'Hair.*', isRegex: true }],
      endsAt: new Date(clock.getTime() + 3_600_000).toISOString(),
      comment: 'maintenance',
      orgUnitCode: 'S1',
    });
    expect(silence.statusCode, silence.body).toBe(201);
    expect(silence.json()).toMatchObject({ state: 'active', orgUnitCode: 'S1' });
    await call(admin, 'POST', RULES, countRule({ scope: { orgUnitCode: 'ACME' } }));
    await report(camA, 6);
    await report(camB, 6);
    await round();
    expect((await alerts('&state=firing')).length).toBe(2); // both fire
    // Only S2's reaches the receiver: the silence is S1's.
    expect(bodies().map((b) => b.alerts[0]!.labels.org_unit)).toEqual(['S2']);
    const [mine] = (await call(operatorA, 'GET', '/api/v1/alerts')).json<{ items: Alert[] }>().items;
    const acked = await call(operatorA, 'POST', `/api/v1/alerts/${mine!.id}/ack`);
    expect(acked.json<Alert>().ackedBy).not.toBeNull();
    // Ended, listed as expired; bad silences are 400s.
    const ended = await call(operatorA, 'DELETE', `/api/v1/alerts/silences/${silence.json<{ id: string }>().id}`);
    expect(ended.json()).toMatchObject({ state: 'expired' });
    const past = await call(admin, 'POST', '/api/v1/alerts/silences', {
      matchers: [{ name: 'a', value: 'b' }],
      endsAt: new Date(clock.getTime() - 1000).toISOString(),
      comment: 'x',
    });
    expect(past.json()).toMatchObject({ code: 'INVALID_SILENCE', details: { field: 'endsAt' } });
    const regex = await call(admin, 'POST', '/api/v1/alerts/silences', {
      matchers: [{ name: 'a', value: '(', isRegex: true }],
      endsAt: new Date(clock.getTime() + 1000).toISOString(),
      comment: 'x',
    });
    expect(regex.json()).toMatchObject({ code: 'INVALID_SILENCE', details: { field: 'matchers.0.value' } });
  });

  it('lets a firing site alert inhibit the alerts of its cameras: one notification for the site, not one per camera', async () => {
    const db = vigil.database.db;
    // Two more cameras at S1; all three should run, and none does (no workers here): offline.
    const more = [];
    for (const name of ['Mixer', 'Proofer']) {
      more.push(
        (await call(admin, 'POST', '/api/v1/cameras', { orgUnitCode: 'S1', name, sourceUrl: `http://127.0.0.1:9/${name}` })).json<{
          id: string;
        }>().id,
      );
    }
    const ids = [camA, ...more];
    await call(admin, 'POST', RULES, countRule({ name: 'Camera offline', condition: { type: 'camera_offline' }, annotations: {} }));
    await call(admin, 'POST', RULES, countRule({ name: 'Site down', condition: { type: 'site_offline', fraction: 0.6 }, annotations: {} }));
    try {
      await sql`update cameras set desired_running = true where id = any(${ids}::uuid[])`.execute(db);
      await round();
      const firing = await alerts('&state=firing');
      expect(firing.map((a) => a.labels.alertname).sort()).toEqual(['Camera offline', 'Camera offline', 'Camera offline', 'Site down']);
      // Only the site alert reached the receiver; the three camera alerts fire, inhibited.
      expect(bodies().map((b) => b.alerts[0]!.labels.alertname)).toEqual(['Site down']);
      expect(bodies()[0]!.alerts[0]!.labels).toMatchObject({ site: 'true', org_unit: 'S1' });
      const metrics = (await call(admin, 'GET', '/metrics')).body;
      expect(metrics).toMatch(/notifications_total\{channel="any",result="inhibited"\} [3-9]/);
    } finally {
      await sql`update cameras set desired_running = false where id = any(${ids}::uuid[])`.execute(db);
      for (const id of more) await call(admin, 'DELETE', `/api/v1/cameras/${id}`);
    }
  });

  it('tests a rule without changing anything, and resolves the alerts of a deleted rule', async () => {
    const rule = (await call(admin, 'POST', RULES, countRule())).json<Rule>();
    await report(camA, 7);
    const test = await call(admin, 'POST', `${RULES}/${rule.id}/test`);
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json()).toMatchObject({ series: [{ cameraId: camA, holds: true, value: 7, state: 'inactive', wouldFire: true }] });
    expect(await alerts()).toEqual([]);
    expect(hook.received).toHaveLength(0);
    await round();
    expect(bodies().map((b) => b.status)).toEqual(['firing']);
    await call(admin, 'DELETE', `${RULES}/${rule.id}`);
    await round();
    // The rule is gone; its alert stays in the history, resolved, and the receiver was told.
    expect(await alerts()).toMatchObject([{ state: 'resolved', ruleId: null }]);
    expect(bodies().map((b) => b.status)).toEqual(['firing', 'resolved']);
  });
});
