// The alerting of one process, built by the alerts module: the service, the evaluator (a singleton
// job: one process evaluates each round, under its advisory lock, and another takes over when it
// dies), the outbox dispatcher (every process), the retention of history, and the live stream's
// fan-out (pub/sub). Building starts nothing; `start` does.
import nodemailer from 'nodemailer';
import type { Audit } from '../../platform/audit.js';
import type { Database } from '../../platform/db/database.js';
import { createSingletonJob } from '../../platform/jobs.js';
import type { SingletonJob } from '../../platform/jobs.js';
import type { PubSub } from '../../platform/kv/types.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { ScopePolicy } from '../auth/index.js';
import { createAlertMetrics } from './alerts.metrics.js';
import type { AlertMetrics } from './alerts.metrics.js';
import type { InstanceRow } from './alerts.repo.js';
import { alertsRepo } from './alerts.repo.js';
import { OUTBOX_SECRET_CONTEXT, createAlertService, toAlert } from './alerts.service.js';
import type { Alert, AlertService } from './alerts.service.js';
import type { Target } from './channels.js';
import { createDispatcher } from './dispatcher.js';
import type { Dispatcher, DispatcherSettings, Mail } from './dispatcher.js';
import { evaluateRound, resolveRule } from './evaluator.js';
import type { AlertSignals, OrgView, RoundSummary } from './evaluator.js';

export const ALERTS_CHANGED_CHANNEL = 'alerts.changed';
export const ALERTS_NUDGE_CHANNEL = 'alerts.nudge';
export const EVALUATOR_JOB = 'alert-evaluator';
const DAY_MS = 86_400_000;

export interface AlertingSettings {
  evaluateIntervalMs: number;
  alertmanagerResendS: number;
  /** Resolved alerts and sent notifications older than this are deleted (days). */
  retentionDays: number;
  dispatcher: DispatcherSettings;
  smtp: { url: string; from: string } | undefined;
  externalUrl: () => string;
}

export interface AlertingDeps {
  database: Database;
  audit: Audit;
  policy: ScopePolicy;
  secrets: SecretBox;
  log: Logger;
  metrics: Metrics;
  pubsub: PubSub;
  signals: AlertSignals;
  org: () => Promise<OrgView & { has(code: string): boolean }>;
  locateCameras: (ids: readonly string[]) => Promise<Map<string, { orgUnitCode: string }>>;
  /** Resolves and checks a notification URL's host against the network rules. */
  target: (url: URL) => Promise<Target>;
  /** Why a URL whose host is an address is refused, or undefined. */
  refuseUrl: (url: URL) => Promise<string | undefined>;
  settings: AlertingSettings;
  now?: () => Date;
}

