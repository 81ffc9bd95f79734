// One backend of the org-units benchmark: generate the organization, then the measured requests
// (one unit, the whole tree through the API and as raw SQL, version inserts) and the goals.
import os from 'node:os';
import { sql } from 'kysely';
import { addDays } from '../../src/platform/dates.js';
import { startBackend, signIn } from './backends.js';
import { allCodes, generate, layout, rawTree, rootCode, VERSIONS_PER_UNIT } from './data.js';
import type { BackendResult, GoalCheck, LatencyStats, MeasureName } from './result.js';
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

      // The whole tree as of D once (not timed): the size of each department's subtree, and the
      // parent of each unit, that the subtree reads must answer.
      const departments = allCodes([levels[3]!]);
      const expected = subtreeSizes((await rawTree(db, root, asOf)).map((r) => [r.code, r.parent_code]));
      const sizes = departments.map((d) => expected.get(d) ?? 0);

      // (1) and (5): one unit and a department's subtree as of a date, alternately.
      const timed = async (work: () => Promise<Answer>): Promise<Answer & { cpuMs: number }> => {
        const cpu = process.cpuUsage();
        const answer = await work();
        const used = process.cpuUsage(cpu);
        return { ...answer, cpuMs: (used.user + used.system) / 1000 };
      };
      const unitRead = async () => {
        const code = pick();
        const answer = await timed(() => client.send('GET', `${BASE}/${encodeURIComponent(code)}?asOf=${asOf}`));
        if (answer.status !== 200) unexpected(`GET ${code}`, answer);
        else if ((JSON.parse(answer.body) as { code?: string }).code !== code) problem(`GET ${code} answered another unit`);
        return answer;
      };
      const subtreeRead = async (parse: boolean) => {
        const code = departments[Math.floor(next() * departments.length)]!;
        const answer = await timed(() => client.send('GET', `${BASE}/${encodeURIComponent(code)}/tree?asOf=${asOf}`));
        if (answer.status !== 200) {
          unexpected(`GET ${code}/tree`, answer);
          return answer;
        }
        const size = countNodes(answer.body);
        if (size !== expected.get(code)) problem(`the subtree of ${code} as of ${asOf} has ${size} units, expected ${expected.get(code)}`);
        if (parse) {
          for (const [unit, parent] of flatten(JSON.parse(answer.body) as TreeNode)) {
            if (unit !== code && expected.parents.get(unit) !== parent)
              problem(`in the subtree of ${code}, ${unit} has another parent than in the raw query`);
          }
        }
        return answer;
      };
      progress(
        `${label}: unit and subtree reads, alternately (${WARMUP.unit} + ${WARMUP.subtree} warm-up, ` +
          `${settings.samples.unit} + ${settings.samples.subtree} measured)`,
      );
      for (let i = 0; i < Math.max(WARMUP.unit, WARMUP.subtree); i++) {
        if (i < WARMUP.unit) await unitRead();
        if (i < WARMUP.subtree) await subtreeRead(true);
      }
      const unitTimes: number[] = [];
      const subtreeTimes: number[] = [];
      const cpu = {
        unitRead: [] as number[],
        subtreeRead: [] as number[],
        treeRead: [] as number[],
        treeReadFirst: [] as number[],
        versionInsert: [] as number[],
        rawTree: [] as number[],
      };
      for (let i = 0; i < Math.max(settings.samples.unit, settings.samples.subtree); i++) {
        if (i < settings.samples.unit) {
          const answer = await unitRead();
          unitTimes.push(answer.ms);
          cpu.unitRead.push(answer.cpuMs);
        }
        if (i < settings.samples.subtree) {
          const answer = await subtreeRead(false);
          subtreeTimes.push(answer.ms);
          cpu.subtreeRead.push(answer.cpuMs);
        }
      }

      // (2) and (4): the whole tree through the API and as one raw query, alternately.
      const treeSize = { api: 0, raw: 0 };
      /**
       * The first warm-up read is parsed in full and compared with the raw query's rows; the others
       * are checked by counting their nodes in the text, which allocates next to nothing (parsing
       * several MB after each sample would leave garbage for the next one to collect).
       */
      const treeRead = async (parse: boolean, date = asOf) => {
        const answer = await timed(() => client.send('GET', `${BASE}/${root}/tree?asOf=${date}`));
        if (answer.status !== 200) {
          unexpected(`GET ${root}/tree`, answer);
          return { ms: answer.ms, cpuMs: answer.cpuMs, nodes: undefined };
        }
        const nodes = parse ? flatten(JSON.parse(answer.body) as TreeNode) : undefined;
        const size = nodes ? nodes.size : countNodes(answer.body);
        // Every unit exists from the first day on and none ends: the tree holds them all on any date.
        if (size !== settings.units) problem(`the API tree as of ${date} has ${size} units, expected ${settings.units}`);
        if (date === asOf) treeSize.api = size;
        return { ms: answer.ms, cpuMs: answer.cpuMs, nodes };
      };
      /** Dates after D, each asked once (warm-up included): the process has no tree kept for them. */
      let firstDates = 0;
      const firstTreeRead = () => treeRead(false, addDays(asOf, ++firstDates));
      const rawRead = async () => {
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const rows = await rawTree(db, root, asOf);
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpuBefore);
        treeSize.raw = rows.length;
        return { ms, cpuMs: (used.user + used.system) / 1000, rows };
      };
      progress(
        `${label}: whole-tree reads, API as of D, raw SQL and API as of a new date alternately ` +
          `(${WARMUP.tree} warm-up, ${settings.samples.tree} measured each)`,
      );
      for (let i = 0; i < WARMUP.tree; i++) {
        const api = await treeRead(i === 0);
        const raw = await rawRead();
        if (api.nodes) compareTrees(api.nodes, raw.rows, root).forEach(problem);
        await firstTreeRead();
      }
      const treeTimes: number[] = [];
      const firstTreeTimes: number[] = [];
      const rawTimes: number[] = [];
      for (let i = 0; i < settings.samples.tree; i++) {
        const api = await treeRead(false);
        treeTimes.push(api.ms);
        cpu.treeRead.push(api.cpuMs);
        const raw = await rawRead();
        rawTimes.push(raw.ms);
        cpu.rawTree.push(raw.cpuMs);
        const first = await firstTreeRead();
        firstTreeTimes.push(first.ms);
        cpu.treeReadFirst.push(first.cpuMs);
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
        const answer = await timed(() =>
          client.send('POST', `${BASE}/${encodeURIComponent(code)}/versions`, {
            effectiveDate: date,
            name: `Renamed unit ${inserted}`,
            changeReason: 'benchmark: version insert',
          }),
        );
        if (answer.status !== 201) unexpected(`POST ${code}/versions (${date})`, answer);
        cpu.versionInsert.push(answer.cpuMs);
        return answer.ms;
      };
      progress(`${label}: version inserts (${WARMUP.insert} warm-up, ${settings.samples.insert} measured)`);
      for (let i = 0; i < WARMUP.insert; i++) await insert();
      const insertTimes: number[] = [];
      for (let i = 0; i < settings.samples.insert; i++) insertTimes.push(await insert());

      const latencyMs = {
        unitRead: stats(unitTimes),
        subtreeRead: stats(subtreeTimes),
        treeRead: stats(treeTimes),
        treeReadFirst: stats(firstTreeTimes),
        versionInsert: stats(insertTimes),
        rawTree: stats(rawTimes),
      };
      const mean = (values: number[]) => round2(values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length));
      const cpuMs = {
        unitRead: mean(cpu.unitRead),
        subtreeRead: mean(cpu.subtreeRead),
        treeRead: mean(cpu.treeRead),
        treeReadFirst: mean(cpu.treeReadFirst),
        versionInsert: mean(cpu.versionInsert),
        rawTree: mean(cpu.rawTree),
      };
      const goals: GoalCheck[] = kind === 'postgres' ? checkGoals(latencyMs) : [];
      return {
        backend: kind,
        serverVersion,
        database,
        generation,
        asOf,
        root,
        treeSize,
        subtreeSize: {
          min: Math.min(...sizes),
          mean: round2(sizes.reduce((sum, n) => sum + n, 0) / Math.max(1, sizes.length)),
          max: Math.max(...sizes),
        },
        latencyMs,
        cpuMs,
        treeOverheadRatio: latencyMs.rawTree.p95 > 0 ? round2(latencyMs.treeRead.p95 / latencyMs.rawTree.p95) : 0,
        firstTreeOverheadRatio: latencyMs.rawTree.p95 > 0 ? round2(latencyMs.treeReadFirst.p95 / latencyMs.rawTree.p95) : 0,
        subtreeToUnitRatio: latencyMs.unitRead.p95 > 0 ? round2(latencyMs.subtreeRead.p95 / latencyMs.unitRead.p95) : 0,
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

/** Units in each unit's subtree (itself included), from every unit's parent; `parents` keeps the parents. */
function subtreeSizes(rows: [string, string | null][]): Map<string, number> & { parents: Map<string, string | null> } {
  const parents = new Map(rows);
  const sizes = new Map<string, number>();
  for (const [code] of rows) {
    // Each unit counts in its own subtree and in each of its ancestors' (5 levels: cheap).
    for (let at: string | null | undefined = code, steps = 0; at != null && steps < 128; at = parents.get(at), steps++) {
      sizes.set(at, (sizes.get(at) ?? 0) + 1);
    }
  }
  return Object.assign(sizes, { parents });
}

/** The goals against this run's p95s: fixed limits, and limits relative to a reference measured alongside. */
function checkGoals(latency: Record<MeasureName, LatencyStats>): GoalCheck[] {
  const check = (measure: GoalCheck['measure'], goal: string, limitMs: number): GoalCheck => ({
    measure,
    goal,
    limitMs: round2(limitMs),
    p95: latency[measure].p95,
    status: latency[measure].p95 < limitMs ? 'PASS' : 'FAIL',
  });
  const { unitRead, subtreeRead, treeRead, versionInsert } = GOALS;
  return [
    check('unitRead', `< ${unitRead.ms} ms`, unitRead.ms),
    check('subtreeRead', `≤ ${subtreeRead.timesUnitRead}× one unit`, subtreeRead.timesUnitRead * latency.unitRead.p95),
    check(
      'treeRead',
      `< ${treeRead.ms} ms, ≤ ${treeRead.timesRawTree}× raw SQL`,
      Math.min(treeRead.ms, treeRead.timesRawTree * latency.rawTree.p95),
    ),
    check('versionInsert', `< ${versionInsert.ms} ms`, versionInsert.ms),
  ];
}
