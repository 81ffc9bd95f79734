import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHealth } from './health.js';

const never = () => new Promise<void>(() => undefined);

describe('health checks', () => {
  afterEach(() => vi.useRealTimers());

  it('is healthy when every check passes, with a message and latency per check', async () => {
    const health = createHealth([{ name: 'db', critical: true, run: () => Promise.resolve('fine') }], 100);
    const report = await health.report();
    expect(report.status).toBe('healthy');
    expect(report.checks).toEqual([{ name: 'db', status: 'healthy', latencyMs: expect.any(Number), message: 'fine' }]);
    expect(report.summary).toEqual({ total: 1, healthy: 1, degraded: 0, failed: 0 });
  });

  it('is degraded, not unhealthy, when only a non-critical check fails', async () => {
    const health = createHealth(
      [
        { name: 'db', critical: true, run: () => Promise.resolve() },
        { name: 'redis', critical: false, run: () => Promise.reject(new Error('connection refused')) },
      ],
      100,
    );
    const report = await health.report();
    expect(report.status).toBe('degraded');
    expect(report.checks[1]).toMatchObject({ name: 'redis', status: 'degraded', message: 'connection refused' });
    expect(report.summary).toEqual({ total: 2, healthy: 1, degraded: 1, failed: 0 });
  });

  it('is unhealthy when a critical check fails', async () => {
    const health = createHealth([{ name: 'db', critical: true, run: () => Promise.reject(new Error('down')) }], 100);
    expect((await health.report()).status).toBe('unhealthy');
  });

  it('times out a hung check on its own, so the report still answers promptly', async () => {
    const health = createHealth(
      [
        { name: 'hung', critical: true, run: never },
        { name: 'quick', critical: false, run: () => Promise.resolve() },
      ],
      50,
    );
    // The check's own timeout decides, on a fake clock: the report is ready once 50 ms have passed,
    // without waiting for the hung check, however slow the machine.
    vi.useFakeTimers();
    let settled = false;
    const reporting = health.report().finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(49);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    const report = await reporting;
    expect(report.checks[0]).toMatchObject({ name: 'hung', status: 'unhealthy', message: 'timed out after 50 ms' });
    expect(report.checks[1]).toMatchObject({ name: 'quick', status: 'healthy' });
  });

  it('can report a subset (readiness uses the critical checks only)', async () => {
    const health = createHealth(
      [
        { name: 'db', critical: true, run: () => Promise.resolve() },
        { name: 'redis', critical: false, run: () => Promise.reject(new Error('x')) },
      ],
      100,
    );
    const report = await health.report((c) => c.critical);
    expect(report.checks.map((c) => c.name)).toEqual(['db']);
    expect(report.status).toBe('healthy');
  });
});
