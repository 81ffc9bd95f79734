// Composition root: config → database → migrations → services → server → listen; signals and
// graceful shutdown. The only file that listens or starts workers.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { lockDataDir } from './platform/data-dir-lock.js';
import { createDatabase } from './platform/db/database.js';
import { prepareDataDir } from './platform/db/image.js';
import type { Database } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import {
  createApiKeysService,
  createAuthenticator,
  createCsrf,
  createScopePolicy,
  createSessionsService,
  createTokenKeys,
  createUsersService,
} from './modules/auth/index.js';
import { createAuditLog } from './modules/audit/index.js';
import { createOrgImportExport, createOrgScope, createOrgService, ORG_CHANGED_CHANNEL } from './modules/org-units/index.js';
import type { OrgServiceDeps } from './modules/org-units/index.js';
import { createCameraRuntime } from './modules/cameras/index.js';
import { createEventMetrics, createEventRetention, createEventService } from './modules/events/index.js';
import { createAlerting } from './modules/alerts/index.js';
import { CHAT_CANCEL_CHANNEL, createAgentMetrics, createAgentService, createChatService, createGenerator } from './modules/agents/index.js';
import type { ChatService, ToolDeps } from './modules/agents/index.js';
import type { Alerting } from './modules/alerts/index.js';
import type { ProtectedEndpoint, Resolver } from './modules/cameras/index.js';
import { createAudit, createAuditRetention } from './platform/audit.js';
import { createViewAudit } from './platform/audit-views.js';
import { todayIn } from './platform/dates.js';
import { loadSecretBox } from './platform/secrets.js';
import type { SecretBox } from './platform/secrets.js';
import { createKv } from './platform/kv/kv.js';
import type { Kv } from './platform/kv/kv.js';
import { createServiceLogger, flushLogs } from './platform/log.js';
import type { Logger } from './platform/log.js';
import { createMetrics } from './platform/metrics.js';
import type { Metrics } from './platform/metrics.js';
import { buildMetricsServer, buildServer } from './server.js';
import type { App } from './server.js';
import { createOpsRepo, createOpsService } from './modules/ops/index.js';
import { SERVICE_NAME, VERSION } from './version.js';

export interface StartOptions {
  log?: Logger;
  /** Overrides where PGlite keeps its files (tests pass `memory://`). */
  pgliteDataDir?: string;
  pgliteLoadDataDir?: Blob;
  /** Collect Node's default process metrics (off in tests that start many instances). */
  defaultMetrics?: boolean;
  /** The clock (tests move it to check effective dates); default the system's. */
  now?: () => Date;
  /** Called after the app is built and before it is ready (tests and benchmarks add routes here). */
  configure?: (app: App) => void | Promise<void>;
  /** Resolves camera source host names (tests stub it); default dns.lookup with all: true. */
  resolveCameraHost?: Resolver;
}

/**
 * Vigil built and wired, not yet serving: every service, the Fastify app (answering `inject`), the
 * database migrated and the first admin in place, but no port open and no background work running.
 */
export interface Vigil {
  app: App;
  log: Logger;
  database: Database;
  kv: Kv;
  metrics: Metrics;
  /** The alert evaluator and notification dispatcher (tests and tools run their rounds by hand). */
  alerting: Alerting;
  /** Opens the API port (and METRICS_PORT when set); resolves to the API's address. */
  listen(): Promise<string>;
  /**
   * Starts the background work: the retention jobs and this process's share of the camera fleet
   * (auto-start on a cold start). After `listen()` when serving, so the fleet advertises its address.
   */
  startWorkers(): Promise<void>;
  /** Stops accepting, lets in-flight requests finish within the grace period, closes everything. */
  shutdown(reason: string): Promise<void>;
  /** How long each step of the start took (logged and exported when serving). */
  startup: StartupPhases;
}

/**
 * The steps of a start and their durations in ms, in order: `boot` runs from the process's start
 * to createVigil (Node, loading the modules, the configuration), then one entry per step ended.
 */
export interface StartupPhases {
  end(phase: string): void;
  /** The durations so far, and `total`: ms since the process started. */
  durations(): Record<string, number>;
}

