// Child process entry of the cameras benchmark (bench/cameras/): argv[2] is the role.
//
// - `vigil`: Vigil as `vigil serve` runs it (startVigil: real HTTP server on 127.0.0.1, HTTP and
//   default process metrics, its real logger writing to /dev/null), PGlite in memory. Settings come
//   from the environment the parent gives: BENCH_CAMERAS_DATA_DIR (made and removed by the parent),
//   BENCH_CAMERAS_CONNECT_RATE, BENCH_CAMERAS_ADMIN_EMAIL / _PASSWORD, and BENCH_CAMERAS_BACKOFF_MAX_MS
//   (the recovery baseline's former backoff cap).
// - `ingest`: the camera supervisor alone (src/modules/cameras/runtime/supervisor.ts with the attempt
//   gate and source guard, Vigil's default camera settings), no database, no HTTP server: what one
//   camera costs to ingest. BENCH_CAMERAS_INGEST_ROOT is the checkout its code is loaded from (this
//   one by default; another one measures a baseline in the same run).
// - `simulator`: startCameraSimulator with BENCH_CAMERAS_SIM_COUNT cameras at 5 fps, 320×240; its
//   counters (summed) and a sampler of its connection attempts are answered over IPC, since the
//   simulator has no HTTP stats route.
//
// Both report their own CPU time, RSS and event-loop delay over IPC, so each process is measured
// without the others, and exit when the parent's IPC channel closes (the parent died) or on
// SIGTERM/SIGINT, after closing what they started.
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CameraChildMessage, CameraChildRequest, DatabaseSizes, SimulatorTotals } from './protocol.js';
import type * as ConfigModule from '../../src/config.js';
import type * as GateModule from '../../src/modules/cameras/runtime/attempt-gate.js';
import type * as SupervisorModule from '../../src/modules/cameras/runtime/supervisor.js';
import type * as GuardModule from '../../src/modules/cameras/source-guard.js';

const LOOPBACK = '127.0.0.1';

