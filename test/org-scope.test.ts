// Grants on a unit cover its subtree, answered from today's tree: a grant on a region covers its
// sites and stops covering a site from the day it moves out. Resources outside the caller's units
// are invisible (404); writes outside them are refused.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { realDatabaseUrl, realRedisUrl } from './helpers/databases.js';
import { pollUntil } from './helpers/poll.js';

const BASE = '/api/v1/organization-units';

async function addUser(vigil: TestVigil, email: string, role: string, unit: string | null) {
  const db = vigil.database.db;
  await sql`insert into users (id, email, display_name, password_hash)
            select gen_random_uuid(), ${email}, ${email}, password_hash from users where email = ${TEST_ADMIN.email}`.execute(db);
  await sql`insert into role_grants (id, user_id, role, org_unit_code)
            select gen_random_uuid(), id, ${role}, ${unit} from users where email = ${email}`.execute(db);
  const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_ADMIN.password } });
  return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
}

describe('scope of grants over the org tree', () => {
  let vigil: TestVigil;
  let clock = new Date('2026-03-01T09:00:00Z');
  let admin: { authorization: string };
  let operator: { authorization: string };
  let unitAdmin: { authorization: string };

  const as = (headers: Record<string, string>, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    vigil.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    vigil = await startTestVigil({ now: () => clock });
    admin = await vigil.adminAuth();
    const units = [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'R1', name: 'Region 1', unitType: 'REGION', parentCode: 'ACME' },
      { code: 'R2', name: 'Region 2', unitType: 'REGION', parentCode: 'ACME' },
      { code: 'S1', name: 'Site 1', unitType: 'SITE', parentCode: 'R1' },
      { code: 'S2', name: 'Site 2', unitType: 'SITE', parentCode: 'R2' },
    ];
    for (const unit of units) expect((await as(admin, 'POST', BASE, { ...unit, effectiveDate: '2026-01-01' })).statusCode).toBe(201);
    // S1 leaves Region 1 for Region 2 on 1 June.
    expect((await as(admin, 'POST', `${BASE}/S1/versions`, { effectiveDate: '2026-06-01', parentCode: 'R2' })).statusCode).toBe(201);
    operator = await addUser(vigil, 'op-r1@example.com', 'operator', 'R1');
    unitAdmin = await addUser(vigil, 'admin-r1@example.com', 'admin', 'R1');
  });
  afterAll(() => vigil.stop());

  it('lets an operator granted on a region see its sites and nothing outside it (404, lists filtered)', async () => {
    expect((await as(operator, 'GET', `${BASE}/S1`)).statusCode).toBe(200);
    expect((await as(operator, 'GET', `${BASE}/R1/tree`)).json<{ children: { code: string }[] }>().children.map((c) => c.code)).toEqual([
      'S1',
    ]);
    for (const url of [
      `${BASE}/S2`,
      `${BASE}/R2`,
      `${BASE}/ACME`,
      `${BASE}/S2/versions`,
      `${BASE}/ACME/tree`,
      `${BASE}/S2/changes?from=2026-01-01&to=2026-12-31`,
    ]) {
      const res = await as(operator, 'GET', url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('ORG_UNIT_NOT_FOUND');
    }
    const listed = (await as(operator, 'GET', BASE)).json<{ items: { code: string }[] }>().items.map((u) => u.code);
    expect(listed).toEqual(['R1', 'S1']);
  });

  it('keeps an operator granted on unit A from changing anything (A or B), and a unit admin from changing B', async () => {
    for (const code of ['S1', 'S2']) {
      const res = await as(operator, 'POST', `${BASE}/${code}/versions`, { effectiveDate: '2026-04-01', name: 'x' });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'org:write' } });
    }
    expect((await as(unitAdmin, 'POST', `${BASE}/S1/versions`, { effectiveDate: '2026-04-01', name: 'Site 1 renamed' })).statusCode).toBe(
      201,
    );
    const other = await as(unitAdmin, 'POST', `${BASE}/S2/versions`, { effectiveDate: '2026-04-01', name: 'mine now' });
    expect(other.statusCode).toBe(404);
    expect((await as(unitAdmin, 'PUT', `${BASE}/S2/versions/2026-01-01`, { name: 'mine now' })).statusCode).toBe(404);
    expect((await as(unitAdmin, 'POST', `${BASE}/S2/suspend`, { effectiveDate: '2026-04-01', reason: 'x' })).statusCode).toBe(404);
    // Creating under another region, creating a root, or moving a unit out of one's units is refused.
    expect((await as(unitAdmin, 'POST', BASE, { code: 'S3', name: 'x', unitType: 'SITE', parentCode: 'R2' })).statusCode).toBe(403);
    expect((await as(unitAdmin, 'POST', BASE, { code: 'ROOT2', name: 'x', unitType: 'ORGANIZATION' })).statusCode).toBe(403);
    expect((await as(unitAdmin, 'POST', `${BASE}/S1/versions`, { effectiveDate: '2026-05-01', parentCode: 'R2' })).statusCode).toBe(403);
    expect((await as(unitAdmin, 'POST', BASE, { code: 'S4', name: 'Site 4', unitType: 'SITE', parentCode: 'R1' })).statusCode).toBe(201);
    expect((await as(admin, 'GET', `${BASE}/S2`)).json()).toMatchObject({ name: 'Site 2' });
  });

  it('shows an operator the audit events of units inside its region only', async () => {
    const events = (await as(operator, 'GET', '/api/v1/audit?action=org_unit.*&limit=500')).json<{ items: { orgUnitCode: string }[] }>()
      .items;
    const codes = new Set(events.map((e) => e.orgUnitCode));
    expect(codes.has('S1')).toBe(true);
    expect(codes.has('R1')).toBe(true);
    expect(codes.has('S2')).toBe(false);
    expect(codes.has('ACME')).toBe(false);
  });

  it('stops covering a site from the day it moves out of the region', async () => {
    clock = new Date('2026-05-31T23:59:00Z');
    expect((await as(operator, 'GET', `${BASE}/S1`)).statusCode).toBe(200);
    clock = new Date('2026-06-01T00:01:00Z');
    expect((await as(operator, 'GET', `${BASE}/S1`)).statusCode).toBe(404);
    expect((await as(operator, 'GET', BASE)).json<{ items: { code: string }[] }>().items.map((u) => u.code)).toEqual(['R1', 'S4']);
    expect((await as(unitAdmin, 'POST', `${BASE}/S1/versions`, { effectiveDate: '2026-07-01', name: 'not mine' })).statusCode).toBe(404);
  });
});

