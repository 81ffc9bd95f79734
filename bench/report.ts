// Turns measurements into the printed table and bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LatencyHistogram } from './histogram.js';
import type { LoadResult } from './load.js';
import type { Goal, Scenario } from './scenarios.js';
import type { TargetName } from './targets.js';

export interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  rounds: number;
  scenarios: string[] | undefined;
}

export interface Measurement {
  round: number;
  warmup: LoadResult | undefined;
  load: LoadResult;
  /** CPU the server used during the measured run, as a share of one core. */
  serverCpu: number;
}

export interface TargetSummary {
  target: TargetName;
  /** Median over rounds. */
  requestsPerSecond: number;
  /** Over every measured response of every round. */
  latencyMs: { p50: number; p99: number };
  /** Over warm-ups and measured runs: any of these means the run measured failures. */
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  serverCpu: number;
  loadgenCpu: number;
  rounds: {
    round: number;
    requests: number;
    durationSeconds: number;
    requestsPerSecond: number;
    latencyMs: { p50: number; p99: number };
    errors: number;
    non2xx: number;
    serverCpu: number;
    loadgenCpu: number;
    warmup: { requests: number; errors: number; non2xx: number } | undefined;
  }[];
}

export interface ScenarioResult {
  name: string;
  description: string;
  request: string;
  goal: Goal;
  baseline: TargetSummary;
  candidate: TargetSummary;
  /** candidate / baseline requests/s. */
  ratio: number;
  /** INVALID when requests failed: the ratio then compares failures, not the stacks. */
  status: 'PASS' | 'BELOW GOAL' | 'INVALID';
  /** Errors or non-2xx answers: a run with any of these measured nothing useful. */
  problems: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function summarize(target: TargetName, measurements: Measurement[]): TargetSummary {
  const latency = new LatencyHistogram();
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let non2xx = 0;
  for (const m of measurements) {
    latency.add(m.load.latency);
    for (const run of [m.warmup, m.load]) {
      if (!run) continue;
      errors += run.errors;
      non2xx += run.non2xx;
      for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
  }
  return {
    target,
    requestsPerSecond: round2(median(measurements.map((m) => m.load.requestsPerSecond))),
    latencyMs: { p50: round2(latency.percentile(50)), p99: round2(latency.percentile(99)) },
    errors,
    non2xx,
    statusCodes,
    serverCpu: round2(mean(measurements.map((m) => m.serverCpu))),
    loadgenCpu: round2(mean(measurements.map((m) => m.load.loadgenCpu))),
    rounds: measurements.map((m) => ({
      round: m.round,
      requests: m.load.requests,
      durationSeconds: m.load.durationSeconds,
      requestsPerSecond: round2(m.load.requestsPerSecond),
      latencyMs: { p50: round2(m.load.latency.percentile(50)), p99: round2(m.load.latency.percentile(99)) },
      errors: m.load.errors,
      non2xx: m.load.non2xx,
      serverCpu: round2(m.serverCpu),
      loadgenCpu: round2(m.load.loadgenCpu),
      warmup: m.warmup ? { requests: m.warmup.requests, errors: m.warmup.errors, non2xx: m.warmup.non2xx } : undefined,
    })),
  };
}

export function compare(scenario: Scenario, request: string, baseline: TargetSummary, candidate: TargetSummary): ScenarioResult {
  const ratio = baseline.requestsPerSecond > 0 ? candidate.requestsPerSecond / baseline.requestsPerSecond : 0;
  const problems = [baseline, candidate]
    .filter((t) => t.errors > 0 || t.non2xx > 0)
    .map((t) => `${t.target}: ${t.errors} errors, ${t.non2xx} non-2xx (status codes ${JSON.stringify(t.statusCodes)})`);
  return {
    name: scenario.name,
    description: scenario.description,
    request,
    goal: scenario.goal,
    baseline,
    candidate,
    ratio: Math.round(ratio * 10_000) / 10_000,
    status: problems.length > 0 ? 'INVALID' : ratio >= scenario.goal.minRatio ? 'PASS' : 'BELOW GOAL',
    problems,
  };
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = (share: number) => `${Math.round(share * 100)}%`;

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd(),
  );
}

export function formatScenario(result: ScenarioResult): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'server CPU', 'loadgen CPU'];
  const row = (t: TargetSummary) => [
    t.target,
    number.format(t.requestsPerSecond),
    t.latencyMs.p50.toFixed(2),
    t.latencyMs.p99.toFixed(2),
    String(t.errors),
    String(t.non2xx),
    percent(t.serverCpu),
    percent(t.loadgenCpu),
  ];
  const lines = [
    `${result.name}: ${result.description}`,
    `request: ${result.request}`,
    '',
    ...table([header, row(result.baseline), row(result.candidate)], [false, true, true, true, true, true, true, true]).map((l) => `  ${l}`),
    '',
    `  ${result.candidate.target} / ${result.baseline.target}: ${(result.ratio * 100).toFixed(1)}% of requests/s` +
      `   goal ${result.goal.description}   ${result.status}`,
  ];
  // CPU shares are of one core; a load generator near 100% may have capped the baseline's rate.
  if (result.baseline.loadgenCpu >= 0.9) {
    lines.push(
      `  note: the load generator used ${percent(result.baseline.loadgenCpu)} of a core against ${result.baseline.target};` +
        ' it may have limited that rate, which would make the ratio look better than it is.',
    );
  }
  for (const problem of result.problems) lines.push(`  FAILED: ${problem}`);
  return lines.join('\n');
}

/** Results outside the throughput scenarios (the org-units and cameras benchmarks), added under their own keys. */
export interface ExtraResults {
  mixedLoad?: { ok: boolean };
  orgUnits?: { ok: boolean };
  cameras?: { ok: boolean };
  events?: { ok: boolean };
  alerts?: { ok: boolean };
  web?: { ok: boolean };
  startup?: { ok: boolean };
}

export function writeResults(
  file: string,
  settings: Settings,
  environment: Record<string, unknown>,
  results: ScenarioResult[],
  extra: ExtraResults = {},
): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const ok =
    results.every((r) => r.problems.length === 0) &&
    (extra.mixedLoad?.ok ?? true) &&
    (extra.orgUnits?.ok ?? true) &&
    (extra.cameras?.ok ?? true) &&
    (extra.events?.ok ?? true) &&
    (extra.alerts?.ok ?? true) &&
    (extra.web?.ok ?? true) &&
    (extra.startup?.ok ?? true);
  const document = {
    generatedAt: new Date().toISOString(),
    environment,
    settings,
    ok,
    scenarios: results,
    ...(extra.mixedLoad ? { mixedLoad: extra.mixedLoad } : {}),
    ...(extra.orgUnits ? { orgUnits: extra.orgUnits } : {}),
    ...(extra.cameras ? { cameras: extra.cameras } : {}),
    ...(extra.events ? { events: extra.events } : {}),
    ...(extra.alerts ? { alerts: extra.alerts } : {}),
    ...(extra.startup ? { startup: extra.startup } : {}),
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
}
