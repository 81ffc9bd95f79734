// The servers of the pk-read and mixed-load scenarios, each in a child process (bench/server.ts),
// both on the PostgreSQL database the parent prepared (BENCH_TARGET_DATABASE_URL):
// - `vigil-org`: Vigil as `vigil serve` runs it on that database (and on BENCH_TARGET_REDIS_URL
//   when set), asked as a signed-in user whose only grant is admin on the organization's root, so
//   every request pays for the bearer token, the permission and the unit scope check;
// - `bare-org`: bare Fastify 5 (no logger) on a pool made as Vigil makes its own (the same driver,
//   size and timeouts, from Vigil's configuration defaults), answering the same routes with the
//   same SQL: the org-units and cameras repositories' own functions, and the same audit insert.
import type { Kysely } from 'kysely';
import { LOOPBACK } from '../targets.js';
import type { RequestSpec, StartedTarget } from '../targets.js';
import type { Schema } from '../../src/platform/db/schema.js';

export const ORG_BASE = '/api/v1/organization-units';
export const CAMERA_BASE = '/api/v1/cameras';
/** The bench admin Vigil creates at start (global grant), and the scoped user the load signs in as. */
export const BENCH_ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;
export const SCOPED_USER = { email: 'bench-unit-admin@example.com', password: 'harbour-lantern-quay-43' } as const;