describe.runIf(realDatabaseUrl && realRedisUrl)('scope across processes (PostgreSQL and Redis)', () => {
  let a: TestVigil;
  let b: TestVigil;
  beforeAll(async () => {
    // Nodes of one deployment share the database, Redis and the secrets key.
    const secretKey = Buffer.alloc(32, 9).toString('base64');
    a = await startTestVigil({ env: { VIGIL_SECRET_KEY: secretKey } });
    b = await startTestVigil({
      env: { DATABASE_URL: a.config.database.url!, VIGIL_REDIS_KEY_PREFIX: a.config.redis.keyPrefix, VIGIL_SECRET_KEY: secretKey },
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('drops a cached tree when another process moves a unit', async () => {
    const admin = await a.adminAuth();
    for (const unit of [
      { code: 'ORG', name: 'Org', unitType: 'ORGANIZATION' },
      { code: 'RA', name: 'A', unitType: 'REGION', parentCode: 'ORG' },
      { code: 'RB', name: 'B', unitType: 'REGION', parentCode: 'ORG' },
      { code: 'SX', name: 'X', unitType: 'SITE', parentCode: 'RA' },
    ]) {
      expect(
        (await a.app.inject({ method: 'POST', url: BASE, headers: admin, payload: { ...unit, effectiveDate: '2026-01-01' } })).statusCode,
      ).toBe(201);
    }
    const operator = await addUser(b, 'op-ra@example.com', 'operator', 'RA');
    // B loads and caches today's tree.
    expect((await b.app.inject({ method: 'GET', url: `${BASE}/SX`, headers: operator })).statusCode).toBe(200);
    // A moves SX out of RA, effective from an early date, so it is out today.
    expect(
      (
        await a.app.inject({
          method: 'POST',
          url: `${BASE}/SX/versions`,
          headers: admin,
          payload: { effectiveDate: '2026-02-01', parentCode: 'RB' },
        })
      ).statusCode,
    ).toBe(201);
    // The other instance hears of the move through Redis: it answers 404 once its cache is dropped.
    const status = await pollUntil(
      async () => (await b.app.inject({ method: 'GET', url: `${BASE}/SX`, headers: operator })).statusCode,
      (code) => code !== 200,
      { intervalMs: 20, what: 'the other instance to drop its cached tree' },
    );
    expect(status).toBe(404);
  });
});
