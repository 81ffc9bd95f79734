// Alert channels against the real receivers, on loopback: a real Alertmanager (Debian package
// prometheus-alertmanager) gets Vigil's alert through its /api/v2/alerts, lists it with its labels
// and rendered summary, and stops listing it once Vigil resolves it; a real SMTP server (aiosmtpd,
// Debian package python3-aiosmtpd, run by the system python) gets one email per notification, with
// the idempotency key in its Message-ID and in X-Vigil-Idempotency-Key. Each receiver is skipped,
// saying why, when it is not installed; with CI_REQUIRE_ALERTMANAGER=1 / CI_REQUIRE_SMTP=1 (.ci/run)
// its part fails instead.
//
// Vigil runs on a fake clock while Alertmanager compares endsAt with the real one: the fake clock
// starts ten minutes before the real time, so that an alert Vigil resolves six minutes of fake time
// later has ended in the real past, and a firing alert (valid for 4 × VIGIL_ALERTMANAGER_RESEND_S,
// set to an hour here) ends in the real future.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

const ALERTMANAGER = process.env.ALERTMANAGER ?? '/usr/bin/prometheus-alertmanager';
const alertmanagerPresent = spawnSync(ALERTMANAGER, ['--version']).status === 0;
const requireAlertmanager = process.env.CI_REQUIRE_ALERTMANAGER === '1';
const SYSTEM_PYTHON = '/usr/bin/python3';
const aiosmtpdPresent = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import aiosmtpd.handlers']).status === 0;
const requireSmtp = process.env.CI_REQUIRE_SMTP === '1';

/** How long a spawned receiver has to start: CI shares two cores between many things. */
const START_TIMEOUT_MS = 30_000;
/** How long a receiver has to show what it was sent (it is there when it answered; this is slack). */
const SHOW_TIMEOUT_MS = 30_000;
const RESEND_S = 3600;

type Headers = Record<string, string>;
interface OutboxRow {
  channel_type: string;
  event_type: string;
  idempotency_key: string;
  delivered_at: Date | null;
  failed_at: Date | null;
  last_error: string | null;
}
interface VigilAlert {
  id: string;
  state: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  receivers: { name: string }[];
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A child process with its output kept (for failure messages), stopped with SIGTERM, then SIGKILL. */
interface Child {
  readonly exited: boolean;
  output(): string;
  stop(): Promise<void>;
}

function startChild(command: string, args: string[]): Child {
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Nothing of the test runner's environment (a pyenv's PYTHONPATH, DATABASE_URL, ...).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
  });
  let output = '';
  let exited = false;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const closed = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exited = true;
      output += `\n[exited: code ${code}, signal ${signal}]`;
      resolve();
    });
    child.once('error', (error) => {
      exited = true;
      output += `\n[could not run ${command}: ${error.message}]`;
      resolve();
    });
  });
  return {
    get exited() {
      return exited;
    },
    output: () => output,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(kill);
    },
  };
}

