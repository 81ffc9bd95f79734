// Org units over HTTP: timelines, as-of reads, integrity on every date, If-Match, audit and metrics.
// Runs on PGlite, and on real PostgreSQL in the integration pass (where the races are real).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

interface Unit {
  code: string;
  name: string;
  parentCode: string | null;
  status: string;
  effectiveDate: string;
  endDate: string | null;
  revision: number;
  codePath: string[];
  namePath: string[];
  level: number;
  hasScheduledChanges: boolean;
}
interface Tree extends Unit {
  children: Tree[];
}

const BASE = '/api/v1/organization-units';

describe('org units', () => {
  let vigil: TestVigil;
  let clock = new Date('2026-03-01T12:00:00Z');
  let headers: { authorization: string };

  beforeAll(async () => {
    vigil = await startTestVigil({ now: () => clock });
    headers = await vigil.adminAuth();
  });
  afterAll(() => vigil.stop());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, extra: Record<string, string> = {}) =>
    vigil.app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload ? { payload } : {}) });
  const create = async (body: object) => {
    const res = await call('POST', BASE, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Unit>();
  };
  const get = (code: string, asOf?: string) => call('GET', `${BASE}/${code}${asOf ? `?asOf=${asOf}` : ''}`);
  const versions = async (code: string) =>
    (await call('GET', `${BASE}/${code}/versions`)).json<{ items: (Unit & { changeReason: string | null })[] }>().items;
  const spans = async (code: string) => (await versions(code)).map((v) => [v.effectiveDate, v.endDate, v.name, v.parentCode, v.status]);
  const count = async (table: 'org_units' | 'org_unit_versions' | 'audit_events') =>
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(vigil.database.db)).rows[0]!.n;

  beforeAll(async () => {
    await create({ code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION', effectiveDate: '2026-01-01' });
    await create({ code: 'EU', name: 'Europe', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
    await create({ code: 'US', name: 'Americas', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
  });

  it('creates a unit with its first version as a plain object with its place in the tree, generating a 7-digit code', async () => {
    const res = await call('POST', BASE, { name: 'Berlin', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    expect(res.statusCode).toBe(201);
    const unit = res.json<Unit>();
    expect(unit.code).toMatch(/^\d{7}$/);
    expect(res.headers.etag).toBe('"1"');
    expect(unit).toMatchObject({
      name: 'Berlin',
      unitType: 'SITE',
      parentCode: 'EU',
      status: 'ACTIVE',
      effectiveDate: '2026-01-01',
      endDate: null,
      revision: 1,
      codePath: ['ACME', 'EU', unit.code],
      namePath: ['Acme', 'Europe', 'Berlin'],
      level: 3,
      hasScheduledChanges: false,
    });
    // Today (VIGIL_TIMEZONE, here UTC) is the default effective date.
    expect((await create({ code: 'TODAY', name: 'Today', unitType: 'SITE', parentCode: 'EU' })).effectiveDate).toBe('2026-03-01');
  });

  it('keeps the old version in force until a future-dated change starts, then the new one', async () => {
    await create({ code: 'PARIS', name: 'Paris', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    const res = await call('POST', `${BASE}/PARIS/versions`, { effectiveDate: '2026-04-01', name: 'Paris Nord', changeReason: 'rename' });
    expect(res.statusCode).toBe(201);
    expect(res.json<Unit>()).toMatchObject({ name: 'Paris Nord', effectiveDate: '2026-04-01', endDate: null, revision: 2 });
    const now = (await get('PARIS')).json<Unit>();
    expect(now).toMatchObject({ name: 'Paris', endDate: '2026-03-31', hasScheduledChanges: true });
    clock = new Date('2026-04-01T00:30:00Z');
    try {
      expect((await get('PARIS')).json<Unit>()).toMatchObject({ name: 'Paris Nord', hasScheduledChanges: false });
    } finally {
      clock = new Date('2026-03-01T12:00:00Z');
    }
  });

  it('answers as-of reads on the first day, the last day, the day after, and before the unit existed', async () => {
    await create({ code: 'ROME', name: 'Rome', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-02-01' });
    await call('POST', `${BASE}/ROME/versions`, { effectiveDate: '2026-05-01', name: 'Roma' });
    expect((await get('ROME', '2026-02-01')).json<Unit>()).toMatchObject({
      name: 'Rome',
      effectiveDate: '2026-02-01',
      endDate: '2026-04-30',
    });
    expect((await get('ROME', '2026-04-30')).json<Unit>().name).toBe('Rome');
    expect((await get('ROME', '2026-05-01')).json<Unit>().name).toBe('Roma');
    const before = await get('ROME', '2026-01-31');
    expect(before.statusCode).toBe(404);
    expect(before.json()).toMatchObject({ code: 'ORG_UNIT_NOT_FOUND', details: { code: 'ROME', asOf: '2026-01-31' } });
  });

  it('corrects the past: a version changed in place, and a change inserted into the past re-cuts the timeline', async () => {
    await create({ code: 'MADRID', name: 'Madird', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    await call('POST', `${BASE}/MADRID/versions`, { effectiveDate: '2026-06-01', status: 'INACTIVE' });
    const fixed = await call('PUT', `${BASE}/MADRID/versions/2026-01-01`, { name: 'Madrid', changeReason: 'typo' });
    expect(fixed.statusCode).toBe(200);
    expect(await spans('MADRID')).toEqual([
      ['2026-01-01', '2026-05-31', 'Madrid', 'EU', 'ACTIVE'],
      ['2026-06-01', null, 'Madird', 'EU', 'INACTIVE'],
    ]);
    await call('POST', `${BASE}/MADRID/versions`, { effectiveDate: '2026-02-15', parentCode: 'US', changeReason: 'moved back then' });
    expect(await spans('MADRID')).toEqual([
      ['2026-01-01', '2026-02-14', 'Madrid', 'EU', 'ACTIVE'],
      ['2026-02-15', '2026-05-31', 'Madrid', 'US', 'ACTIVE'],
      ['2026-06-01', null, 'Madird', 'EU', 'INACTIVE'],
    ]);
    expect((await get('MADRID', '2026-03-01')).json<Unit>().codePath).toEqual(['ACME', 'US', 'MADRID']);
    const missing = await call('PUT', `${BASE}/MADRID/versions/2026-01-02`, { name: 'x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('VERSION_NOT_FOUND');
  });

  it('heals the timeline when a middle version is removed, and keeps the first while later ones exist', async () => {
    await create({ code: 'LYON', name: 'Lyon 1', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    await call('POST', `${BASE}/LYON/versions`, { effectiveDate: '2026-02-01', name: 'Lyon 2' });
    await call('POST', `${BASE}/LYON/versions`, { effectiveDate: '2026-03-01', name: 'Lyon 3' });
    const res = await call('DELETE', `${BASE}/LYON/versions/2026-02-01`);
    expect(res.statusCode).toBe(200);
    expect(await spans('LYON')).toEqual([
      ['2026-01-01', '2026-02-28', 'Lyon 1', 'EU', 'ACTIVE'],
      ['2026-03-01', null, 'Lyon 3', 'EU', 'ACTIVE'],
    ]);
    expect((await get('LYON', '2026-02-10')).json<Unit>().name).toBe('Lyon 1');
    const first = await call('DELETE', `${BASE}/LYON/versions/2026-01-01`);
    expect(first.statusCode).toBe(409);
    expect(first.json().code).toBe('CANNOT_DELETE_FIRST_VERSION');
    // A unit that was ever a parent cannot go; a leaf's only version can, and the unit with it.
    expect((await call('DELETE', `${BASE}/EU/versions/2026-01-01`)).json().code).toBe('HAS_CHILDREN');
    await create({ code: 'GONE', name: 'Gone', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    expect((await call('DELETE', `${BASE}/GONE/versions/2026-01-01`)).json()).toEqual({ items: [] });
    expect((await get('GONE')).statusCode).toBe(404);
  });

  it('refuses a second version on the same day, and the database refuses overlaps and gaps written by raw SQL', async () => {
    await create({ code: 'OSLO', name: 'Oslo', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    await call('POST', `${BASE}/OSLO/versions`, { effectiveDate: '2026-05-01', name: 'Oslo 2' });
    const same = await call('POST', `${BASE}/OSLO/versions`, { effectiveDate: '2026-05-01', name: 'again' });
    expect(same.statusCode).toBe(409);
    expect(same.json()).toMatchObject({ code: 'TEMPORAL_POINT_CONFLICT', details: { effectiveDate: '2026-05-01' } });
    const db = vigil.database.db;
    await expect(
      sql`insert into org_unit_versions (code, effective_from, effective_to, name, unit_type, parent_code, status)
          values ('OSLO', '2026-03-01', '2026-04-01', 'overlap', 'SITE', 'EU', 'ACTIVE')`.execute(db),
    ).rejects.toMatchObject({ code: '23P01' });
    await expect(
      db
        .transaction()
        .execute((tx) =>
          sql`update org_unit_versions set effective_to = '2026-04-01' where code = 'OSLO' and effective_from = '2026-01-01'`.execute(tx),
        ),
    ).rejects.toThrow(/gap/);
    await expect(
      db
        .transaction()
        .execute((tx) =>
          sql`update org_unit_versions set effective_to = null where code = 'OSLO' and effective_from = '2026-01-01'`.execute(tx),
        ),
    ).rejects.toThrow();
    expect(await spans('OSLO')).toEqual([
      ['2026-01-01', '2026-04-30', 'Oslo', 'EU', 'ACTIVE'],
      ['2026-05-01', null, 'Oslo 2', 'EU', 'ACTIVE'],
    ]);
  });

  it('refuses a move that would make a cycle only in the future, and one whose parent does not exist yet', async () => {
    await create({ code: 'NORTH', name: 'North', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
    await create({ code: 'SOUTH', name: 'South', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
    // NORTH moves under SOUTH in September: fine on its own.
    expect((await call('POST', `${BASE}/NORTH/versions`, { effectiveDate: '2026-09-01', parentCode: 'SOUTH' })).statusCode).toBe(201);
    // SOUTH under NORTH from May: no cycle in May, a cycle from September.
    const res = await call('POST', `${BASE}/SOUTH/versions`, { effectiveDate: '2026-05-01', parentCode: 'NORTH' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'HIERARCHY_CYCLE', details: { date: '2026-09-01', path: ['SOUTH', 'NORTH', 'SOUTH'] } });
    expect(await spans('SOUTH')).toEqual([['2026-01-01', null, 'South', 'ACME', 'ACTIVE']]);

    await create({ code: 'LATE', name: 'Late', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-07-01' });
    const early = await call('POST', BASE, {
      code: 'EARLY',
      name: 'Early',
      unitType: 'SITE',
      parentCode: 'LATE',
      effectiveDate: '2026-06-30',
    });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'PARENT_NOT_VALID_AT_DATE', details: { parentCode: 'LATE', date: '2026-06-30' } });
    expect((await get('EARLY')).statusCode).toBe(404);
  });

  it('suspends a unit with active children only with cascade, which suspends the whole subtree, each audited', async () => {
    await create({ code: 'ASIA', name: 'Asia', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
    await create({ code: 'TOKYO', name: 'Tokyo', unitType: 'SITE', parentCode: 'ASIA', effectiveDate: '2026-01-01' });
    await create({ code: 'TOKYO-OPS', name: 'Ops', unitType: 'DEPARTMENT', parentCode: 'TOKYO', effectiveDate: '2026-01-01' });
    const before = await versions('ASIA');
    const refused = await call('POST', `${BASE}/ASIA/suspend`, { effectiveDate: '2026-04-01', reason: 'closing' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'HAS_ACTIVE_CHILDREN', details: { children: ['TOKYO'] } });
    expect(await versions('ASIA')).toEqual(before);

    const done = await call('POST', `${BASE}/ASIA/suspend`, { effectiveDate: '2026-04-01', reason: 'closing', cascade: true });
    expect(done.statusCode).toBe(200);
    expect(done.json<Unit>()).toMatchObject({ status: 'INACTIVE', effectiveDate: '2026-04-01' });
    for (const code of ['ASIA', 'TOKYO', 'TOKYO-OPS']) {
      expect((await get(code, '2026-03-31')).json<Unit>().status).toBe('ACTIVE');
      expect((await get(code, '2026-04-01')).json<Unit>().status).toBe('INACTIVE');
    }
    const audited = await sql<{ resource_id: string }>`
      select resource_id from audit_events where action = 'org_unit.suspend' order by resource_id`.execute(vigil.database.db);
    expect(audited.rows.map((r) => r.resource_id)).toEqual(['ASIA', 'TOKYO', 'TOKYO-OPS']);

    const back = await call('POST', `${BASE}/TOKYO-OPS/reactivate`, { effectiveDate: '2026-05-01', reason: 'reopened' });
    expect(back.json<Unit>().status).toBe('ACTIVE');
    // A leaf suspends without cascade.
    expect((await call('POST', `${BASE}/TOKYO-OPS/suspend`, { effectiveDate: '2026-06-01', reason: 'again' })).statusCode).toBe(200);
  });

  it('takes If-Match: a stale revision gets 412 and changes nothing', async () => {
    const unit = await create({ code: 'VIENNA', name: 'Vienna', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    const ok = await call(
      'POST',
      `${BASE}/VIENNA/versions`,
      { effectiveDate: '2026-02-01', name: 'Wien' },
      { 'if-match': `"${unit.revision}"` },
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.headers.etag).toBe('"2"');
    const stale = await call('PUT', `${BASE}/VIENNA/versions/2026-01-01`, { name: 'Vienne' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'PRECONDITION_FAILED', details: { expectedRevision: 1, revision: 2 } });
    expect((await get('VIENNA', '2026-01-15')).json<Unit>().name).toBe('Vienna');
    expect((await call('PUT', `${BASE}/VIENNA/versions/2026-01-01`, { name: 'x' }, { 'if-match': 'soon' })).json().code).toBe(
      'INVALID_IF_MATCH',
    );
    expect(
      (await call('POST', `${BASE}/VIENNA/suspend`, { effectiveDate: '2026-03-01', reason: 'r' }, { 'if-match': '"1"' })).statusCode,
    ).toBe(412);
  });

  it('answers bad input with a clear 4xx and stores nothing', async () => {
    const before = await Promise.all([count('org_units'), count('org_unit_versions')]);
    const cases: [string, string, object, number, string][] = [
      ['POST', BASE, { name: 'x', unitType: 'PLANET', effectiveDate: '2026-01-01' }, 400, 'UNKNOWN_UNIT_TYPE'],
      ['POST', BASE, { name: 'x', unitType: 'SITE', effectiveDate: '2026-02-30' }, 400, 'INVALID_DATE'],
      ['POST', BASE, { name: 'x', unitType: 'SITE', effectiveDate: '01/02/2026' }, 400, 'VALIDATION_FAILED'],
      ['POST', BASE, { name: 'x', unitType: 'SITE', colour: 'red' }, 400, 'VALIDATION_FAILED'],
      ['POST', BASE, { code: 'has space', name: 'x', unitType: 'SITE' }, 400, 'VALIDATION_FAILED'],
      ['POST', BASE, { name: '', unitType: 'SITE' }, 400, 'VALIDATION_FAILED'],
      ['POST', BASE, { name: 'x', unitType: 'SITE', attributes: [1, 2] }, 400, 'VALIDATION_FAILED'],
      ['POST', BASE, { code: 'ACME', name: 'x', unitType: 'ORGANIZATION' }, 409, 'ORG_UNIT_EXISTS'],
      ['POST', BASE, { name: 'x', unitType: 'SITE', parentCode: 'NOWHERE', effectiveDate: '2026-01-01' }, 409, 'PARENT_NOT_VALID_AT_DATE'],
      ['POST', `${BASE}/NOWHERE/versions`, { effectiveDate: '2026-01-01', name: 'x' }, 404, 'ORG_UNIT_NOT_FOUND'],
      ['POST', `${BASE}/ACME/versions`, { effectiveDate: '2026-05-01', unitType: 'PLANET' }, 400, 'UNKNOWN_UNIT_TYPE'],
      ['POST', `${BASE}/ACME/versions`, { name: 'no date' }, 400, 'VALIDATION_FAILED'],
      ['PUT', `${BASE}/ACME/versions/2026-01-01`, {}, 400, 'VALIDATION_FAILED'],
      ['POST', `${BASE}/ACME/suspend`, { effectiveDate: '2026-05-01' }, 400, 'VALIDATION_FAILED'],
      ['POST', `${BASE}/ACME/suspend`, { effectiveDate: '2025-05-01', reason: 'before it existed' }, 409, 'ORG_UNIT_NOT_IN_FORCE'],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const res = await call(method as 'POST', url, payload);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`).toBe(status);
      expect(res.json()).toMatchObject({ code, requestId: expect.any(String), timestamp: expect.any(String) });
    }
    for (const url of [
      `${BASE}?asOf=2026-13-01`,
      `${BASE}/ACME/tree?depth=0`,
      `${BASE}/ACME/changes?from=2026-05-01&to=2026-01-01`,
      `${BASE}/ACME/changes`,
    ]) {
      const res = await call('GET', url);
      expect(res.statusCode, url).toBe(400);
    }
    expect(await Promise.all([count('org_units'), count('org_unit_versions')])).toEqual(before);
  });

  it('lists units in force on a date with filters and cursor pagination', async () => {
    const page1 = (await call('GET', `${BASE}?parentCode=EU&limit=3&asOf=2026-02-15`)).json<{ items: Unit[]; nextCursor: string | null }>();
    expect(page1.items).toHaveLength(3);
    expect(page1.items.every((u) => u.parentCode === 'EU')).toBe(true);
    const codes = [...page1.items.map((u) => u.code)];
    let cursor = page1.nextCursor;
    while (cursor) {
      const page = (await call('GET', `${BASE}?parentCode=EU&limit=3&asOf=2026-02-15&cursor=${cursor}`)).json<{
        items: Unit[];
        nextCursor: string | null;
      }>();
      codes.push(...page.items.map((u) => u.code));
      cursor = page.nextCursor;
    }
    expect(codes).toEqual([...codes].sort());
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toContain('VIENNA');
    expect(codes).not.toContain('MADRID'); // under US on 2026-02-15
    const roots = (await call('GET', `${BASE}?roots=true`)).json<{ items: Unit[] }>().items.map((u) => u.code);
    expect(roots).toEqual(['ACME']);
    const text = (await call('GET', `${BASE}?q=wIe`)).json<{ items: Unit[] }>().items.map((u) => u.code);
    expect(text).toEqual(['VIENNA']);
    const inactive = (await call('GET', `${BASE}?status=INACTIVE&asOf=2026-04-15`)).json<{ items: Unit[] }>().items.map((u) => u.code);
    expect(inactive).toEqual(expect.arrayContaining(['ASIA', 'TOKYO', 'TOKYO-OPS']));
    expect((await call('GET', `${BASE}?cursor=%%%`)).statusCode).toBe(400);
  });

  it('reads the subtree as of a date, to a depth', async () => {
    const res = await call('GET', `${BASE}/ACME/tree?asOf=2026-03-01`);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const tree = res.json<Tree>();
    expect(tree.code).toBe('ACME');
    const us = tree.children.find((c) => c.code === 'US')!;
    expect(us.children.map((c) => c.code)).toContain('MADRID');
    expect(us.children.find((c) => c.code === 'MADRID')).toMatchObject({ codePath: ['ACME', 'US', 'MADRID'], level: 3 });
    const shallow = (await call('GET', `${BASE}/ACME/tree?asOf=2026-03-01&depth=2`)).json<Tree>();
    expect(shallow.children.every((c) => c.children.length === 0)).toBe(true);
    expect(shallow.children.length).toBe(tree.children.length);
  });

  it('reports what changed in a period for a unit and its subtree', async () => {
    const res = await call('GET', `${BASE}/ASIA/changes?from=2026-04-01&to=2026-04-30`);
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: { code: string; kind: string; changes: Record<string, { from: unknown; to: unknown }> }[] }>().items;
    expect(items.map((i) => i.code).sort()).toEqual(['ASIA', 'TOKYO', 'TOKYO-OPS']);
    expect(items[0]!.changes).toEqual({ status: { from: 'ACTIVE', to: 'INACTIVE' } });
  });

  it('audits every write and counts it in temporal_operations_total', async () => {
    const actions = await sql<{ action: string; n: number }>`
      select action, count(*)::int as n from audit_events where resource_type = 'org_unit' group by action`.execute(vigil.database.db);
    const byAction = Object.fromEntries(actions.rows.map((r) => [r.action, r.n]));
    for (const action of [
      'org_unit.create',
      'org_unit.version_create',
      'org_unit.version_update',
      'org_unit.version_delete',
      'org_unit.delete',
      'org_unit.suspend',
      'org_unit.reactivate',
    ]) {
      expect(byAction[action], action).toBeGreaterThan(0);
    }
    const metrics = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const operation of ['create', 'insert_version', 'correct_version', 'delete_version', 'suspend', 'reactivate']) {
      expect(metrics).toMatch(new RegExp(`^temporal_operations_total\\{operation="${operation}",status="success"\\} [1-9]`, 'm'));
    }
    expect(metrics).toMatch(/^temporal_operations_total\{operation="insert_version",status="rejected"\} [1-9]/m);
  });

  it('counts every refused write as rejected in temporal_operations_total, whichever layer refuses it', async () => {
    const counts = async () => {
      const { values } = await vigil.metrics.temporalOperations.get();
      return Object.fromEntries(values.map((v) => [`${v.labels.operation}/${v.labels.status}`, v.value]));
    };
    const before = await counts();
    const refusals: [string, () => ReturnType<typeof call>, number][] = [
      ['create', () => call('POST', BASE, { code: 'NEWX', name: 'X', unitType: 'GALAXY' }), 400], // unknown type
      [
        'create',
        () => call('POST', BASE, { code: 'NEWX', name: 'X', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-02-30' }),
        400,
      ],
      ['create', () => call('POST', BASE, { code: 'NEWX', unitType: 'SITE' }), 400], // no name: the schema refuses it
      ['create', () => call('POST', BASE, { code: 'ACME', name: 'Again', unitType: 'ORGANIZATION' }), 409],
      ['create', () => vigil.app.inject({ method: 'POST', url: BASE, payload: { name: 'X', unitType: 'SITE' } }), 401],
      [
        'insert_version',
        () => call('POST', `${BASE}/EU/versions`, { effectiveDate: '2026-06-01', name: 'E' }, { 'if-match': 'soon' }),
        400,
      ],
      [
        'insert_version',
        () => call('POST', `${BASE}/EU/versions`, { effectiveDate: '2026-06-01', name: 'E' }, { 'if-match': '"999"' }),
        412,
      ],
      ['insert_version', () => call('POST', `${BASE}/NOPE/versions`, { effectiveDate: '2026-06-01', name: 'E' }), 404],
      ['insert_version', () => call('POST', `${BASE}/EU/versions`, { effectiveDate: '2026-06-01', unitType: 'GALAXY' }), 400],
      ['correct_version', () => call('PUT', `${BASE}/EU/versions/2026-13-01`, { name: 'E' }), 400],
      ['delete_version', () => call('DELETE', `${BASE}/EU/versions/2030-01-01`), 404],
      ['suspend', () => call('POST', `${BASE}/EU/suspend`, { effectiveDate: '2026-06-01' }), 400], // no reason
      ['reactivate', () => call('POST', `${BASE}/EU/reactivate`, { effectiveDate: 'tomorrow', reason: 'r' }), 400],
    ];
    const expected: Record<string, number> = {};
    for (const [operation, send, status] of refusals) {
      const res = await send();
      expect(res.statusCode, `${operation}: ${res.body}`).toBe(status);
      expected[operation] = (expected[operation] ?? 0) + 1;
    }
    const after = await counts();
    for (const [operation, n] of Object.entries(expected)) {
      expect((after[`${operation}/rejected`] ?? 0) - (before[`${operation}/rejected`] ?? 0), operation).toBe(n);
      expect(after[`${operation}/success`] ?? 0, operation).toBe(before[`${operation}/success`] ?? 0);
      expect(after[`${operation}/error`] ?? 0, operation).toBe(before[`${operation}/error`] ?? 0);
    }
  });

  it('lets only one of two writers with the same revision through (a real race on PostgreSQL)', async () => {
    const unit = await create({ code: 'RACE', name: 'Race', unitType: 'SITE', parentCode: 'EU', effectiveDate: '2026-01-01' });
    const ifMatch = { 'if-match': `"${unit.revision}"` };
    const answers = await Promise.all([
      call('POST', `${BASE}/RACE/versions`, { effectiveDate: '2026-02-01', name: 'A' }, ifMatch),
      call('POST', `${BASE}/RACE/versions`, { effectiveDate: '2026-03-01', name: 'B' }, ifMatch),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 412]);
    expect(await versions('RACE')).toHaveLength(2);
  });

  it('refuses one of two opposite moves made at once, so no cycle is ever stored', async () => {
    await create({ code: 'PING', name: 'Ping', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
    await create({ code: 'PONG', name: 'Pong', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' });
    const answers = await Promise.all([
      call('POST', `${BASE}/PING/versions`, { effectiveDate: '2026-06-01', parentCode: 'PONG' }),
      call('POST', `${BASE}/PONG/versions`, { effectiveDate: '2026-06-01', parentCode: 'PING' }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.statusCode === 409)!.json().code).toBe('HIERARCHY_CYCLE');
  });
});
