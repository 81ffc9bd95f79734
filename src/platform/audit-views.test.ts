import type { Kysely } from 'kysely';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Actor, AuditEvent } from './audit.js';
import { createViewAudit } from './audit-views.js';
import type { View } from './audit-views.js';
import type { Schema } from './db/schema.js';
import { createMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';

const WINDOW_MS = 600_000;
const alice: Actor = { type: 'user', id: 'u-alice', requestId: 'r-1', ip: '10.0.0.1' };
const bob: Actor = { type: 'user', id: 'u-bob' };
const robot: Actor = { type: 'api_key', id: 'u-alice' }; // same id as a user, another principal
const camera = (id: string, after?: Record<string, unknown>): View => ({
  resourceType: 'camera',
  resourceId: id,
  orgUnitCode: 'S1',
  ...(after ? { after } : {}),
});

async function outcomes(metrics: Metrics): Promise<Record<string, number>> {
  const values = (await metrics.registry.getSingleMetric('audit_views_total')!.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

/** The view recorder over a fake audit that keeps each statement's events, and a clock the test moves. */
function setup(options: { windowMs?: number; maxEntries?: number; fail?: () => boolean } = {}) {
  let clock = Date.parse('2026-03-01T08:00:00Z');
  const statements: AuditEvent[][] = [];
  const logged: Record<string, unknown>[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const views = createViewAudit({
    db: {} as Kysely<Schema>, // the fake audit below never touches it
    audit: {
      writeMany: (_db, events) => {
        if (options.fail?.() === true) return Promise.reject(new Error('database unreachable'));
        statements.push([...events]);
        return Promise.resolve();
      },
    },
    metrics,
    log: pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) }),
    windowMs: options.windowMs ?? WINDOW_MS,
    now: () => new Date(clock),
    ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
  });
  return {
    views,
    metrics,
    statements,
    logged,
    rows: () => statements.flat(),
    advance: (ms: number) => (clock += ms),
  };
}

describe('views in the audit trail', () => {
  it('records a view once per viewer, resource and action within the window, and again after it', async () => {
    const t = setup();
    for (let i = 0; i < 100; i++) t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.rows()).toEqual([
      {
        actorType: 'user',
        actorId: 'u-alice',
        requestId: 'r-1',
        ip: '10.0.0.1',
        action: 'camera.view_status',
        resourceType: 'camera',
        resourceId: 'c1',
        orgUnitCode: 'S1',
        after: null,
        result: 'success',
      },
    ]);
    t.views.viewed(bob, 'camera.view_status', [camera('c1')]);
    t.views.viewed(robot, 'camera.view_status', [camera('c1')]);
    t.views.viewed(alice, 'camera.view_snapshot', [camera('c1', { bytes: 10 })]);
    t.views.viewed(alice, 'camera.view_status', [camera('c2')]);
    await t.views.flush();
    expect(t.rows()).toHaveLength(5);

    t.advance(WINDOW_MS - 1);
    t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.rows()).toHaveLength(5);
    t.advance(1);
    t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.rows()).toHaveLength(6);
    expect(await outcomes(t.metrics)).toEqual({ recorded: 6, deduplicated: 100, failed: 0 });
  });

  it('writes the views of one turn in one statement, leaving out those already recorded', async () => {
    const t = setup();
    t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    t.views.viewed(alice, 'camera.view_status', [camera('c1'), camera('c2'), camera('c3')]);
    t.views.viewed(bob, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.statements.map((s) => s.map((e) => `${e.actorId}:${e.resourceId}`))).toEqual([
      ['u-alice:c1'],
      ['u-alice:c2', 'u-alice:c3', 'u-bob:c1'],
    ]);
    t.views.viewed(alice, 'camera.view_status', [camera('c1'), camera('c2'), camera('c3')]);
    await t.views.flush();
    expect(t.statements).toHaveLength(2);
  });

  it('writes after the caller has its answer, never during the call', async () => {
    const t = setup();
    t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    expect(t.statements).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    await t.views.flush();
    expect(t.statements).toHaveLength(1);
  });

  it('records every view with a window of 0', async () => {
    const t = setup({ windowMs: 0 });
    for (let i = 0; i < 3; i++) t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.rows()).toHaveLength(3);
    expect(t.views.size()).toBe(0);
  });

  it('stays bounded: a full memory forgets its oldest view, which is then recorded again', async () => {
    const t = setup({ maxEntries: 3 });
    for (const id of ['c1', 'c2', 'c3', 'c4']) t.views.viewed(alice, 'camera.view_status', [camera(id)]);
    expect(t.views.size()).toBe(3);
    t.views.viewed(alice, 'camera.view_status', [camera('c4'), camera('c3'), camera('c2')]);
    t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.rows().map((e) => e.resourceId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c1']);
    expect(t.views.size()).toBe(3);
  });

  it('forgets expired views as time passes', () => {
    const t = setup();
    for (const id of ['c1', 'c2', 'c3']) t.views.viewed(alice, 'camera.view_status', [camera(id)]);
    t.advance(WINDOW_MS);
    t.views.viewed(bob, 'camera.view_status', [camera('c9')]);
    expect(t.views.size()).toBe(1);
  });

  it('logs and counts a write that fails, and records the next view again', async () => {
    let failing = true;
    const t = setup({ fail: () => failing });
    t.views.viewed(alice, 'camera.view_status', [camera('c1'), camera('c2')]);
    await t.views.flush();
    expect(t.rows()).toHaveLength(0);
    expect(await outcomes(t.metrics)).toEqual({ recorded: 0, deduplicated: 0, failed: 2 });
    expect(t.logged).toEqual([
      expect.objectContaining({ level: 50, msg: 'could not record views in the audit trail', views: 2, actions: ['camera.view_status'] }),
    ]);
    failing = false;
    t.views.viewed(alice, 'camera.view_status', [camera('c1')]);
    await t.views.flush();
    expect(t.rows().map((e) => e.resourceId)).toEqual(['c1']);
    expect(await outcomes(t.metrics)).toEqual({ recorded: 1, deduplicated: 0, failed: 2 });
  });
});
