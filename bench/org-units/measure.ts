// One backend of the org-units benchmark: generate the organization, then the measured requests
// (one unit, the whole tree through the API and as raw SQL, version inserts) and the goals.
import os from 'node:os';
import { sql } from 'kysely';
import { addDays } from '../../src/platform/dates.js';
import { startBackend, signIn } from './backends.js';
import { allCodes, generate, layout, rawTree, rootCode, VERSIONS_PER_UNIT } from './data.js';
import type { BackendResult, GoalCheck } from './result.js';
import { BASE, GOALS, INSERT_DAYS, INSERT_FROM, SEED, WARMUP } from './settings.js';
import type { OrgUnitsSettings } from './settings.js';
import { compareTrees, countNodes, flatten, httpClient, random, round2, stats } from './tools.js';
import type { Answer, TreeNode } from './tools.js';

export async function measureBackend(
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
