// The outbox dispatcher, in every process: claims due notifications with FOR UPDATE SKIP LOCKED
// (a claim is a lease: a process that dies mid-send leaves the row to be claimed again once the
// lease ends), sends each with its idempotency key through a circuit breaker per endpoint, and
// records the outcome. A failure is retried with exponential backoff and jitter until the
// notification is 24 hours old; a permanent one (a 4xx, a refused address) is not retried. A row is
// marked delivered only after the receiver said so, so a crash between the two sends it again, with
// the same key: the receiver sees it once in effect.
import CircuitBreaker from 'opossum';
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';
import type { Logger } from '../../platform/log.js';
import type { OutboxRow } from './alerts.repo.js';
import { alertsRepo } from './alerts.repo.js';
import type { AlertMetrics } from './alerts.metrics.js';
import type { Target } from './channels.js';
import { DeliveryError, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, postJson, sign } from './channels.js';

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

export interface DispatcherSettings {
  batchSize: number;
  /** How long a claim keeps other processes off a notification being sent. */
  claimLeaseMs: number;
  /** The longest wait between two passes (a pass is also made when this process's rounds write notifications, and when a retry is due). */
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A notification older than this is given up (24 hours). */
  maxAgeMs: number;
  timeoutMs: number;
  /** An endpoint's breaker opens after this many failures in a row, for `breakerResetMs`. */
  breakerResetMs: number;
}

export interface DispatcherDeps {
  db: Kysely<Schema>;
  log: Logger;
  metrics: AlertMetrics;
  settings: DispatcherSettings;
  target: (url: URL) => Promise<Target>;
  openSecret: (sealed: string) => string;
  /** Sends an email; undefined when no SMTP server is configured. */
  mail?: ((mail: Mail) => Promise<void>) | undefined;
  now?: () => Date;
  random?: () => number;
}

export interface Dispatcher {
  start(): void;
  stop(): Promise<void>;
  /** Looks for due notifications now (after a round wrote some). */
  nudge(): void;
  /** One pass: claims and sends what is due; answers how many it claimed. */
  runOnce(): Promise<number>;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { db, log, metrics, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const breakers = new Map<string, CircuitBreaker<[() => Promise<void>], void>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = true;
  /** The earliest notification due, as the last pass saw it (null: none). */
  let nextDue: Date | null = null;

  function breakerFor(endpoint: string) {
    let breaker = breakers.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker((send: () => Promise<void>) => send(), {
        timeout: false,
        resetTimeout: settings.breakerResetMs,
        errorThresholdPercentage: 50,
        volumeThreshold: 5,
        rollingCountTimeout: 60_000,
        // A receiver that refuses a notification (4xx) is up: that does not open its breaker.
        errorFilter: (error: unknown) => error instanceof DeliveryError && error.permanent,
      });
      breaker.on('open', () => log.warn({ endpoint }, 'notification endpoint failing: its circuit breaker opened'));
      breaker.on('close', () => log.info({ endpoint }, 'notification endpoint answering again: its circuit breaker closed'));
      breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  async function send(row: OutboxRow): Promise<void> {
    const body = JSON.stringify(row.payload);
    if (row.channel_type === 'email') {
      if (!deps.mail) throw new DeliveryError('no SMTP server is configured (VIGIL_SMTP_URL)', true);
      const mail = row.payload as { to: string[]; subject: string; text: string };
      await deps.mail({
        ...mail,
        messageId: `<${row.idempotency_key.replace(/[^A-Za-z0-9.-]/g, '.')}@vigil>`,
        headers: { 'X-Vigil-Idempotency-Key': row.idempotency_key },
      });
      return;
    }
    const url = row.channel_type === 'alertmanager' ? `${row.endpoint.replace(/\/+$/, '')}/api/v2/alerts` : row.endpoint;
    const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: row.idempotency_key, 'x-vigil-event': row.event_type };
    if (row.secret_sealed) {
      const timestamp = String(Math.floor(now().getTime() / 1000));
      headers[TIMESTAMP_HEADER] = timestamp;
      headers[SIGNATURE_HEADER] = sign(deps.openSecret(row.secret_sealed), timestamp, body);
    }
    await postJson({ url, body, headers, target: deps.target, timeoutMs: settings.timeoutMs });
  }

  function backoff(attempts: number): number {
    const ceiling = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling * (0.5 + random() * 0.5));
  }

  async function deliver(row: OutboxRow): Promise<void> {
    const endpoint = row.channel_type === 'email' ? 'smtp' : new URL(row.endpoint).origin;
    const labels = { channel: row.channel_type };
    try {
      await breakerFor(endpoint).fire(() => send(row));
      await alertsRepo.delivered(db, row.id, now());
      metrics.notifications.inc({ ...labels, result: 'delivered' });
      metrics.dispatch.inc({ result: 'delivered', event_type: row.event_type });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const at = now();
      const retryAt = new Date(at.getTime() + backoff(row.attempts));
      const permanent = error instanceof DeliveryError && error.permanent;
      if (permanent || retryAt.getTime() - row.created_at.getTime() > settings.maxAgeMs) {
        await alertsRepo.failed(db, row.id, at, message);
        metrics.notifications.inc({ ...labels, result: 'failed' });
        metrics.dispatch.inc({ result: 'failed', event_type: row.event_type });
        log.warn({ notification: row.id, endpoint, attempts: row.attempts, err: message }, 'notification given up');
      } else {
        await alertsRepo.retryAt(db, row.id, retryAt, message);
        metrics.dispatch.inc({ result: 'retry', event_type: row.event_type });
        log.info({ notification: row.id, endpoint, attempts: row.attempts, retryAt, err: message }, 'notification not delivered; retrying');
      }
    }
  }

  async function runOnce(): Promise<number> {
    // A read first: with nothing due (the usual case) no write is made, twice a second, forever.
    const due = await alertsRepo.nextDue(db);
    nextDue = due;
    if (due === null || due > now()) return 0;
    const rows = await alertsRepo.claim(db, now(), settings.batchSize, settings.claimLeaseMs);
    // One endpoint's notifications in order; endpoints side by side.
    const byEndpoint = new Map<string, OutboxRow[]>();
    for (const row of rows) byEndpoint.set(row.endpoint, [...(byEndpoint.get(row.endpoint) ?? []), row]);
    await Promise.all(
      [...byEndpoint.values()].map(async (list) => {
        for (const row of list) await deliver(row);
      }),
    );
    return rows.length;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  }

  function tick(): void {
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((error: unknown) => {
        log.error({ err: error }, 'the notification dispatcher failed a pass');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    void running.then((claimed) => {
      // A full batch: more may be due at once. Otherwise the next pass is when the next retry is due,
      // or after `pollMs` at the latest (notifications written by another process's rounds).
      const soon = again || claimed === settings.batchSize;
      again = false;
      const untilDue = nextDue === null ? settings.pollMs : nextDue.getTime() - now().getTime();
      schedule(soon ? 0 : Math.min(settings.pollMs, Math.max(10, untilDue)));
    });
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(settings.pollMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      for (const breaker of breakers.values()) breaker.shutdown();
    },
    nudge() {
      if (!stopped) schedule(0);
    },
    runOnce,
  };
}