/** Polls `probe` until it says ready; fails at once, with the child's output, if the child exits. */
async function waitReady(child: Child, what: string, probe: () => Promise<boolean>): Promise<void> {
  try {
    const state = await pollUntil(
      async () => (child.exited ? 'exited' : (await probe()) ? 'ready' : 'starting'),
      (s) => s !== 'starting',
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, what },
    );
    if (state === 'exited') throw new Error(`${what}: the process exited`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- its output ---\n${child.output()}`);
  }
}

/** The greeting of an SMTP server (then QUIT), or an error when nothing answers. */
function smtpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(5_000, () => socket.destroy(new Error('no greeting within 5 s')));
    socket.once('data', (chunk: Buffer) => {
      socket.end('QUIT\r\n');
      resolve(chunk.toString('utf8'));
    });
    socket.once('error', reject);
  });
}

/** The header fields of a message (names lower-cased, folded lines unfolded), and its body. */
function parseMessage(raw: string): { headers: Map<string, string[]>; body: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { headers, body: split < 0 ? '' : raw.slice(split).trim() };
}

/** One Vigil on a fake clock, with a site (Acme > Bakery), a camera (Oven) on it, and a detector key. */
async function startSite(env: Headers) {
  let clock = new Date(Date.now() - 10 * 60_000);
  const vigil: TestVigil = await startTestVigil({
    workers: false,
    now: () => clock,
    env: { VIGIL_CAMERA_AUTO_START: 'false', VIGIL_ALERT_BREAKER_RESET_MS: '100', ...env },
  });
  const call = (headers: Headers, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    vigil.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  try {
    const admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'S1', name: 'Bakery', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      const res = await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2020-01-01' });
      expect(res.statusCode, res.body).toBe(201);
    }
    const camera = await call(admin, 'POST', '/api/v1/cameras', { orgUnitCode: 'S1', name: 'Oven', sourceUrl: 'http://127.0.0.1:9/oven' });
    expect(camera.statusCode, camera.body).toBe(201);
    const cameraId = camera.json<{ id: string }>().id;
    const key = await call(admin, 'POST', '/api/v1/api-keys', { name: 'detector', role: 'detector', orgUnitCode: 'ACME' });
    expect(key.statusCode, key.body).toBe(201);
    const detector = { authorization: `Bearer ${key.json<{ key: string }>().key}` };

    return {
      vigil,
      now: () => clock,
      /** Moves the fake clock on. */
      tick(seconds: number) {
        clock = new Date(clock.getTime() + seconds * 1000);
      },
      /** A rule over five `no_hairnet` events in five minutes at Bakery, sending to `channels`. */
      async createRule(channels: unknown[]) {
        const res = await call(admin, 'POST', '/api/v1/alerts/rules', {
          name: 'Hairnets',
          scope: { orgUnitCode: 'S1' },
          condition: { type: 'event_count_over', eventType: 'no_hairnet', threshold: 5, window: '5m' },
          severity: 'high',
          labels: { team: 'site-a' },
          annotations: { summary: '{{camera.name}} at {{unit.name}}: {{value}} without hairnet' },
          channels,
        });
        expect(res.statusCode, res.body).toBe(201);
        return res.json<{ id: string; name: string }>();
      },
      /** `n` detections on the camera, a second ago. */
      async report(n: number) {
        const res = await call(detector, 'POST', '/api/v1/events', {
          events: Array.from({ length: n }, () => ({
            cameraId,
            type: 'no_hairnet',
            occurredAt: new Date(clock.getTime() - 1000).toISOString(),
            confidence: 0.9,
          })),
        });
        expect(res.statusCode, res.body).toBeLessThan(300);
      },
      /** One evaluation round, then the dispatcher until nothing is due. */
      async round() {
        expect((await vigil.alerting.evaluator.runOnce()).ran).toBe(true);
        while ((await vigil.alerting.dispatcher.runOnce()) > 0);
      },
      async alerts(): Promise<VigilAlert[]> {
        return (await call(admin, 'GET', '/api/v1/alerts?limit=500')).json<{ items: VigilAlert[] }>().items;
      },
      async outbox(): Promise<OutboxRow[]> {
        const rows = await sql<OutboxRow>`select channel_type, event_type, idempotency_key, delivered_at, failed_at, last_error
                                          from alert_outbox order by created_at, id`.execute(vigil.database.db);
        return rows.rows;
      },
    };
  } catch (error) {
    await vigil.stop();
    throw error;
  }
}
type Site = Awaited<ReturnType<typeof startSite>>;

/** Every notification of the outbox was delivered (the errors of those that were not, otherwise). */
async function expectAllDelivered(site: Site, events: string[]) {
  const rows = await site.outbox();
  expect(rows.map((r) => `${r.channel_type}:${r.event_type}:${r.delivered_at ? 'delivered' : `not delivered (${r.last_error})`}`)).toEqual(
    events.map((e) => `${e}:delivered`),
  );
  return rows;
}

const alertmanagerNote = alertmanagerPresent
  ? ''
  : requireAlertmanager
    ? ` (${ALERTMANAGER} is not installed, and CI_REQUIRE_ALERTMANAGER=1 requires it)`
    : ` (skipped: ${ALERTMANAGER} is not installed; apt-get install prometheus-alertmanager, or set ALERTMANAGER)`;
describe.skipIf(!alertmanagerPresent && !requireAlertmanager)(
  `an alertmanager channel, against a real Alertmanager${alertmanagerNote}`,
  () => {
    let dir: string | undefined;
    let alertmanager: Child | undefined;
    let amUrl: string;
    let site: Site | undefined;

    const amAlerts = async (query = '') => {
      const res = await fetch(`${amUrl}/api/v2/alerts${query}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts${query}: ${res.status} ${await res.text()}`);
      return (await res.json()) as AmAlert[];
    };
    /** The sum of a counter's samples whose labels include `labels` (Alertmanager's own /metrics). */
    const amCounter = async (name: string, labels: string) => {
      const text = await (await fetch(`${amUrl}/metrics`)).text();
      return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))]
        .filter((m) => m[1]!.includes(labels))
        .reduce((sum, m) => sum + Number(m[2]), 0);
    };

    beforeAll(async () => {
      expect(
        alertmanagerPresent,
        `${ALERTMANAGER} was not found (CI_REQUIRE_ALERTMANAGER=1): install the Debian package prometheus-alertmanager`,
      ).toBe(true);
      dir = mkdtempSync(path.join(tmpdir(), 'vigil-alertmanager-'));
      // One route, to a receiver that sends nowhere: the alerts are only kept, and listed.
      writeFileSync(path.join(dir, 'alertmanager.yml'), 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
      const port = await freePort();
      amUrl = `http://127.0.0.1:${port}`;
      alertmanager = startChild(ALERTMANAGER, [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=', // no cluster (it would listen on 0.0.0.0:9094)
        '--log.level=warn',
      ]);
      await waitReady(alertmanager, `Alertmanager at ${amUrl}/-/ready`, async () => (await fetch(`${amUrl}/-/ready`)).ok);
      // Firing alerts are valid at Alertmanager for 4 × RESEND_S of fake time: well past the real now.
      site = await startSite({ VIGIL_ALERTMANAGER_RESEND_S: String(RESEND_S) });
    });
    afterAll(async () => {
      await site?.vigil.stop();
      await alertmanager?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the alert firing with its labels and summary, then resolved', { timeout: 120_000 }, async () => {
      const s = site!;
      const rule = await s.createRule([{ type: 'alertmanager', url: amUrl }]);
      await s.report(6);
      const firedAt = s.now();
      await s.round();
      const [alert] = await s.alerts();
      expect(alert).toMatchObject({ state: 'firing' });
      await expectAllDelivered(s, ['alertmanager:firing']);

      const ours = (list: AmAlert[]) => list.filter((a) => a.labels.alertname === rule.name);
      const [shown] = ours(
        await pollUntil(amAlerts, (list) => ours(list).some((a) => a.status.state === 'active'), {
          timeoutMs: SHOW_TIMEOUT_MS,
          what: "Vigil's alert, active, at Alertmanager",
        }),
      );
      expect(shown!.labels).toMatchObject({ alertname: 'Hairnets', severity: 'high', camera: 'Oven', org_unit: 'S1', team: 'site-a' });
      expect(shown!.labels).toEqual(alert!.labels);
      expect(shown!.annotations.summary).toBe('Oven at Bakery: 6 without hairnet');
      expect(shown!.receivers).toEqual([{ name: 'blackhole' }]);
      expect(shown!.generatorURL).toMatch(new RegExp(`/api/v1/alerts/${alert!.id}$`));
      // startsAt is when it fired; endsAt is how long Alertmanager keeps it without hearing again.
      expect(new Date(shown!.startsAt).getTime()).toBe(firedAt.getTime());
      expect(new Date(shown!.endsAt).getTime()).toBe(firedAt.getTime() + 4 * RESEND_S * 1000);
      // Alertmanager's matcher filter finds it by the labels Vigil gave it.
      expect(
        ours(await amAlerts(`?filter=${encodeURIComponent('camera="Oven"')}&filter=${encodeURIComponent('org_unit="S1"')}`)),
      ).toHaveLength(1);
      expect(await amCounter('alertmanager_alerts_received_total', 'status="firing"')).toBe(1);

      // The window passes (fake time, still before the real now): the alert resolves, and Vigil tells
      // Alertmanager with endsAt at that moment.
      s.tick(6 * 60);
      expect(s.now().getTime()).toBeLessThan(Date.now());
      await s.round();
      expect((await s.alerts())[0]).toMatchObject({ id: alert!.id, state: 'resolved' });
      await expectAllDelivered(s, ['alertmanager:firing', 'alertmanager:resolved']);
      // Alertmanager's API shows no resolved alert at all (GET /api/v2/alerts leaves out every alert
      // whose endsAt has passed, whatever its filters; it has no "resolved" state): the alert leaves
      // the list, and Alertmanager's own counters say it came in resolved.
      await pollUntil(amAlerts, (list) => ours(list).length === 0, { timeoutMs: SHOW_TIMEOUT_MS, what: 'the alert to leave the list' });
      expect(ours(await amAlerts('?active=true&silenced=true&inhibited=true&unprocessed=true'))).toEqual([]);
      expect(await amCounter('alertmanager_alerts_received_total', 'status="resolved"')).toBe(1);
      expect(await amCounter('alertmanager_alerts_invalid_total', '')).toBe(0);
    });
  },
);

