// The org-units latency benchmark: Vigil started in this process (real HTTP server on 127.0.0.1),
// an organization of N units × 5 versions generated with SQL, then sequential requests over one
// keep-alive connection: one unit as of a date, the whole tree as of that date, a version insert
// (re-cut and audit in one transaction), and the same tree read as one raw SQL query through the
// database connection Vigil uses. On real PostgreSQL (a fresh database, dropped afterwards) when a
// server is configured or answers on 127.0.0.1:5432, and always on PGlite in memory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { startVigil } from '../src/main.js';
import type { RunningVigil } from '../src/main.js';
import { addDays } from '../src/platform/dates.js';
import { createLogger } from '../src/platform/log.js';
import { allCodes, BASE_DATE, generate, layout, rawTree, rootCode, VERSIONS_PER_UNIT } from './org-units-data.js';
import type { Generated, RawTreeRow } from './org-units-data.js';

export const ORG_UNITS_SCENARIO = 'org-units';

const LOOPBACK = '127.0.0.1';
const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASE = '/api/v1/organization-units';
const ADMIN = { email: 'bench@example.com', password: 'harbour-lantern-quay-42' } as const;
/** The date the reads ask for: versions 1 and 2 of the units are in force then, with some units moved. */
const AS_OF = '2022-07-01';
/** New versions start on random days in this range: after every generated version, and after AS_OF. */
const INSERT_FROM = '2030-01-01';
const INSERT_DAYS = 4018; // to 2040-12-31
/** Requests before measuring, not counted. */
const WARMUP = { unit: 20, tree: 3, insert: 10 } as const;
/** The issue's goals on PostgreSQL (p95), set for 10,000 units. */
const GOALS = { unitRead: 5, treeRead: 150, versionInsert: 20 } as const;
const GOAL_UNITS = 10_000;
const SEED = 20_240_601;

export interface OrgUnitsSettings {
  units: number;
  samples: { unit: number; tree: number; insert: number };
  asOf: string;
  /** Where the PostgreSQL backend runs: a server URL and which variable named it, or the default to try. */
  postgres: { url: string; source: 'BENCH_DATABASE_URL' | 'DATABASE_URL' | 'default' };
}