export interface Alerting {
  service: AlertService;
  metrics: AlertMetrics;
  evaluator: SingletonJob<RoundSummary>;
  dispatcher: Dispatcher;
  /**
   * Asks for a round soon, here and in the other processes: a focused one on these cameras (they
   * changed state, or got events), or (no ids) a full one (a rule changed).
   */
  nudge(cameraIds?: readonly string[]): void;
  /** Alert changes within the caller's reach, for the live stream; returns the unsubscribe. */
  subscribe(handler: (alert: Alert) => void): Promise<() => Promise<void>>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createAlerting(deps: AlertingDeps): Alerting {
  const { database, log, settings } = deps;
  const db = database.db;
  const now = deps.now ?? (() => new Date());
  const metrics = createAlertMetrics(deps.metrics.registry, async () =>
    (await alertsRepo.countActive(db)).map((r) => ({ state: r.state, severity: r.severity, n: Number(r.n) })),
  );
  const evaluatorSettings = {
    externalUrl: settings.externalUrl,
    alertmanagerResendS: settings.alertmanagerResendS,
    sealSecret: (secret: string) => deps.secrets.encrypt(secret, OUTBOX_SECRET_CONTEXT),
  };
  const publishChanged = (rows: readonly InstanceRow[]) => {
    for (const row of rows) {
      deps.pubsub
        .publish(ALERTS_CHANGED_CHANNEL, JSON.stringify(toAlert(row)))
        .catch((error: unknown) => log.debug({ err: error }, 'could not announce an alert change'));
    }
  };

  let nudgeTimer: NodeJS.Timeout | undefined;
  let dueTimer: NodeJS.Timeout | undefined;
  let started = false;
  /** Runs a round here soon; coalesces nudges that arrive together. */
  function localNudge(delayMs = 20): void {
    if (!started || nudgeTimer) return;
    nudgeTimer = setTimeout(() => {
      nudgeTimer = undefined;
      evaluator.runOnce().catch((error: unknown) => log.error({ err: error }, 'an alert evaluation round failed'));
    }, delayMs);
    nudgeTimer.unref();
  }
  /** A round when a pending alert's `for` runs out, rather than at the next tick after it. */
  function roundAt(at: Date | null): void {
    clearTimeout(dueTimer);
    if (!started || at === null) return;
    dueTimer = setTimeout(() => localNudge(0), Math.max(0, at.getTime() - now().getTime()) + 5);
    dueTimer.unref();
  }

  const service = createAlertService({
    db,
    audit: deps.audit,
    policy: deps.policy,
    secrets: deps.secrets,
    signals: deps.signals,
    org: deps.org,
    unitExists: async (code) => (await deps.org()).has(code),
    locateCameras: deps.locateCameras,
    refuseUrl: deps.refuseUrl,
    smtpConfigured: settings.smtp !== undefined,
    onRulesChanged: () => nudge(),
    onAlertChanged: (row) => publishChanged([row]),
    resolveRule: async (tx, rule) => {
      const resolved = await resolveRule(tx, rule, now(), evaluatorSettings);
      if (resolved.length > 0) setImmediate(() => dispatcher.nudge());
      return resolved;
    },
    now,
  });

  const evaluator: SingletonJob<RoundSummary> = createSingletonJob({
    name: EVALUATOR_JOB,
    database,
    log,
    metrics: deps.metrics,
    intervalMs: settings.evaluateIntervalMs,
    initialDelayMs: Math.min(1_000, settings.evaluateIntervalMs),
    logLevel: 'debug',
    prepare: async () => {
      const rules = await service.enabledRules((id, error) =>
        log.error({ ruleId: id, err: error }, 'an alert rule could not be read; skipped'),
      );
      // No rule and no active alert: nothing to judge, no transaction to open.
      return { org: await deps.org(), rules, idle: rules.length === 0 && !(await alertsRepo.hasActive(db)) };
    },
    idle: (prepared) => prepared.idle,
    run: async (tx, { org, rules }) => {
      const end = metrics.rounds.startTimer();
      const summary = await evaluateRound(tx, deps.signals, org, rules, now(), evaluatorSettings);
      end();
      return summary;
    },
    describe: (s) => ({ rules: s.rules, series: s.series, fired: s.fired, resolved: s.resolved, notifications: s.notifications }),
    after: (summary) => afterRound(summary),
  });

  function afterRound(summary: RoundSummary): void {
    metrics.evaluations.inc(summary.series);
    if (summary.suppressed.silenced > 0) metrics.notifications.inc({ channel: 'any', result: 'silenced' }, summary.suppressed.silenced);
    if (summary.suppressed.inhibited > 0) metrics.notifications.inc({ channel: 'any', result: 'inhibited' }, summary.suppressed.inhibited);
    publishChanged(summary.changed);
    roundAt(summary.nextDue);
    if (summary.notifications > 0 || summary.changed.length > 0) dispatcher.nudge();
  }

  let mail: ((m: Mail) => Promise<void>) | undefined;
  if (settings.smtp) {
    const transport = nodemailer.createTransport(settings.smtp.url);
    const from = settings.smtp.from;
    mail = async (m) => {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, messageId: m.messageId, headers: m.headers });
    };
  }
  const dispatcher = createDispatcher({
    db,
    log,
    metrics,
    settings: settings.dispatcher,
    target: deps.target,
    openSecret: (sealed) => deps.secrets.decrypt(sealed, OUTBOX_SECRET_CONTEXT),
    mail,
    now,
  });

  const retention = createSingletonJob({
    name: 'alert-retention',
    database,
    log,
    metrics: deps.metrics,
    intervalMs: DAY_MS,
    initialDelayMs: 25_000,
    run: async (tx) => {
      const cutoff = new Date(now().getTime() - settings.retentionDays * DAY_MS);
      return { alerts: await alertsRepo.deleteResolvedBefore(tx, cutoff), notifications: await alertsRepo.deleteOutboxBefore(tx, cutoff) };
    },
    describe: (deleted) => ({ deleted }),
  });

  // Focused rounds: the alerts of the cameras that changed, at once. The same lock as the full
  // rounds (one evaluator at a time); a round that finds the lock taken keeps its cameras for the next try.
  let focus = new Set<string>();
  let focusTimer: NodeJS.Timeout | undefined;
  let focusRunning = false;
  const focused = createSingletonJob<
    RoundSummary,
    { org: OrgView; rules: Awaited<ReturnType<AlertService['enabledRules']>>; cameras: Set<string>; idle: boolean }
  >({
    name: EVALUATOR_JOB,
    database,
    log,
    metrics: deps.metrics,
    intervalMs: settings.evaluateIntervalMs,
    initialDelayMs: 0,
    logLevel: 'debug',
    prepare: async () => {
      const cameras = focus;
      focus = new Set();
      const rules = await service.enabledRules((id, error) =>
        log.error({ ruleId: id, err: error }, 'an alert rule could not be read; skipped'),
      );
      return { cameras, org: await deps.org(), rules, idle: rules.length === 0 && !(await alertsRepo.hasActive(db)) };
    },
    idle: (prepared) => prepared.idle,
    run: async (tx, { org, rules, cameras }) => {
      const end = metrics.rounds.startTimer();
      const summary = await evaluateRound(tx, deps.signals, org, rules, now(), evaluatorSettings, cameras);
      end();
      return summary;
    },
    describe: (s) => ({ focused: true, series: s.series, fired: s.fired, resolved: s.resolved }),
    after: (summary) => afterRound(summary),
  });
  function focusOn(ids: readonly string[], delayMs = 5): void {
    for (const id of ids) focus.add(id);
    if (!started || focusTimer || focusRunning || focus.size === 0) return;
    focusTimer = setTimeout(() => {
      focusTimer = undefined;
      const cameras = new Set(focus);
      focusRunning = true;
      focused
        .runOnce()
        .then(
          (outcome) => {
            // Another round held the lock (not: nothing to judge): try these cameras again shortly.
            if (!outcome.ran && !outcome.idle) for (const id of cameras) focus.add(id);
          },
          (error: unknown) => {
            for (const id of cameras) focus.add(id);
            log.error({ err: error }, 'a focused alert evaluation round failed');
          },
        )
        .finally(() => {
          focusRunning = false;
          if (focus.size > 0) focusOn([], 25);
        });
    }, delayMs);
    focusTimer.unref();
  }

  let unsubscribeNudge: (() => Promise<void>) | undefined;
  let lastNudge = 0;
  function nudge(cameraIds?: readonly string[]): void {
    if (cameraIds) focusOn(cameraIds);
    else localNudge();
    if (cameraIds) {
      deps.pubsub
        .publish(ALERTS_NUDGE_CHANNEL, JSON.stringify(cameraIds.slice(0, 1000)))
        .catch((error: unknown) => log.debug({ err: error }, 'could not nudge the alert evaluator'));
      return;
    }
    // The other processes too (the one holding the lock evaluates); at most every 100 ms.
    const t = Date.now();
    if (t - lastNudge < 100) return;
    lastNudge = t;
    deps.pubsub
      .publish(ALERTS_NUDGE_CHANNEL, 'all')
      .catch((error: unknown) => log.debug({ err: error }, 'could not nudge the alert evaluator'));
  }

  return {
    service,
    metrics,
    evaluator,
    dispatcher,
    nudge,
    subscribe: (handler) =>
      deps.pubsub.subscribe(ALERTS_CHANGED_CHANNEL, (message) => {
        try {
          handler(JSON.parse(message) as Alert);
        } catch (error) {
          log.warn({ err: error }, 'an alert change message could not be read');
        }
      }),
    async start() {
      if (started) return;
      started = true;
      unsubscribeNudge = await deps.pubsub.subscribe(ALERTS_NUDGE_CHANNEL, (message) => {
        if (message === 'all') return localNudge();
        try {
          const ids = JSON.parse(message) as unknown;
          if (Array.isArray(ids)) focusOn(ids.filter((id): id is string => typeof id === 'string'));
        } catch {
          localNudge();
        }
      });
      evaluator.start();
      dispatcher.start();
      retention.start();
    },
    async stop() {
      started = false;
      clearTimeout(nudgeTimer);
      clearTimeout(dueTimer);
      clearTimeout(focusTimer);
      focusTimer = undefined;
      nudgeTimer = undefined;
      await unsubscribeNudge?.();
      await evaluator.stop();
      await retention.stop();
      await dispatcher.stop();
    },
  };
}