function startupPhases(): StartupPhases {
  let last = performance.now();
  const took: Record<string, number> = { boot: Math.round(last) };
  return {
    end(phase) {
      const now = performance.now();
      took[phase] = Math.round(now - last);
      last = now;
    },
    durations: () => ({ ...took, total: Math.round(performance.now()) }),
  };
}

export interface RunningVigil extends Vigil {
  url: string;
}

export async function openDatabase(config: Config, log: Logger, options: Pick<StartOptions, 'pgliteDataDir' | 'pgliteLoadDataDir'> = {}) {
  const pgliteDataDir = options.pgliteDataDir ?? path.join(config.dataDir, 'pgdata');
  const onDisk = config.database.url === undefined && !pgliteDataDir.includes('://');
  const unlock = onDisk ? lockDataDir(config.dataDir) : () => undefined;
  try {
    // A new embedded database starts from the one made at build time, not from initdb.
    if (onDisk && !options.pgliteLoadDataDir) prepareDataDir(pgliteDataDir, log);
    const database = await createDatabase({
      url: config.database.url,
      pgliteDataDir,
      ...(options.pgliteLoadDataDir ? { pgliteLoadDataDir: options.pgliteLoadDataDir } : {}),
      poolSize: config.database.poolSize,
      statementTimeoutMs: config.database.statementTimeoutMs,
      queryTimeoutMs: config.database.queryTimeoutMs,
      connectTimeoutMs: config.database.connectTimeoutMs,
      log,
    });
    const close = database.close.bind(database);
    return Object.assign(database, {
      async close() {
        try {
          await close();
        } finally {
          unlock();
        }
      },
    });
  } catch (error) {
    unlock();
    throw error;
  }
}

/** What both the service and the CLI need: a migrated database, metrics, the audit trail, users. */
export async function openCore(
  config: Config,
  log: Logger,
  options: Pick<StartOptions, 'pgliteDataDir' | 'pgliteLoadDataDir' | 'defaultMetrics' | 'now'> & { phases?: StartupPhases } = {},
) {
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  const database = await openDatabase(config, log, options);
  options.phases?.end('database');
  try {
    const { applied } = await migrate(database, log);
    if (applied.length > 0) log.info({ applied }, 'database migrated');
    options.phases?.end('migrations');
  } catch (error) {
    await database.close();
    throw error;
  }
  metrics.setPoolStats(() => database.poolStats());
  let secrets: SecretBox;
  try {
    secrets = await loadSecretBox({ configured: config.secretKey, dataDir: config.dataDir, mode: config.mode, log });
  } catch (error) {
    await database.close();
    throw error;
  }
  const audit = createAudit({ metrics });
  // Grants on a unit cover its subtree in today's tree.
  const now = options.now ?? (() => new Date());
  const orgScope = createOrgScope({ db: database.db, today: () => todayIn(config.timeZone, now()) });
  const policy = createScopePolicy({ subtreeOf: async (roots) => (await orgScope.snapshot()).subtreeOf(roots) });
  const users = createUsersService({ db: database.db, audit, log, policy, now });
  const apiKeys = createApiKeysService({ db: database.db, audit, policy });
  const tokens = createTokenKeys({
    db: database.db,
    secrets,
    audit,
    configuredKeys: config.auth.jwtPrivateKey,
    settings: {
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ttlS: config.auth.accessTokenTtlS,
      clockSkewS: config.auth.clockSkewS,
    },
  });
  return { metrics, database, audit, users, apiKeys, tokens, secrets, orgScope, policy, close: () => database.close() };
}

/**
 * Builds Vigil without listening and without starting workers: the database opened and migrated,
 * the first admin ensured, every service created and the app assembled (`app.inject` answers).
 */