const smtpNote = aiosmtpdPresent
  ? ''
  : requireSmtp
    ? ` (${SYSTEM_PYTHON} cannot import aiosmtpd, and CI_REQUIRE_SMTP=1 requires it)`
    : ` (skipped: ${SYSTEM_PYTHON} cannot import aiosmtpd; apt-get install python3-aiosmtpd)`;
describe.skipIf(!aiosmtpdPresent && !requireSmtp)(`an email channel, against a real SMTP server${smtpNote}`, () => {
  let dir: string | undefined;
  let smtp: Child | undefined;
  let site: Site | undefined;

  /** The messages the server stored (aiosmtpd's Mailbox handler: a Maildir), in no order. */
  const messages = () => {
    const fresh = path.join(dir!, 'maildir', 'new');
    if (!existsSync(fresh)) return [];
    return readdirSync(fresh).map((name) => parseMessage(readFileSync(path.join(fresh, name), 'utf8')));
  };
  const header = (message: ReturnType<typeof parseMessage>, name: string) => message.headers.get(name.toLowerCase()) ?? [];

  beforeAll(async () => {
    expect(
      aiosmtpdPresent,
      `${SYSTEM_PYTHON} cannot import aiosmtpd (CI_REQUIRE_SMTP=1): install the Debian package python3-aiosmtpd`,
    ).toBe(true);
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-smtp-'));
    const port = await freePort();
    // Each message is stored in the Maildir, with the envelope added as X-MailFrom and X-RcptTo,
    // before the server answers 250: once the dispatcher is done, the message is there.
    smtp = startChild(SYSTEM_PYTHON, [
      '-m',
      'aiosmtpd',
      '-n',
      '-l',
      `127.0.0.1:${port}`,
      '-c',
      'aiosmtpd.handlers.Mailbox',
      path.join(dir, 'maildir'),
    ]);
    await waitReady(smtp, `the SMTP server on 127.0.0.1:${port}`, async () => (await smtpGreeting(port)).startsWith('220'));
    site = await startSite({ VIGIL_SMTP_URL: `smtp://127.0.0.1:${port}`, VIGIL_SMTP_FROM: 'vigil@example.com' });
  });
  afterAll(async () => {
    await site?.vigil.stop();
    await smtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'sends one email per notification, its Message-ID and X-Vigil-Idempotency-Key from the idempotency key',
    { timeout: 120_000 },
    async () => {
      const s = site!;
      await s.createRule([{ type: 'email', to: ['oncall@example.com'] }]);
      await s.report(6);
      await s.round();
      const [firing] = await expectAllDelivered(s, ['email:firing']);
      const [sent] = await pollUntil(messages, (list) => list.length > 0, { timeoutMs: SHOW_TIMEOUT_MS, what: 'the email' });
      // A few more rounds while it keeps firing: nothing more is sent (the repeat interval is 4 h).
      for (let i = 0; i < 3; i++) {
        s.tick(10);
        await s.round();
      }
      expect(messages()).toHaveLength(1);

      expect(header(sent!, 'X-RcptTo')).toEqual(['oncall@example.com']);
      expect(header(sent!, 'X-MailFrom')).toEqual(['vigil@example.com']);
      expect(header(sent!, 'To')).toEqual(['oncall@example.com']);
      expect(header(sent!, 'From')).toEqual(['vigil@example.com']);
      const [subject] = header(sent!, 'Subject');
      expect(subject).toMatch(/^\[FIRING\] /);
      expect(subject).toContain('Oven at Bakery: 6 without hairnet');
      const key = firing!.idempotency_key;
      expect(key).toMatch(/:firing:/);
      expect(header(sent!, 'X-Vigil-Idempotency-Key')).toEqual([key]);
      expect(header(sent!, 'Message-ID')).toEqual([`<${key.replace(/[^A-Za-z0-9.-]/g, '.')}@vigil>`]);
      expect(sent!.body).toContain('Firing: Oven at Bakery: 6 without hairnet');
      expect(sent!.body).toContain('alertname = Hairnets');

      // The window passes: the alert resolves, and a second email says so, with its own key.
      s.tick(6 * 60);
      await s.round();
      const [, resolved] = await expectAllDelivered(s, ['email:firing', 'email:resolved']);
      const list = await pollUntil(messages, (l) => l.length > 1, { timeoutMs: SHOW_TIMEOUT_MS, what: 'the second email' });
      expect(list).toHaveLength(2);
      const second = list.find((m) => header(m, 'X-Vigil-Idempotency-Key')[0] === resolved!.idempotency_key);
      expect(second, 'an email with the key of the resolved notification').toBeDefined();
      // (The summary is rendered again when the alert resolves: its value is then the count that ended it.)
      expect(header(second!, 'Subject')[0]).toMatch(/^\[RESOLVED\] Oven at Bakery: \d+ without hairnet$/);
      expect(header(second!, 'Message-ID')).toEqual([`<${resolved!.idempotency_key.replace(/[^A-Za-z0-9.-]/g, '.')}@vigil>`]);
    },
  );
});