/** What the parent tells the children (environment of the child process). */
export const TARGET_ENV = {
  database: 'BENCH_TARGET_DATABASE_URL',
  redis: 'BENCH_TARGET_REDIS_URL',
  /** The root of the generated organization: the scoped user's grant. */
  root: 'BENCH_TARGET_ROOT',
  /** The unit the pk-read request reads. */
  unit: 'BENCH_TARGET_UNIT',
} as const;

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (the bench parent sets it)`);
  return value;
}

const unitRequest = (headers?: Record<string, string>): RequestSpec => ({
  method: 'GET',
  path: `${ORG_BASE}/${env(TARGET_ENV.unit)}`,
  ...(headers ? { headers } : {}),
});

export async function startVigilOrg(): Promise<StartedTarget> {
  const [{ loadConfig }, { startVigil }, { createLogger, logDestination }] = await Promise.all([
    import('../../src/config.js'),
    import('../../src/main.js'),
    import('../../src/platform/log.js'),
  ]);
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-api-'));
  const redis = process.env[TARGET_ENV.redis];
  try {
    const { config } = loadConfig({
      HOST: LOOPBACK,
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: env(TARGET_ENV.database),
      ...(redis ? { REDIS_URL: redis } : {}),
      LOG_LEVEL: 'info',
      VIGIL_SHUTDOWN_GRACE_MS: '1000',
      VIGIL_ADMIN_EMAIL: BENCH_ADMIN.email,
      VIGIL_ADMIN_PASSWORD: BENCH_ADMIN.password,
      // The limiter still runs on every request (its cost is measured); the ceiling is just out of reach.
      VIGIL_RATE_LIMIT_MAX: '10000000',
      // One token for the whole run, however long the rate search takes.
      VIGIL_ACCESS_TOKEN_TTL_S: '86400',
    });
    const log = createLogger({ level: 'info', destination: logDestination('/dev/null') });
    const running = await startVigil(config, { log });
    const close = async () => {
      await running.shutdown('benchmark finished');
      rmSync(dataDir, { recursive: true, force: true });
    };
    try {
      const token = await scopedToken(running.app);
      return { url: running.url, request: unitRequest({ authorization: `Bearer ${token}` }), close };
    } catch (error) {
      await close();
      throw error;
    }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

type Injectable = {
  inject(options: { method: 'GET' | 'POST'; url: string; payload?: unknown; headers?: Record<string, string> }): Promise<{
    statusCode: number;
    body: string;
  }>;
};

async function login(app: Injectable, user: { email: string; password: string }): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: user });
  if (response.statusCode !== 200) throw new Error(`signing in ${user.email} answered ${response.statusCode}: ${response.body}`);
  const { accessToken } = JSON.parse(response.body) as { accessToken?: unknown };
  if (typeof accessToken !== 'string') throw new Error(`signing in ${user.email} answered no accessToken`);
  return accessToken;
}

/** Creates the scoped user (admin on the root unit only) unless it exists, and signs it in. */
async function scopedToken(app: Injectable): Promise<string> {
  const admin = await login(app, BENCH_ADMIN);
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: { authorization: `Bearer ${admin}` },
    payload: { ...SCOPED_USER, grants: [{ role: 'admin', orgUnitCode: env(TARGET_ENV.root) }] },
  });
  if (created.statusCode !== 201 && created.statusCode !== 409) {
    throw new Error(`creating the scoped bench user answered ${created.statusCode}: ${created.body}`);
  }
  return login(app, SCOPED_USER);
}

export async function startBareOrg(): Promise<StartedTarget> {
  const [
    { default: Fastify },
    { default: pino },
    { loadConfig },
    { createDatabase },
    { todayIn, parseDate },
    org,
    schemas,
    timeline,
    cams,
    camsService,
    leases,
    audit,
    treeJsonModule,
  ] = await Promise.all([
    import('fastify'),
    import('pino'),
    import('../../src/config.js'),
    import('../../src/platform/db/database.js'),
    import('../../src/platform/dates.js'),
    import('../../src/modules/org-units/org-units.repo.js'),
    import('../../src/modules/org-units/org-units.schemas.js'),
    import('../../src/modules/org-units/timeline.js'),
    import('../../src/modules/cameras/cameras.repo.js'),
    import('../../src/modules/cameras/cameras.service.js'),
    import('../../src/modules/cameras/runtime/leases.repo.js'),
    import('../../src/platform/audit.js'),
    import('../../src/modules/org-units/tree-json.js'),
  ]);
  const { orgRepo } = org;
  const { config } = loadConfig({ DATABASE_URL: env(TARGET_ENV.database) });
  const database = await createDatabase({
    url: env(TARGET_ENV.database),
    pgliteDataDir: 'memory://',
    poolSize: config.database.poolSize,
    statementTimeoutMs: config.database.statementTimeoutMs,
    queryTimeoutMs: config.database.queryTimeoutMs,
    connectTimeoutMs: config.database.connectTimeoutMs,
    log: pino({ level: 'silent' }),
  });
  const db: Kysely<Schema> = database.db;
  const today = () => todayIn(config.timeZone);
  const auditLog = audit.createAudit({ metrics: { auditWrites: { inc: () => undefined } } as never });

  /** The unit as the API shows it: the version in force and the paths, read as the service reads them. */
  async function view(code: string, date: string, executor: Kysely<Schema> = db) {
    const found = await orgRepo.unitAt(executor, code, date);
    if (!found) return undefined;
    const paths = found.path;
    const codePath = paths?.codePath ?? [code];
    return {
      ...timeline.toApiVersion(code, found),
      revision: found.revision,
      codePath,
      namePath: paths?.namePath ?? [found.name],
      level: codePath.length,
      hasScheduledChanges: found.scheduled,
    };
  }

  const app = Fastify({ logger: false });
  app.addSchema(schemas.OrgUnitView);

  app.get<{ Params: { code: string }; Querystring: { asOf?: string } }>(
    `${ORG_BASE}/:code`,
    { schema: { response: { 200: { $ref: 'OrgUnit#' } } } },
    async (request, reply) => {
      const unit = await view(request.params.code, request.query.asOf ?? today());
      if (!unit) return reply.code(404).send({ code: 'ORG_UNIT_NOT_FOUND' });
      return reply.header('etag', `"${unit.revision}"`).send(unit);
    },
  );

  app.get<{ Params: { code: string }; Querystring: { asOf?: string; depth?: string } }>(
    `${ORG_BASE}/:code/tree`,
    async (request, reply) => {
      const { code } = request.params;
      const date = request.query.asOf ?? today();
      const depth = request.query.depth === undefined ? config.org.maxDepth : Number(request.query.depth);
      const { rows } = await orgRepo.treeAt(db, code, date, depth);
      const byCode = new Map<string, (typeof rows)[number]>();
      const children = new Map<string, (typeof rows)[number][]>();
      for (const row of rows) {
        if (byCode.has(row.code)) continue;
        byCode.set(row.code, row);
        if (row.parentCode !== null) children.set(row.parentCode, [...(children.get(row.parentCode) ?? []), row]);
      }
      const root = byCode.get(code);
      if (!root) return reply.code(404).send({ code: 'ORG_UNIT_NOT_FOUND' });
      const above = root.parentCode === null ? undefined : (await orgRepo.pathsAt(db, [code], date)).get(code);
      const levels = new Map([[root, 1]]);
      const json = treeJsonModule.treeJson(
        {
          root,
          codePath: above?.codePath ?? [code],
          namePath: above?.namePath ?? [root.name],
          childrenOf(row) {
            const level = levels.get(row)!;
            const below = level < depth ? (children.get(row.code) ?? []) : [];
            below.sort((x, y) => x.sortOrder - y.sortOrder || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
            for (const child of below) levels.set(child, level + 1);
            return below;
          },
        },
        rows.length,
      );
      return reply.type('application/json; charset=utf-8').send(json);
    },
  );

  app.post<{ Params: { code: string }; Body: { effectiveDate: string; name?: string; changeReason?: string } }>(
    `${ORG_BASE}/:code/versions`,
    { schema: { response: { 201: { $ref: 'OrgUnit#' } } } },
    async (request, reply) => {
      const { code } = request.params;
      const { effectiveDate, changeReason, ...fields } = request.body;
      const from = parseDate(effectiveDate, 'effectiveDate');
      const unit = await db.transaction().execute(async (tx) => {
        const locked = await orgRepo.unit(tx, code, true);
        if (!locked) return undefined;
        const before = await orgRepo.timeline(tx, code);
        const meta = { changeReason: changeReason ?? null, changedBy: 'bench', changedAt: new Date().toISOString() };
        const next = timeline.insertVersion(code, before, from, fields, meta);
        await orgRepo.replaceTimeline(tx, code, next);
        const revision = await orgRepo.bumpRevision(tx, code);
        await auditLog.write(tx, {
          actorType: 'system',
          actorId: 'bench',
          action: 'org_unit.version_create',
          resourceType: 'org_unit',
          resourceId: code,
          orgUnitCode: code,
          before: timeline.versionAt(before, from) ?? before[0],
          after: { ...timeline.versionAt(next, from), revision },
          result: 'success',
        });
        return view(code, from, tx);
      });
      if (!unit) return reply.code(404).send({ code: 'ORG_UNIT_NOT_FOUND' });
      return reply.code(201).header('etag', `"${unit.revision}"`).send(unit);
    },
  );

  app.get<{ Params: { camera_id: string } }>(`${CAMERA_BASE}/:camera_id/status`, async (request, reply) => {
    const id = request.params.camera_id;
    const row = await cams.camerasRepo.find(db, id);
    if (!row) return reply.code(404).send({ code: 'CAMERA_NOT_FOUND' });
    const [published] = await leases.leasesRepo.publishedStatuses(db, [id], config.cameras.leaseMs);
    if (published && row.desired_running && row.active) return published.status;
    return camsService.idleStatus(row);
  });

  const url = await app.listen({ host: LOOPBACK, port: 0 });
  return {
    url,
    request: unitRequest(),
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