export interface LatencyStats {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

type MeasureName = 'unitRead' | 'treeRead' | 'versionInsert' | 'rawTree';

export interface GoalCheck {
  measure: keyof typeof GOALS;
  limitMs: number;
  p95: number;
  status: 'PASS' | 'FAIL';
}

export interface BackendResult {
  backend: 'postgres' | 'pglite';
  /** `SELECT version()` of the backend. */
  serverVersion: string;
  /** The database created for the run (PostgreSQL only), dropped at the end. */
  database: string | undefined;
  generation: Generated;
  asOf: string;
  root: string;
  /** Units in the API's tree and rows of the raw query, as of `asOf` (each must be `units`). */
  treeSize: { api: number; raw: number };
  latencyMs: Record<MeasureName, LatencyStats>;
  /** API tree p95 / raw SQL tree p95. */
  treeOverheadRatio: number;
  /** PostgreSQL only: the issue's goals. */
  goals: GoalCheck[];
  /** 1-minute load average of the machine when this backend started and ended (other work skews the figures). */
  loadAverage: { before: number; after: number; cpus: number };
  /** Unexpected answers: any makes the run INVALID (and the command exit 1). */
  problems: string[];
}

export interface OrgUnitsResult {
  settings: Omit<OrgUnitsSettings, 'postgres'> & { postgres: string; insertDates: string; warmup: typeof WARMUP };
  backends: BackendResult[];
  skipped: { backend: 'postgres'; reason: 'no server'; detail: string }[];
  ok: boolean;
}

// ---------------------------------------------------------------------------------------------
// Settings

function positiveInt(name: string, raw: string, min = 1): number {
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

/**
 * BENCH_ORG_UNITS (default 10000); BENCH_ORG_SAMPLES: one number n (unit reads and inserts n,
 * tree reads ⌈0.15·n⌉) or three, `unit,tree,insert` (default 200,30,200).
 */
export function readOrgUnitsSettings(env: NodeJS.ProcessEnv): OrgUnitsSettings {
  const unitsRaw = env.BENCH_ORG_UNITS;
  const units = unitsRaw === undefined || unitsRaw.trim() === '' ? 10_000 : positiveInt('BENCH_ORG_UNITS', unitsRaw, 5);
  let samples = { unit: 200, tree: 30, insert: 200 };
  const samplesRaw = env.BENCH_ORG_SAMPLES?.trim();
  if (samplesRaw) {
    const parts = samplesRaw.split(',').map((p) => positiveInt('BENCH_ORG_SAMPLES', p));
    if (parts.length === 1) samples = { unit: parts[0]!, tree: Math.max(1, Math.ceil(parts[0]! * 0.15)), insert: parts[0]! };
    else if (parts.length === 3) samples = { unit: parts[0]!, tree: parts[1]!, insert: parts[2]! };
    else throw new Error(`BENCH_ORG_SAMPLES must be one number or three (unit,tree,insert), got "${samplesRaw}"`);
  }
  const postgres = env.BENCH_DATABASE_URL
    ? { url: env.BENCH_DATABASE_URL, source: 'BENCH_DATABASE_URL' as const }
    : env.DATABASE_URL
      ? { url: env.DATABASE_URL, source: 'DATABASE_URL' as const }
      : { url: DEFAULT_POSTGRES_URL, source: 'default' as const };
  return { units, samples, asOf: AS_OF, postgres };
}

/** host:port/database of a URL, without credentials (for the report and the JSON). */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Nearest-rank percentile of sorted values (the same rank rule as histogram.ts). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const round2 = (value: number) => Math.round(value * 100) / 100;

function stats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: round3(percentile(sorted, 50)),
    p95: round3(percentile(sorted, 95)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted.at(-1) ?? 0),
    mean: round3(sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length)),
  };
}

/** mulberry32: a small seeded generator, so both backends get the same codes and dates. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Answer {
  status: number;
  body: string;
  /** From sending the request to the last byte of the body. */
  ms: number;
}

/** One keep-alive connection (maxSockets 1), requests one at a time. */
function httpClient(baseUrl: string, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(baseUrl);
  function send(method: 'GET' | 'POST', target: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path: target,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const ms = performance.now() - started;
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms });
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
  return { send, close: () => agent.destroy() };
}

interface TreeNode {
  code: string;
  parentCode: string | null;
  children: TreeNode[];
}

/** code → parent code of every node of an API tree. */
function flatten(root: TreeNode): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.set(node.code, node.parentCode);
    stack.push(...node.children);
  }
  return out;
}

/** Nodes in a tree's JSON text: every node, and nothing else here, has a `hasScheduledChanges` member. */
function countNodes(body: string): number {
  let count = 0;
  for (let at = body.indexOf('"hasScheduledChanges":'); at !== -1; at = body.indexOf('"hasScheduledChanges":', at + 1)) count++;
  return count;
}

