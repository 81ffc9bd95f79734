// `npm run bench`: for each scenario, starts its baseline and candidate servers in child processes,
// then drives them alternately with autocannon from this process (baseline, candidate, baseline,
// candidate, ...) so drift on the machine hits both alike. Prints a table per scenario, writes
// bench/results/latest.json, and exits non-zero when any request failed. The org-units latency
// benchmark (bench/org-units/) runs after them, in this process; then the cameras benchmark
// (bench/cameras/), which starts Vigil and a camera simulator in child processes of its own.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { installChildCleanup, killAllChildren, startServer } from './children.js';
import type { ServerChild } from './children.js';
import { probe, runLoad } from './load.js';
import { compare, formatScenario, summarize, writeResults } from './report.js';
import type { Measurement, ScenarioResult, Settings } from './report.js';
import type { CamerasResult } from './cameras/index.js';
import type { OrgUnitsResult } from './org-units/index.js';
import type { EventsResult } from './events/index.js';
import type { AlertsResult } from './alerts/index.js';
import type { WebResult } from './web/index.js';
import type { StartupResult } from './startup/index.js';
import type { MixedResult } from './api-load/mixed.js';
import type * as MixedModule from './api-load/mixed.js';
import { readMixedSettings } from './api-load/settings.js';
import { scenarios } from './scenarios.js';
import type { Scenario } from './scenarios.js';
import type { RequestSpec } from './targets.js';
import { apiLoadUnits, vigilNodeArgs } from './api-load/settings.js';
import type { PreparedDatabase } from './api-load/database.js';
import { TARGET_ENV } from './api-load/targets.js';
import { describeUrl } from './org-units/settings.js';
import { intSetting } from './settings.js';

const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));
/** The latency benchmark of the org-units API (not a pair of targets: see bench/org-units/). */
const ORG_UNITS = 'org-units';
/** Cameras ingested by one Vigil process (see bench/cameras/). */
const CAMERAS = 'cameras';
/** Detection events ingested over HTTP (see bench/events/). */
const EVENTS = 'events';
/** Alert evaluation and notification (see bench/alerts/). */
const ALERTS = 'alerts';
/** The web console's budgets: initial JavaScript, the camera wall (see bench/web/). */
const WEB = 'web';
/** From the command to the answer: npm start, vigil --help, vigil version (see bench/startup/). */
const STARTUP = 'startup';
/** The highest fixed arrival rate of a read/write mix, Vigil vs. bare Fastify (see bench/api-load/). */
const MIXED_LOAD = 'mixed-load';

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const names = env.BENCH_SCENARIOS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    durationSeconds: intSetting(env, 'BENCH_DURATION', 10),
    warmupSeconds: intSetting(env, 'BENCH_WARMUP', 2, 0),
    connections: intSetting(env, 'BENCH_CONNECTIONS', 50),
    rounds: intSetting(env, 'BENCH_ROUNDS', 2),
    scenarios: names && names.length > 0 ? names : undefined,
  };
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function describe(request: RequestSpec): string {
  const headers = Object.keys(request.headers ?? {});
  return `${request.method} ${request.path}${headers.length > 0 ? ` (headers: ${headers.join(', ')})` : ''}`;
}

function canonicalJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
}

/** A server that answers errors, or a pair that answers different things, would measure nothing. */
async function verify(scenario: Scenario, baseline: ServerChild, candidate: ServerChild): Promise<void> {
  const [a, b] = await Promise.all([probe(baseline.url, baseline.request), probe(candidate.url, candidate.request)]);
  for (const [child, answer] of [
    [baseline, a],
    [candidate, b],
  ] as const) {
    if (answer.status < 200 || answer.status > 299) {
      throw new Error(`${scenario.name}: ${child.target} answered ${answer.status} to ${describe(child.request)}: ${answer.body}`);
    }
  }
  if (scenario.sameBody && canonicalJson(a.body) !== canonicalJson(b.body)) {
    throw new Error(
      `${scenario.name}: the targets answer different bodies: ${baseline.target} ${a.body} vs. ${candidate.target} ${b.body}`,
    );
  }
}

async function measure(child: ServerChild, settings: Settings, round: number): Promise<Measurement> {
  const load = { url: child.url, request: child.request, connections: settings.connections };
  const warmup = settings.warmupSeconds > 0 ? await runLoad({ ...load, durationSeconds: settings.warmupSeconds }) : undefined;
  const cpuBefore = await child.cpuMicros();
  const wallBefore = process.hrtime.bigint();
  const result = await runLoad({ ...load, durationSeconds: settings.durationSeconds });
  const cpuAfter = await child.cpuMicros();
  const wallMicros = Number(process.hrtime.bigint() - wallBefore) / 1000;
  const serverCpu = (cpuAfter - cpuBefore) / wallMicros;
  progress(
    `  round ${round}/${settings.rounds} ${child.target}: ${Math.round(result.requestsPerSecond)} req/s, ` +
      `p50 ${result.latency.percentile(50).toFixed(2)} ms, p99 ${result.latency.percentile(99).toFixed(2)} ms, ` +
      `errors ${result.errors + (warmup?.errors ?? 0)}, non-2xx ${result.non2xx + (warmup?.non2xx ?? 0)}, ` +
      `server CPU ${Math.round(serverCpu * 100)}%, loadgen CPU ${Math.round(result.loadgenCpu * 100)}%`,
  );
  return { round, warmup, load: result, serverCpu };
}