export async function createVigil(config: Config, options: StartOptions = {}): Promise<Vigil> {
  const log = options.log ?? (await createServiceLogger({ level: config.log.level, dir: config.log.dir, keepFiles: config.log.keepFiles }));
  const phases = startupPhases();
  const { metrics, database, users, audit, secrets, apiKeys, tokens, orgScope, policy } = await openCore(config, log, {
    ...options,
    defaultMetrics: options.defaultMetrics ?? true,
    phases,
  });
  let kv: Kv | undefined;
  let stopRuntime: (() => Promise<void>) | undefined;
  let stopAlerting: (() => Promise<void>) | undefined;
  let unsubscribeOrg: (() => Promise<void>) | undefined;
  let flushViews: () => Promise<void> = () => Promise.resolve();
  let chatService: ChatService | undefined;
  let unsubscribeChat: (() => Promise<void>) | undefined;
  const retention = createAuditRetention({ database, retentionDays: config.audit.retentionDays, log, metrics });
  const eventRetention = createEventRetention({
    database,
    retentionDays: config.events.retentionDays,
    snapshotRetentionDays: config.events.snapshotRetentionDays,
    log,
    metrics,
    ...(options.now ? { now: options.now } : {}),
  });
  try {
    await users.ensureFirstAdmin({ email: config.auth.adminEmail, password: config.auth.adminPassword, dataDir: config.dataDir });
    kv = createKv({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, log, metrics });
    await tokens.init();
    const sessions = createSessionsService({
      db: database.db,
      audit,
      tokens,
      settings: {
        refreshTtlS: config.auth.refreshTokenTtlS,
        refreshIdleTtlS: config.auth.refreshIdleTtlS,
        graceS: config.auth.refreshGraceS,
      },
      counters: kv.counters,
      successorKey: secrets.deriveKey('refresh-successor'),
    });

    const csrf = createCsrf(secrets.deriveKey('csrf'));
    const now = options.now ?? (() => new Date());
    const today = () => todayIn(config.timeZone, now());
    const openKvForOrg = kv;
    // Views of cameras and snapshots: audited once per viewer, resource and window, after the answer.
    const views = createViewAudit({ db: database.db, audit, metrics, log, windowMs: config.audit.viewWindowMs, now });
    flushViews = () => views.flush();
    // Another process changed the tree: drop our copy of today's tree.
    unsubscribeOrg = await kv.pubsub.subscribe(ORG_CHANGED_CHANNEL, () => orgScope.invalidate());
    const orgDeps: OrgServiceDeps = {
      db: database.db,
      audit,
      policy,
      unitTypes: config.org.unitTypes,
      maxDepth: config.org.maxDepth,
      today,
      now,
      onChange: () => {
        orgScope.invalidate();
        openKvForOrg.pubsub
          .publish(ORG_CHANGED_CHANNEL, today())
          .catch((error: unknown) => log.warn({ err: error }, 'could not announce an org change'));
      },
    };
    const org = createOrgService(orgDeps);
    const orgTransfer = createOrgImportExport(orgDeps);
    // Camera state changes and new events ask the alert evaluator for a round (it is built below).
    let alertNudge: (cameraIds?: readonly string[]) => void = () => undefined;
    // The port this process serves on, once known (PORT=0 picks one when listening): no camera source may reach it.
    let httpPort = config.http.port;
    const runtime = createCameraRuntime({
      settings: config.cameras,
      log,
      metrics,
      database,
      pubsub: kv.pubsub,
      audit,
      views,
      policy,
      secrets,
      unitExists: async (code) => (await orgScope.snapshot()).has(code),
      endpoints: () => vigilEndpoints(config, httpPort),
      onStateChange: (cameraId) => alertNudge([cameraId]),
      ...(options.resolveCameraHost ? { resolve: options.resolveCameraHost } : {}),
    });
    stopRuntime = () => runtime.stop();
    const events = createEventService({
      db: database.db,
      audit,
      views,
      policy,
      metrics: createEventMetrics(metrics.registry),
      log,
      now,
      timeZone: config.timeZone,
      locateCameras: (ids) => runtime.cameras.locate(ids),
      latestFrame: (caller, cameraId) => runtime.cameras.snapshot(caller, cameraId, { headers: caller.credentials ?? {} }),
      onIngested: (cameraIds) => alertNudge(cameraIds),
    });
    let advertised: string | undefined;
    const alerting = createAlerting({
      database,
      audit,
      policy,
      secrets,
      log,
      metrics,
      pubsub: kv.pubsub,
      signals: {
        cameras: async (executor) =>
          (await runtime.cameras.facts(executor)).map(({ row, wanted, status }) => ({
            id: row.id,
            name: row.name,
            orgUnitCode: row.orgUnitCode,
            labels: row.labels,
            active: row.active,
            wanted,
            state: status.state,
            fps: status.fps,
          })),
        reconnectsSince: (executor, since) => runtime.cameras.reconnectsSince(since, executor),
        eventCounts: events.signals.counts,
        eventTimes: events.signals.times,
        latestEvents: events.signals.latest,
      },
      org: async () => {
        const snapshot = await orgScope.snapshot();
        return {
          has: (code) => snapshot.has(code),
          subtreeOf: (roots) => snapshot.subtreeOf(roots),
          nameOf: (code) => snapshot.nameOf(code),
        };
      },
      locateCameras: (ids) => runtime.cameras.locate(ids),
      target: async (url) => {
        const result = await runtime.guard.target(url);
        if (result.kind === 'allowed') return { kind: 'allowed', address: result.target.address, family: result.target.family };
        return result.kind === 'refused' ? { kind: 'refused', reason: result.refusal.reason } : { kind: 'unresolved' };
      },
      refuseUrl: async (url) => (await runtime.guard.literal(url))?.reason,
      settings: {
        evaluateIntervalMs: config.alerts.evaluationIntervalMs,
        alertmanagerResendS: config.alerts.alertmanagerResendS,
        retentionDays: config.alerts.retentionDays,
        smtp: config.alerts.smtp,
        externalUrl: () =>
          config.web.publicUrl ?? config.http.advertiseUrl ?? advertised ?? `http://${config.http.host}:${config.http.port}`,
        dispatcher: {
          batchSize: 20,
          claimLeaseMs: config.alerts.claimLeaseMs,
          pollMs: 5_000,
          retryBaseMs: config.alerts.retryBaseMs,
          retryMaxMs: config.alerts.retryMaxMs,
          maxAgeMs: 86_400_000,
          timeoutMs: config.alerts.deliveryTimeoutMs,
          breakerResetMs: config.alerts.breakerResetMs,
        },
      },
      now,
    });
    alertNudge = (cameraIds) => alerting.nudge(cameraIds);
    const agentMetrics = createAgentMetrics(metrics.registry);
    const agents = createAgentService({
      db: database.db,
      audit,
      policy,
      secrets,
      cache: kv.cache('agents'),
      // Shared through Redis, an entry is dropped for every process at a change; each process's own
      // cache (no Redis) keeps an entry at most a second.
      cacheTtlMs: config.redis.url !== undefined ? 300_000 : 1_000,
      unitExists: async (code) => (await orgScope.snapshot()).has(code),
      now,
    });
    const limitOf = (args: { limit?: number }) => args.limit ?? 20;
    const since = (args: { since?: string }) => (args.since !== undefined ? { from: new Date(args.since) } : {});
    // The tools read through each module's service with the caller's own principal.
    const tools: ToolDeps = {
      list_cameras: async (caller, args) =>
        (
          await runtime.cameras.list(caller, {
            limit: limitOf(args),
            ...(args.text !== undefined ? { text: args.text } : {}),
            ...(args.orgUnitCode !== undefined ? { orgUnitCode: args.orgUnitCode } : {}),
            ...(args.label !== undefined ? { label: args.label } : {}),
            ...(args.state !== undefined ? { state: args.state } : {}),
          })
        ).items.map((c) => ({ id: c.id, name: c.name, orgUnitCode: c.orgUnitCode, labels: c.labels, active: c.active })),
      camera_status: (caller, args) => runtime.cameras.status(caller, args.cameraId),
      camera_log: async (caller, args) =>
        (await runtime.cameras.logs(caller, args.cameraId, { limit: limitOf(args), ...since(args) })).items,
      list_alerts: async (caller, args) =>
        (
          await alerting.service.listAlerts(
            caller,
            {
              ...(args.state !== undefined ? { state: args.state } : {}),
              ...(args.orgUnitCode !== undefined ? { orgUnitCode: args.orgUnitCode } : {}),
              ...since(args),
            },
            { limit: limitOf(args) },
          )
        ).items,
      list_events: async (caller, args) =>
        (
          await events.list(
            caller,
            {
              ...(args.type !== undefined ? { type: args.type } : {}),
              ...(args.status !== undefined ? { status: args.status } : {}),
              ...(args.orgUnitCode !== undefined ? { orgUnitCode: args.orgUnitCode } : {}),
              ...(args.cameraId !== undefined ? { cameraId: args.cameraId } : {}),
              ...since(args),
            },
            { limit: limitOf(args) },
          )
        ).items.map(({ attributes: _attributes, ...event }) => event),
      event_stats: (caller, args) =>
        events.stats(caller, args.groupBy, {
          ...(args.type !== undefined ? { type: args.type } : {}),
          ...(args.orgUnitCode !== undefined ? { orgUnitCode: args.orgUnitCode } : {}),
          ...since(args),
        }),
      org_units: async (caller, args) =>
        (
          await org.list(caller, {
            asOf: args.asOf,
            limit: limitOf(args),
            ...(args.parentCode !== undefined ? { parentCode: args.parentCode } : {}),
            ...(args.text !== undefined ? { text: args.text } : {}),
          })
        ).items,
    };
    const chat = createChatService({
      db: database.db,
      audit,
      agents,
      generator: createGenerator({
        tools,
        metrics: agentMetrics,
        log,
        settings: {
          timeoutMs: config.agents.timeoutMs,
          attempts: config.agents.attempts,
          retryBaseMs: config.agents.retryBaseMs,
          maxToolRounds: config.agents.maxToolRounds,
          breakerResetMs: config.agents.breakerResetMs,
        },
      }),
      counters: kv.counters,
      pubsub: kv.pubsub,
      metrics: agentMetrics,
      log,
      settings: {
        saveIntervalMs: config.agents.saveIntervalMs,
        heartbeatMs: Math.max(config.agents.saveIntervalMs, Math.floor(config.agents.staleAfterMs / 4)),
        staleAfterMs: config.agents.staleAfterMs,
        historyMessages: config.agents.historyMessages,
        followPollMs: Math.min(250, config.agents.saveIntervalMs),
      },
      now,
    });
    chatService = chat;
    // A cancel asked of another process: stop the reply if this one writes it.
    unsubscribeChat = await kv.pubsub.subscribe(CHAT_CANCEL_CHANNEL, (replyId) => chat.cancelLocal(replyId));
    stopAlerting = () => alerting.stop();
    let shuttingDown = false;
    const isShuttingDown = () => shuttingDown;
    const ops = createOpsService({
      service: SERVICE_NAME,
      version: VERSION,
      startedAt: new Date(),
      database,
      kv,
      redisConfigured: config.redis.url !== undefined,
      repo: createOpsRepo(database.db),
      checkTimeoutMs: config.health.timeoutMs,
      isShuttingDown,
    });
    phases.end('services');
    const app = await buildServer({
      config,
      log,
      metrics,
      kv,
      isShuttingDown,
      ops,
      auth: {
        users,
        sessions,
        tokens,
        apiKeys,
        csrf,
        secureCookies: config.mode !== 'development',
        authenticator: createAuthenticator({ tokens, sessions, users, apiKeys, csrf }),
      },
      auditLog: createAuditLog({ db: database.db, audit, policy }),
      org,
      orgTransfer,
      policy,
      cameras: runtime.cameras,
      events,
      alerting,
      agents,
      chat,
      agentMetrics,
    });
    phases.end('server');
    await options.configure?.(app);
    await app.ready();
    phases.end('ready');

    let metricsApp: FastifyInstance | undefined;
    let workers = false;
    let sweepTimer: NodeJS.Timeout | undefined;
    const openKv = kv;
    const closeUnsubscribeOrg = unsubscribeOrg;
    let stopping: Promise<void> | undefined;
    return {
      app,
      log,
      database,
      kv,
      metrics,
      alerting,
      startup: phases,
      async listen() {
        const url = await app.listen({ host: config.http.host, port: config.http.port });
        httpPort = listeningPort(app) ?? httpPort;
        if (config.metrics.port !== undefined) {
          metricsApp = await buildMetricsServer({ config, log, metrics });
          await metricsApp.listen({ host: config.http.host, port: config.metrics.port });
        }
        return url;
      },
      async startWorkers() {
        if (workers) return;
        workers = true;
        retention.start();
        eventRetention.start();
        advertised = config.http.advertiseUrl ?? advertisedUrl(config.http.host, app);
        await runtime.start({ advertiseUrl: advertised });
        await alerting.start();
        // Replies left unfinished by a process that died are marked interrupted, now and from time to time.
        const sweep = () =>
          void chat.sweep().catch((error: unknown) => log.warn({ err: error }, 'could not sweep unfinished chat replies'));
        sweep();
        sweepTimer = setInterval(sweep, Math.max(1_000, Math.floor(config.agents.staleAfterMs / 2)));
        sweepTimer.unref();
      },
      shutdown: (reason: string) =>
        (stopping ??= (async () => {
          shuttingDown = true;
          log.info({ reason, graceMs: config.http.shutdownGraceMs }, 'shutting down: draining in-flight requests');
          // Replies being written end now (saved as interrupted), which also ends their streams.
          clearInterval(sweepTimer);
          await chat.close();
          let timer: NodeJS.Timeout | undefined;
          const grace = new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), config.http.shutdownGraceMs);
          });
          const closing = app.close();
          if ((await Promise.race([closing.then(() => 'closed' as const), grace])) === 'timeout') {
            log.warn('grace period over: closing the connections still open');
            app.server.closeAllConnections();
            await closing;
          }
          clearTimeout(timer);
          // The views of the last requests are written before the database closes.
          await flushViews();
          await metricsApp?.close();
          await retention.stop();
          await eventRetention.stop();
          await alerting.stop();
          await runtime.stop();
          await closeUnsubscribeOrg();
          await unsubscribeChat?.();
          await openKv.close();
          await database.close();
          log.info('stopped');
        })()),
    };
  } catch (error) {
    await retention.stop();
    await eventRetention.stop();
    await stopAlerting?.();
    await chatService?.close();
    await unsubscribeChat?.();
    await stopRuntime?.();
    await flushViews();
    await unsubscribeOrg?.();
    await kv?.close();
    await database.close();
    throw error;
  }
}

