import { defineConfig } from 'vitest/config';

// Test tiers (docs/development.md, "Test tiers"). Every test file belongs to exactly one of them;
// `npm run check` runs scripts/check-test-tiers.ts, which fails when a file matches none or two.
//
//  unit     pure code: no database, no Vigil; loopback fixtures (a fake camera, a socket) are fine.
//  db       `*.db.test.ts`: repositories, services and stores on PGlite / in-process kv, and on
//           PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set.
//  api      test/*.test.ts: Vigil built in-process (test/helpers/app.ts) and asked over HTTP.
//  process  spawned processes (bin/vigil.js, ffmpeg, promtool, an RTSP server) and real-time
//           network behaviour (outages through a TCP proxy, graceful shutdown, a 500-camera fleet):
//           real timing, so generous timeouts sized for a slow, shared 2-core CI machine.
//  browser  test/browser/*.test.ts: Debian's chromium, driven by playwright-core, against a spawned
//           `vigil serve` (test/helpers/browser.ts); generous timeouts too.

/** The process tier is named file by file: a new test that spawns processes is added here. */
export const processTests = [
  'test/process.test.ts',
  'test/shutdown.test.ts',
  'test/camera-auto-start.test.ts',
  'test/camera-leases.test.ts',
  'test/camera-rtsp.test.ts',
  'test/camera-mjpeg-ffmpeg.test.ts',
  'test/camera-fleet.test.ts',
  'test/metrics-promtool.test.ts',
  'test/database-outage.test.ts',
  'test/redis-outage.test.ts',
  'test/alerts-process.test.ts',
  'test/alerts-channels.test.ts',
  'test/cli-lazy.test.ts',
  'test/npm-start.test.ts',
  'test/org-tree-cache.test.ts',
  'test/agents-process.test.ts',
];

const dbTests = ['src/**/*.db.test.ts', 'test/**/*.db.test.ts'];
const browserTests = ['test/browser/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Outbound traffic in tests goes to loopback only; fixtures are real servers on 127.0.0.1.
    env: { VIGIL_TEST: '1' },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: dbTests,
          // Short: a unit test that needs longer says so itself (a heavy fixture), or is not one.
          testTimeout: 15_000,
          hookTimeout: 15_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'db',
          include: dbTests,
          // PGlite boots per database (a few seconds each on a loaded machine, more for the CLI's).
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'api',
          include: ['test/**/*.test.ts'],
          exclude: [...dbTests, ...processTests, ...browserTests],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'process',
          include: processTests,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: browserTests,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