async function runScenario(scenario: Scenario, settings: Settings): Promise<ScenarioResult | undefined> {
  let database: PreparedDatabase | undefined;
  let env: Record<string, string> | undefined;
  if (scenario.database === 'postgres') {
    // Loaded only when needed: it brings Vigil's database layer into this process.
    const { prepareDatabase, readDatabaseSettings } = await import('./api-load/database.js');
    const dbSettings = readDatabaseSettings(process.env, apiLoadUnits(process.env));
    progress(`${scenario.name}: preparing a PostgreSQL database with ${dbSettings.units} units at ${describeUrl(dbSettings.url)}`);
    database = await prepareDatabase(dbSettings);
    if (!database) {
      progress(`${scenario.name}: skipped (no PostgreSQL server answers at ${describeUrl(dbSettings.url)})`);
      return undefined;
    }
    // A department: four levels deep, so the read walks a path of four units.
    const departments = database.codes(4);
    env = {
      [TARGET_ENV.database]: database.url,
      [TARGET_ENV.root]: database.root,
      [TARGET_ENV.unit]: departments[Math.floor(departments.length / 2)] ?? database.root,
    };
  }
  progress(`${scenario.name}: starting ${scenario.baseline} and ${scenario.candidate}`);
  const started: ServerChild[] = [];
  try {
    const baseline = await startServer(scenario.baseline, env);
    started.push(baseline);
    // BENCH_API_PROFILE profiles the Vigil child of a database scenario.
    const candidate = await startServer(scenario.candidate, env, scenario.database ? vigilNodeArgs(process.env) : undefined);
    started.push(candidate);
    await verify(scenario, baseline, candidate);

    const measurements = new Map<ServerChild, Measurement[]>([
      [baseline, []],
      [candidate, []],
    ]);
    for (let round = 1; round <= settings.rounds; round++) {
      for (const child of [baseline, candidate]) measurements.get(child)!.push(await measure(child, settings, round));
    }
    const request =
      describe(baseline.request) === describe(candidate.request)
        ? describe(baseline.request)
        : `${baseline.target}: ${describe(baseline.request)}; ${candidate.target}: ${describe(candidate.request)}`;
    return compare(
      scenario,
      request,
      summarize(baseline.target, measurements.get(baseline)!),
      summarize(candidate.target, measurements.get(candidate)!),
    );
  } finally {
    await Promise.all(started.map((child) => child.stop()));
    await database?.drop();
  }
}

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  const selected = settings.scenarios ? scenarios.filter((s) => settings.scenarios!.includes(s.name)) : scenarios;
  const known = [...scenarios.map((s) => s.name), MIXED_LOAD, ORG_UNITS, CAMERAS, EVENTS, ALERTS, WEB, STARTUP];
  const unknown = (settings.scenarios ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  // Loaded only when selected: it brings Vigil into this process.
  const orgModule = !settings.scenarios || settings.scenarios.includes(ORG_UNITS) ? await import('./org-units/index.js') : undefined;
  const orgSettings = orgModule?.readOrgUnitsSettings(process.env);
  const camerasModule = !settings.scenarios || settings.scenarios.includes(CAMERAS) ? await import('./cameras/index.js') : undefined;
  const camerasSettings = camerasModule?.readCamerasSettings(process.env);
  const eventsModule = !settings.scenarios || settings.scenarios.includes(EVENTS) ? await import('./events/index.js') : undefined;
  const eventsSettings = eventsModule?.readEventsSettings(process.env);
  const alertsModule = !settings.scenarios || settings.scenarios.includes(ALERTS) ? await import('./alerts/index.js') : undefined;
  const alertsSettings = alertsModule?.readAlertsSettings(process.env);
  const webModule = !settings.scenarios || settings.scenarios.includes(WEB) ? await import('./web/index.js') : undefined;
  const webSettings = webModule?.readWebSettings(process.env);
  const startupModule = !settings.scenarios || settings.scenarios.includes(STARTUP) ? await import('./startup/index.js') : undefined;
  const startupSettings = startupModule?.readStartupSettings(process.env);
  const mixedSettings = !settings.scenarios || settings.scenarios.includes(MIXED_LOAD) ? readMixedSettings(process.env) : undefined;
  installChildCleanup();

  const environment = {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    host: '127.0.0.1',
  };
  if (selected.length > 0) {
    progress(
      `Vigil benchmark: ${settings.connections} connections, ${settings.rounds} × ${settings.durationSeconds} s per target ` +
        `(warm-up ${settings.warmupSeconds} s before each), ${environment.cpus} CPUs, node ${environment.node}`,
    );
  }

  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    const result = await runScenario(scenario, settings);
    if (result) results.push(result);
  }
  let mixed: MixedResult | undefined;
  let mixedModule: typeof MixedModule | undefined;
  if (mixedSettings) {
    // Loaded only when selected: it brings Vigil's database layer into this process.
    mixedModule = await import('./api-load/mixed.js');
    progress(
      `${MIXED_LOAD}: ${mixedSettings.units} units, budget ${mixedSettings.budgetSeconds} s, ${environment.cpus} CPUs, node ${environment.node}`,
    );
    mixed = await mixedModule.runMixed(mixedSettings, progress);
  }
  let orgUnits: OrgUnitsResult | undefined;
  if (orgModule && orgSettings) {
    progress(`${ORG_UNITS}: ${orgSettings.units} units, ${environment.cpus} CPUs, node ${environment.node}`);
    orgUnits = await orgModule.runOrgUnits(orgSettings, progress);
  }
  let cameras: CamerasResult | undefined;
  if (camerasModule && camerasSettings) {
    progress(`${CAMERAS}: ramp ${camerasSettings.steps.join(', ')} cameras, ${environment.cpus} CPUs, node ${environment.node}`);
    cameras = await camerasModule.runCameras(camerasSettings, progress);
  }
  let events: EventsResult | undefined;
  if (eventsModule && eventsSettings) {
    progress(`${EVENTS}: ${eventsSettings.events} events per batch size, ${environment.cpus} CPUs, node ${environment.node}`);
    events = await eventsModule.runEvents(eventsSettings, progress);
  }
  let alerts: AlertsResult | undefined;
  if (alertsModule && alertsSettings) {
    progress(`${ALERTS}: ${alertsSettings.rules} rules, ${environment.cpus} CPUs, node ${environment.node}`);
    alerts = await alertsModule.runAlerts(alertsSettings, progress);
  }
  let web: WebResult | undefined;
  if (webModule && webSettings) {
    progress(`${WEB}: ${webSettings.cameras} cameras on the wall, ${environment.cpus} CPUs, node ${environment.node}`);
    web = await webModule.runWeb(webSettings, progress);
  }
  let startup: StartupResult | undefined;
  if (startupModule && startupSettings) {
    progress(`${STARTUP}: ${startupSettings.rounds} rounds, ${environment.cpus} CPUs, node ${environment.node}`);
    startup = await startupModule.runStartup(startupSettings, progress);
  }
  writeResults(RESULTS_FILE, settings, environment, results, {
    ...(web ? { web } : {}),
    ...(startup ? { startup } : {}),
    ...(alerts ? { alerts } : {}),
    ...(orgUnits ? { orgUnits } : {}),
    ...(cameras ? { cameras } : {}),
    ...(events ? { events } : {}),
    ...(mixed ? { mixedLoad: mixed } : {}),
  });

  const out = [''];
  if (results.length > 0) {
    out.push(
      `Vigil benchmark (127.0.0.1, ${settings.connections} connections, ${settings.rounds} × ${settings.durationSeconds} s per target, ` +
        `warm-up ${settings.warmupSeconds} s; req/s = median of rounds, latency over all measured requests, CPU = share of one core)`,
      '',
      ...results.map((r) => `${formatScenario(r)}\n`),
    );
  }
  if (mixedModule && mixed) out.push(mixedModule.formatMixed(mixed));
  if (orgModule && orgUnits) out.push(orgModule.formatOrgUnits(orgUnits));
  if (camerasModule && cameras) out.push(camerasModule.formatCameras(cameras), '');
  if (eventsModule && events) out.push(eventsModule.formatEvents(events), '');
  if (alertsModule && alerts) out.push(alertsModule.formatAlerts(alerts), '');
  if (webModule && web) out.push(webModule.formatWeb(web), '');
  if (startupModule && startup) out.push(startupModule.formatStartup(startup), '');
  out.push(`results: ${RESULTS_FILE}`);
  process.stdout.write(`${out.join('\n')}\n`);

  const failed = [
    ...results.filter((r) => r.problems.length > 0).map((r) => r.name),
    ...(mixed && !mixed.ok ? [MIXED_LOAD] : []),
    ...(orgUnits && !orgUnits.ok ? [ORG_UNITS] : []),
    ...(cameras && !cameras.ok ? [CAMERAS] : []),
    ...(events && !events.ok ? [EVENTS] : []),
    ...(alerts && !alerts.ok ? [ALERTS] : []),
    ...(web && !web.ok ? [WEB] : []),
    ...(startup && !startup.ok ? [STARTUP] : []),
  ];
  if (failed.length > 0) {
    process.stderr.write(`bench: requests failed in ${failed.join(', ')}; these numbers measure nothing\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    killAllChildren();
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