/** `createVigil`, then listen, then start the background work: what `vigil serve` runs. */
export async function startVigil(config: Config, options: StartOptions = {}): Promise<RunningVigil> {
  const vigil = await createVigil(config, options);
  try {
    const url = await vigil.listen();
    vigil.startup.end('listen');
    await vigil.startWorkers();
    vigil.startup.end('workers');
    const startupMs = vigil.startup.durations();
    for (const [phase, ms] of Object.entries(startupMs)) vigil.metrics.startupPhases.set({ phase }, ms / 1000);
    vigil.log.info(
      {
        url,
        version: VERSION,
        database: vigil.database.kind,
        redis: vigil.kv.status().backend,
        metricsPort: config.metrics.port,
        startupMs,
      },
      'vigil is serving',
    );
    return Object.assign(vigil, { url });
  } catch (error) {
    await vigil.shutdown('start failed');
    throw error;
  }
}

/**
 * Vigil's own endpoints, which no camera source may reach: its HTTP and metrics ports on this
 * machine (any of its addresses), its database and Redis.
 */
function vigilEndpoints(config: Config, httpPort: number): ProtectedEndpoint[] {
  const endpoints: ProtectedEndpoint[] = [];
  if (httpPort > 0) endpoints.push({ port: httpPort });
  if (config.metrics.port !== undefined) endpoints.push({ port: config.metrics.port });
  for (const [url, defaultPort] of [
    [config.database.url, 5432],
    [config.redis.url, 6379],
  ] as const) {
    if (url === undefined) continue;
    const parsed = new URL(url);
    // libpq's `?host=` names the server too (a path there is a Unix socket, nothing a camera reaches).
    const host = parsed.searchParams.get('host') ?? parsed.hostname;
    if (host === '' || host.startsWith('/')) continue;
    endpoints.push({ host, port: Number(parsed.port || defaultPort) });
  }
  return endpoints;
}

function listeningPort(app: FastifyInstance): number | undefined {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}

/** Where the other processes reach this one, from the address it listens on (a wildcard host: loopback). */
function advertisedUrl(host: string, app: FastifyInstance): string {
  const port = listeningPort(app) ?? 0;
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** `vigil serve`: runs until SIGTERM or SIGINT, then shuts down gracefully and exits 0. */
export async function serve(config: Config): Promise<void> {
  const running = await startVigil(config);
  const onSignal = (signal: NodeJS.Signals) => {
    running.shutdown(signal).then(
      () => flushLogs(running.log).then(() => process.exit(0)),
      (error: unknown) => {
        running.log.error({ err: error }, 'shutdown failed');
        return flushLogs(running.log).then(() => process.exit(1));
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
