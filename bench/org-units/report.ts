// The org-units benchmark's printed report.
import { BASE_DATE, VERSIONS_PER_UNIT } from './data.js';
import type { BackendResult, MeasureName, OrgUnitsResult } from './result.js';
import { GOAL_UNITS, ORG_UNITS_SCENARIO } from './settings.js';

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
  { key: 'subtreeRead', label: 'department   GET /organization-units/{dept}/tree?asOf=D' },
  { key: 'treeRead', label: 'whole tree   GET /organization-units/{root}/tree?asOf=D' },
  { key: 'treeReadFirst', label: '  1st read   GET /organization-units/{root}/tree?asOf=D+k (new date)' },
  { key: 'versionInsert', label: 'insert       POST /organization-units/{code}/versions' },
  { key: 'rawTree', label: 'raw SQL      the whole tree, one query' },
];

function formatBackend(result: BackendResult, units: number): string {
  const name = result.backend === 'postgres' ? 'PostgreSQL' : 'PGlite (in memory)';
  const version = result.serverVersion.split(' on ')[0] ?? result.serverVersion;
  const g = result.generation;
  const header = ['measure', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'CPU ms', 'goal p95', 'limit ms', 'status'];
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
      result.cpuMs[key].toFixed(2),
      goal ? goal.goal : '-',
      goal ? goal.limitMs.toFixed(2) : '-',
      goal ? goal.status : '-',
    ];
  });
  const lines = [
    `${name}: ${version}${result.database ? ` (database ${result.database}, dropped)` : ''}`,
    `  data: ${thousands.format(g.units)} units, ${thousands.format(g.versions)} versions (${thousands.format(g.movedUnits)} units change parent), ` +
      `generated in ${(g.insertMs / 1000).toFixed(1)} s + ANALYZE ${(g.analyzeMs / 1000).toFixed(1)} s`,
    `  tree as of ${result.asOf} under ${result.root}: API ${thousands.format(result.treeSize.api)} units, raw SQL ${thousands.format(result.treeSize.raw)} rows ` +
      `(expected ${thousands.format(units)})`,
    `  departments read as subtrees: ${result.subtreeSize.min} to ${result.subtreeSize.max} units as of ${result.asOf} (mean ${result.subtreeSize.mean})`,
    '',
    ...table([header, ...rows], [false, true, true, true, true, true, true, false, true, false]).map((l) => `  ${l}`),
    '',
    `  API tree / raw SQL tree (p95): ${result.treeOverheadRatio.toFixed(2)}× (on a new date: ${result.firstTreeOverheadRatio.toFixed(2)}×); ` +
      `department / one unit (p95): ${result.subtreeToUnitRatio.toFixed(2)}×`,
    '  CPU ms: CPU time of this process (Vigil and the client) per request, mean; PostgreSQL works in its own processes',
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
      `(${s.warmup.unit} unit reads, ${s.warmup.subtree} subtree reads, ${s.warmup.tree} tree reads, ${s.warmup.insert} inserts); ` +
      'latency to the last byte of the body',
    `backends run: ${ran || 'none'}`,
    ...result.skipped.map((skip) => `PostgreSQL: skipped (${skip.reason}): ${skip.detail}`),
    '',
  ];
  for (const backend of result.backends) lines.push(formatBackend(backend, s.units), '');
  return lines.join('\n');
}