function send(message: CameraChildMessage): void {
  process.send?.(message);
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (the cameras benchmark sets it)`);
  return value;
}

interface Started {
  url: string;
  close(): Promise<void>;
  stats?: () => SimulatorTotals;
  databaseSizes?: () => Promise<DatabaseSizes>;
  ingest?: (simUrl: string, cameras: number, timeoutMs: number) => Promise<number>;
  frames?: () => { frames: number; running: number; stalls: number };
}

async function startVigilChild(): Promise<Started> {
  // Imported here so the simulator's process never loads Vigil.
  const [{ default: pino }, { sql }, { loadConfig }, { startVigil }, { createLogger }] = await Promise.all([
    import('pino'),
    import('kysely'),
    import('../../src/config.js'),
    import('../../src/main.js'),
    import('../../src/platform/log.js'),
  ]);
  const dataDir = requiredEnv('BENCH_CAMERAS_DATA_DIR');
  const { config } = loadConfig({
    HOST: LOOPBACK,
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    VIGIL_SHUTDOWN_GRACE_MS: '1000',
    VIGIL_ADMIN_EMAIL: requiredEnv('BENCH_CAMERAS_ADMIN_EMAIL'),
    VIGIL_ADMIN_PASSWORD: requiredEnv('BENCH_CAMERAS_ADMIN_PASSWORD'),
    // The limiter still runs on every request; the ceiling is just out of reach.
    VIGIL_RATE_LIMIT_MAX: '10000000',
    // One token for the whole run.
    VIGIL_ACCESS_TOKEN_TTL_S: '86400',
    VIGIL_CAMERA_CONNECT_RATE: requiredEnv('BENCH_CAMERAS_CONNECT_RATE'),
    ...(process.env.BENCH_CAMERAS_BACKOFF_MAX_MS ? { VIGIL_CAMERA_BACKOFF_MAX_MS: process.env.BENCH_CAMERAS_BACKOFF_MAX_MS } : {}),
  });
  // Vigil's real logger and formatters, writing to /dev/null: every line is still built and written.
  const log = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const running = await startVigil(config, { log, pgliteDataDir: 'memory://' });
  return {
    url: running.url,
    async databaseSizes() {
      const { rows } = await sql<Record<keyof DatabaseSizes, string>>`
        select pg_database_size(current_database()) as database,
               pg_total_relation_size('cameras') as cameras,
               pg_total_relation_size('camera_runtime') as camera_runtime,
               pg_total_relation_size('camera_leases') as camera_leases,
               pg_total_relation_size('camera_events') as camera_events,
               pg_total_relation_size('audit_events') as audit_events`.execute(running.database.db);
      const row = rows[0]!;
      return {
        database: Number(row.database),
        cameras: Number(row.cameras),
        camera_runtime: Number(row.camera_runtime),
        camera_leases: Number(row.camera_leases),
        camera_events: Number(row.camera_events),
        audit_events: Number(row.audit_events),
      };
    },
    async close() {
      await running.shutdown('benchmark finished');
      // The parent removes it too; this covers a parent that was killed outright.
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startIngestChild(): Promise<Started> {
  const root = process.env.BENCH_CAMERAS_INGEST_ROOT || new URL('../..', import.meta.url).pathname;
  const from = (file: string) => import(new URL(file, `file://${root.replace(/\/?$/, '/')}`).href);
  const [{ loadConfig }, { createAttemptGate }, { createSupervisor }, { createSourceGuard }, { default: pino }] = await Promise.all([
    from('src/config.ts') as Promise<typeof ConfigModule>,
    from('src/modules/cameras/runtime/attempt-gate.ts') as Promise<typeof GateModule>,
    from('src/modules/cameras/runtime/supervisor.ts') as Promise<typeof SupervisorModule>,
    from('src/modules/cameras/source-guard.ts') as Promise<typeof GuardModule>,
    import('pino'),
  ]);
  // Vigil's camera settings as configured by default (with the connection cap of the ramp).
  const { config } = loadConfig({ VIGIL_CAMERA_CONNECT_RATE: '200' });
  const c = config.cameras as typeof config.cameras & { backoffErrorMaxMs?: number };
  const gate = createAttemptGate({ perSecond: c.connectRate });
  let frames = 0;
  let stalls = 0;
  const supervisor = createSupervisor({
    log: pino({ level: 'silent' }),
    gate,
    guard: createSourceGuard(),
    settings: {
      stallTimeoutMs: c.stallTimeoutMs,
      backoff: { baseMs: c.backoffBaseMs, maxMs: c.backoffMaxMs, ...(c.backoffErrorMaxMs ? { errorMaxMs: c.backoffErrorMaxMs } : {}) },
      connectTimeoutMs: c.connectTimeoutMs,
      fpsWindowMs: 5_000,
      maxFrameBytes: 8 * 1024 * 1024,
      ffmpegPath: c.ffmpegPath,
    },
    hooks: {
      onState: () => undefined,
      onFrame: () => {
        frames += 1;
      },
      onBytes: () => undefined,
      onStall: () => {
        stalls += 1;
      },
      onReconnect: () => undefined,
    },
  });
  const running = () => supervisor.countByState().running;
  return {
    url: '',
    async ingest(simUrl, cameras, timeoutMs) {
      for (let n = supervisor.size() + 1; n <= cameras; n++) {
        await supervisor.start({
          id: `cam-${n}`,
          sourceUrl: `${simUrl}/cameras/${n}/stream.mjpg`,
          sourceType: 'mjpeg',
          expectedFps: 5,
          credentials: null,
        });
      }
      const deadline = performance.now() + timeoutMs;
      while (running() < cameras && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      return running();
    },
    frames: () => ({ frames, running: running(), stalls }),
    async close() {
      await supervisor.stopAll();
      gate.close();
    },
  };
}

async function startSimulatorChild(): Promise<Started> {
  const { startCameraSimulator } = await import('../../src/tools/camera-sim/simulator.js');
  const count = Number(requiredEnv('BENCH_CAMERAS_SIM_COUNT'));
  const simulator = await startCameraSimulator({ count, fps: 5, width: 320, height: 240, host: LOOPBACK, port: 0 });
  return {
    url: simulator.url,
    close: () => simulator.close(),
    stats() {
      const { attempts, refused, framesSent, framesSkipped, openStreams, connections } = simulator.stats();
      return { attempts, refused, framesSent, framesSkipped, openStreams, connections };
    },
  };
}

async function main(): Promise<void> {
  const role = process.argv[2] ?? '';
  if (role !== 'vigil' && role !== 'simulator' && role !== 'ingest')
    throw new Error(`unknown role "${role}"; known: vigil, simulator, ingest`);
  if (process.send === undefined) throw new Error('bench/cameras/child.ts runs under bench/cameras/children.ts (it needs an IPC channel)');

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = role === 'vigil' ? await startVigilChild() : role === 'ingest' ? await startIngestChild() : await startSimulatorChild();

  let sampler: NodeJS.Timeout | undefined;
  let samples: [number, number][] = [];
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sampler);
    // Something that hangs while closing must not keep the process alive.
    setTimeout(() => process.exit(code), 10_000).unref();
    void started.close().finally(() => process.exit(code));
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  // The parent died or closed the channel (maybe while we were starting): nobody would stop us.
  if (!process.connected) return stop(1);
  process.once('disconnect', () => stop(1));

  process.on('message', (message: CameraChildRequest) => {
    switch (message.type) {
      case 'usage': {
        const cpu = process.cpuUsage();
        const ms = (ns: number) => Math.round(ns / 10_000) / 100;
        const loopDelayMs = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
        if (message.resetLoopDelay) loop.reset();
        const gc = message.gc ? (globalThis as { gc?: () => void }).gc : undefined;
        gc?.();
        const memory = process.memoryUsage();
        send({
          type: 'usage',
          id: message.id,
          usage: {
            cpuMicros: cpu.user + cpu.system,
            rssBytes: memory.rss,
            heapUsedBytes: memory.heapUsed,
            externalBytes: memory.external,
            afterGc: gc !== undefined,
            loopDelayMs,
          },
        });
        return;
      }
      case 'stats':
        if (started.stats) send({ type: 'stats', id: message.id, stats: started.stats() });
        return;
      case 'sample': {
        const stats = started.stats;
        if (!stats) return;
        clearInterval(sampler);
        samples = [[performance.now(), stats().attempts]];
        sampler = setInterval(() => samples.push([performance.now(), stats().attempts]), message.intervalMs);
        send({ type: 'sampling', id: message.id });
        return;
      }
      case 'db':
        started.databaseSizes?.().then(
          (sizes) => send({ type: 'db', id: message.id, sizes }),
          (error: unknown) => process.stderr.write(`bench cameras child: database sizes: ${String(error)}\n`),
        );
        return;
      case 'ingest':
        started.ingest?.(message.simUrl, message.cameras, message.timeoutMs).then(
          (running) => send({ type: 'ingest', id: message.id, running }),
          (error: unknown) => process.stderr.write(`bench cameras child: ingest: ${String(error)}\n`),
        );
        return;
      case 'frames':
        if (started.frames) send({ type: 'frames', id: message.id, ...started.frames() });
        return;
      case 'samples':
        clearInterval(sampler);
        sampler = undefined;
        if (started.stats) samples.push([performance.now(), started.stats().attempts]);
        send({ type: 'samples', id: message.id, samples });
        samples = [];
        return;
    }
  });
  send({ type: 'ready', url: started.url });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'failed', message });
  process.stderr.write(`bench cameras child: ${message}\n`);
  process.exitCode = 1;
  if (process.connected) process.disconnect();
});