/** Problems found comparing the API's tree with the raw query's rows (empty: same units, same parents). */
function compareTrees(api: Map<string, string | null>, raw: readonly RawTreeRow[], root: string): string[] {
  const problems: string[] = [];
  const rawParents = new Map(raw.map((r) => [r.code, r.parent_code]));
  const missing = [...rawParents.keys()].filter((code) => !api.has(code));
  const extra = [...api.keys()].filter((code) => !rawParents.has(code));
  const moved = [...api].filter(([code, parent]) => code !== root && rawParents.has(code) && rawParents.get(code) !== parent);
  if (missing.length > 0)
    problems.push(`${missing.length} units of the raw query are missing from the API tree (${missing.slice(0, 3).join(', ')})`);
  if (extra.length > 0) problems.push(`${extra.length} units of the API tree are not in the raw query (${extra.slice(0, 3).join(', ')})`);
  if (moved.length > 0) problems.push(`${moved.length} units have another parent in the API tree than in the raw query`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Backends

interface PostgresTarget {
  adminUrl: string;
  database: string;
  url: string;
  drop(): Promise<void>;
}

/** Whether a server answers at the admin URL (only asked of the default URL). */
async function serverAnswers(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const DROP_SCRIPT = `
import pg from 'pg';
const client = new pg.Client({ connectionString: process.env.BENCH_DROP_URL });
await client.connect();
await client.query('drop database if exists ' + process.env.BENCH_DROP_NAME + ' with (force)');
await client.end();
`;

/**
 * On SIGINT/SIGTERM the process exits right after its signal listeners run (children.ts), too soon
 * for an await: a detached process drops the database instead. Returns the function that removes
 * the listeners.
 */
function dropOnSignal(target: PostgresTarget): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    spawn(process.execPath, ['--input-type=module', '-e', DROP_SCRIPT], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, BENCH_DROP_URL: target.adminUrl, BENCH_DROP_NAME: target.database },
    }).unref();
    // Alone on this signal, we would keep running: exit as the default action would.
    if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.prependOnceListener('SIGINT', onSignal);
  process.prependOnceListener('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

async function createPostgresDatabase(adminUrl: string): Promise<PostgresTarget> {
  const database = `vigil_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    adminUrl,
    database,
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `drop database if exists ${database} with (force)`),
  };
}

async function signIn(baseUrl: string): Promise<string> {
  const response = await fetch(new URL('/api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`signing in the bench admin answered ${response.status}: ${text}`);
  const { accessToken } = JSON.parse(text) as { accessToken?: unknown };
  if (typeof accessToken !== 'string') throw new Error('signing in the bench admin answered no accessToken');
  return accessToken;
}

async function startBackend(databaseUrl: string | undefined): Promise<{ running: RunningVigil; maxDepth: number; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-org-'));
  // A signal makes the process exit without closing anything: remove the directory then too.
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  try {
    const { config } = loadConfig({
      HOST: LOOPBACK,
      PORT: '0',
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      LOG_LEVEL: 'info',
      VIGIL_SHUTDOWN_GRACE_MS: '1000',
      VIGIL_ADMIN_EMAIL: ADMIN.email,
      VIGIL_ADMIN_PASSWORD: ADMIN.password,
      // The limiter still runs on every request; the ceiling is just out of reach.
      VIGIL_RATE_LIMIT_MAX: '10000000',
      // One token for the whole run, however long the PGlite tree reads take.
      VIGIL_ACCESS_TOKEN_TTL_S: '86400',
      // Generating the organization is one long transaction; requests never come near this.
      VIGIL_DB_STATEMENT_TIMEOUT_MS: '600000',
    });
    // Vigil's real logger writing to /dev/null, as bench/targets.ts does.
    const log = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
    const running = await startVigil(config, { log, pgliteDataDir: 'memory://' });
    return {
      running,
      maxDepth: config.org.maxDepth,
      async close() {
        try {
          await running.shutdown('benchmark finished');
        } finally {
          process.off('exit', removeDataDir);
          removeDataDir();
        }
      },
    };
  } catch (error) {
    process.off('exit', removeDataDir);
    removeDataDir();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// One backend

async function measureBackend(
  kind: 'postgres' | 'pglite',
  settings: OrgUnitsSettings,
  databaseUrl: string | undefined,
  database: string | undefined,
  progress: (line: string) => void,
): Promise<BackendResult> {
  const label = kind === 'postgres' ? 'PostgreSQL' : 'PGlite';
  const loadBefore = os.loadavg()[0]!;
  const backend = await startBackend(databaseUrl);
  try {
    const { running } = backend;
    const db = running.database.db;
    const { rows: versionRows } = await sql<{ version: string }>`select version()`.execute(db);
    const serverVersion = versionRows[0]?.version ?? 'unknown';
    progress(`${label}: Vigil up at ${running.url} (${serverVersion.split(' on ')[0] ?? serverVersion})`);

    const levels = layout(settings.units);
    const codes = allCodes(levels);
    const root = rootCode(levels);
    progress(
      `${label}: generating ${settings.units} units × ${VERSIONS_PER_UNIT} versions (levels ${levels.map((l) => l.count).join(' / ')})`,
    );
    const generation = await generate(db, levels);
    progress(
      `${label}: generated ${generation.units} units, ${generation.versions} versions, ${generation.movedUnits} units change parent, ` +
        `in ${(generation.insertMs / 1000).toFixed(1)} s (+ ANALYZE ${(generation.analyzeMs / 1000).toFixed(1)} s)`,
    );
    // Each distinct problem once (a failure repeated on every sample would flood the report).
    const problems: string[] = [];
    const problem = (text: string) => {
      if (problems.length < 20 && !problems.includes(text)) problems.push(text);
    };
    if (generation.units !== settings.units) problem(`generated ${generation.units} units, expected ${settings.units}`);

    const client = httpClient(running.url, await signIn(running.url));
    try {
      const next = random(SEED);
      const pick = () => codes[Math.floor(next() * codes.length)]!;
      const { asOf } = settings;
      const unexpected = (what: string, answer: Answer) => problem(`${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`);

      // (1) One unit as of a date.
      const unitRead = async () => {
        const code = pick();
        const answer = await client.send('GET', `${BASE}/${encodeURIComponent(code)}?asOf=${asOf}`);
        if (answer.status !== 200) unexpected(`GET ${code}`, answer);
        else if ((JSON.parse(answer.body) as { code?: string }).code !== code) problem(`GET ${code} answered another unit`);
        return answer.ms;
      };
      progress(`${label}: unit reads (${WARMUP.unit} warm-up, ${settings.samples.unit} measured)`);
      for (let i = 0; i < WARMUP.unit; i++) await unitRead();
      const unitTimes: number[] = [];
      for (let i = 0; i < settings.samples.unit; i++) unitTimes.push(await unitRead());

      // (2) and (4): the whole tree through the API and as one raw query, alternately.
      const treeSize = { api: 0, raw: 0 };
      /**
       * The first warm-up read is parsed in full and compared with the raw query's rows; the others
       * are checked by counting their nodes in the text, which allocates next to nothing (parsing
       * several MB after each sample would leave garbage for the next one to collect).
       */
      const treeRead = async (parse: boolean) => {
        const answer = await client.send('GET', `${BASE}/${root}/tree?asOf=${asOf}`);
        if (answer.status !== 200) {
          unexpected(`GET ${root}/tree`, answer);
          return { ms: answer.ms, nodes: undefined };
        }
        const nodes = parse ? flatten(JSON.parse(answer.body) as TreeNode) : undefined;
        const size = nodes ? nodes.size : countNodes(answer.body);
        if (size !== settings.units) problem(`the API tree as of ${asOf} has ${size} units, expected ${settings.units}`);
        treeSize.api = size;
        return { ms: answer.ms, nodes };
      };
      const rawRead = async () => {
        const started = performance.now();
        const rows = await rawTree(db, root, asOf);
        const ms = performance.now() - started;
        treeSize.raw = rows.length;
        return { ms, rows };
      };
      progress(`${label}: whole-tree reads, API and raw SQL alternately (${WARMUP.tree} warm-up, ${settings.samples.tree} measured each)`);
      for (let i = 0; i < WARMUP.tree; i++) {
        const api = await treeRead(i === 0);
        const raw = await rawRead();
        if (api.nodes) compareTrees(api.nodes, raw.rows, root).forEach(problem);
      }
      const treeTimes: number[] = [];
      const rawTimes: number[] = [];
      for (let i = 0; i < settings.samples.tree; i++) {
        treeTimes.push((await treeRead(false)).ms);
        rawTimes.push((await rawRead()).ms);
      }
      if (treeSize.raw !== settings.units)
        problem(`the raw tree query as of ${asOf} returned ${treeSize.raw} rows, expected ${settings.units}`);

      // (3) A version insert: a renamed unit from a fresh date on (the timeline is re-cut, the write audited).
      const taken = new Set<string>();
      let inserted = 0;
      const insert = async () => {
        let code: string;
        let date: string;
        do {
          code = pick();
          date = addDays(INSERT_FROM, Math.floor(next() * INSERT_DAYS));
        } while (taken.has(`${code}@${date}`));
        taken.add(`${code}@${date}`);
        inserted++;
        const answer = await client.send('POST', `${BASE}/${encodeURIComponent(code)}/versions`, {
          effectiveDate: date,
          name: `Renamed unit ${inserted}`,
          changeReason: 'benchmark: version insert',
        });
        if (answer.status !== 201) unexpected(`POST ${code}/versions (${date})`, answer);
        return answer.ms;
      };
      progress(`${label}: version inserts (${WARMUP.insert} warm-up, ${settings.samples.insert} measured)`);
      for (let i = 0; i < WARMUP.insert; i++) await insert();
      const insertTimes: number[] = [];
      for (let i = 0; i < settings.samples.insert; i++) insertTimes.push(await insert());

      const latencyMs = {
        unitRead: stats(unitTimes),
        treeRead: stats(treeTimes),
        versionInsert: stats(insertTimes),
        rawTree: stats(rawTimes),
      };
      const goals: GoalCheck[] =
        kind === 'postgres'
          ? (Object.keys(GOALS) as (keyof typeof GOALS)[]).map((measure) => ({
              measure,
              limitMs: GOALS[measure],
              p95: latencyMs[measure].p95,
              status: latencyMs[measure].p95 < GOALS[measure] ? 'PASS' : 'FAIL',
            }))
          : [];
      return {
        backend: kind,
        serverVersion,
        database,
        generation,
        asOf,
        root,
        treeSize,
        latencyMs,
        treeOverheadRatio: latencyMs.rawTree.p95 > 0 ? Math.round((latencyMs.treeRead.p95 / latencyMs.rawTree.p95) * 100) / 100 : 0,
        goals,
        loadAverage: { before: round2(loadBefore), after: round2(os.loadavg()[0]!), cpus: os.cpus().length },
        problems,
      };
    } finally {
      client.close();
    }
  } finally {
    await backend.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The scenario

export async function runOrgUnits(settings: OrgUnitsSettings, progress: (line: string) => void): Promise<OrgUnitsResult> {
  const backends: BackendResult[] = [];
  const skipped: OrgUnitsResult['skipped'] = [];

  // PostgreSQL: a server named by BENCH_DATABASE_URL / DATABASE_URL must work; the default is tried.
  const { url: adminUrl, source } = settings.postgres;
  if (source === 'default' && !(await serverAnswers(adminUrl))) {
    const detail = `nothing answered at ${describeUrl(adminUrl)}; set BENCH_DATABASE_URL to use a server`;
    skipped.push({ backend: 'postgres', reason: 'no server', detail });
    progress(`PostgreSQL: skipped (no server): ${detail}`);
  } else {
    const target = await createPostgresDatabase(adminUrl);
    const undoSignal = dropOnSignal(target);
    progress(`PostgreSQL: created database ${target.database} on ${describeUrl(adminUrl)} (from ${source})`);
    try {
      backends.push(await measureBackend('postgres', settings, target.url, target.database, progress));
    } finally {
      await target.drop();
      undoSignal();
      progress(`PostgreSQL: dropped database ${target.database}`);
    }
  }

  backends.push(await measureBackend('pglite', settings, undefined, undefined, progress));

  return {
    settings: {
      units: settings.units,
      samples: settings.samples,
      asOf: settings.asOf,
      postgres: `${describeUrl(adminUrl)} (${source})`,
      insertDates: `random days from ${INSERT_FROM}, unique per unit`,
      warmup: WARMUP,
    },
    backends,
    skipped,
    ok: backends.every((b) => b.problems.length === 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const thousands = new Intl.NumberFormat('en-US');

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd(),
  );
}

const MEASURES: { key: MeasureName; label: string }[] = [
  { key: 'unitRead', label: 'one unit     GET /organization-units/{code}?asOf=D' },
  { key: 'treeRead', label: 'whole tree   GET /organization-units/{root}/tree?asOf=D' },
  { key: 'versionInsert', label: 'insert       POST /organization-units/{code}/versions' },
  { key: 'rawTree', label: 'raw SQL      the same tree, one query' },
];

function formatBackend(result: BackendResult, units: number): string {
  const name = result.backend === 'postgres' ? 'PostgreSQL' : 'PGlite (in memory)';
  const version = result.serverVersion.split(' on ')[0] ?? result.serverVersion;
  const g = result.generation;
  const header = ['measure', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'goal p95', 'status'];
  const rows = MEASURES.map(({ key, label }) => {
    const s = result.latencyMs[key];
    const goal = result.goals.find((c) => c.measure === key);
    return [
      label,
      String(s.samples),
      s.p50.toFixed(2),
      s.p95.toFixed(2),
      s.p99.toFixed(2),
      s.max.toFixed(2),
      goal ? `< ${goal.limitMs} ms` : '-',
      goal ? goal.status : '-',
    ];
  });
  const lines = [
    `${name}: ${version}${result.database ? ` (database ${result.database}, dropped)` : ''}`,
    `  data: ${thousands.format(g.units)} units, ${thousands.format(g.versions)} versions (${thousands.format(g.movedUnits)} units change parent), ` +
      `generated in ${(g.insertMs / 1000).toFixed(1)} s + ANALYZE ${(g.analyzeMs / 1000).toFixed(1)} s`,
    `  tree as of ${result.asOf} under ${result.root}: API ${thousands.format(result.treeSize.api)} units, raw SQL ${thousands.format(result.treeSize.raw)} rows ` +
      `(expected ${thousands.format(units)})`,
    '',
    ...table([header, ...rows], [false, true, true, true, true, true, false, false]).map((l) => `  ${l}`),
    '',
    `  API tree / raw SQL tree (p95): ${result.treeOverheadRatio.toFixed(2)}×`,
    `  load average (1 min) at start / end: ${result.loadAverage.before.toFixed(2)} / ${result.loadAverage.after.toFixed(2)} ` +
      `on ${result.loadAverage.cpus} CPUs`,
  ];
  if (Math.max(result.loadAverage.before, result.loadAverage.after) > result.loadAverage.cpus) {
    lines.push('  note: the machine was busy with other work during this run; the latencies include waiting for a CPU.');
  }
  if (result.goals.length > 0 && units !== GOAL_UNITS) {
    lines.push(`  note: the goals are set for ${thousands.format(GOAL_UNITS)} units; this run has ${thousands.format(units)}.`);
  }
  for (const problem of result.problems) lines.push(`  FAILED: ${problem}`);
  if (result.problems.length > 0) lines.push('  INVALID: unexpected answers, these figures measure something else');
  return lines.join('\n');
}

export function formatOrgUnits(result: OrgUnitsResult): string {
  const s = result.settings;
  const ran = result.backends.map((b) => (b.backend === 'postgres' ? 'PostgreSQL' : 'PGlite')).join(', ');
  const lines = [
    `${ORG_UNITS_SCENARIO}: latency of the org-units API on a generated organization of ${thousands.format(s.units)} units × ` +
      `${VERSIONS_PER_UNIT} versions (first versions from ${BASE_DATE}), read as of D = ${s.asOf}`,
    `sequential requests over one keep-alive connection to Vigil in this process (127.0.0.1), after a warm-up ` +
      `(${s.warmup.unit} unit reads, ${s.warmup.tree} tree reads, ${s.warmup.insert} inserts); latency to the last byte of the body`,
    `backends run: ${ran || 'none'}`,
    ...result.skipped.map((skip) => `PostgreSQL: skipped (${skip.reason}): ${skip.detail}`),
    '',
  ];
  for (const backend of result.backends) lines.push(formatBackend(backend, s.units), '');
  return lines.join('\n');
}
