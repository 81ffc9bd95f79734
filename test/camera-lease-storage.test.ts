// Lease renewals rewrite every held camera's row each cycle. On PGlite nothing vacuums, so the table
// must stay at its live size by itself (HOT updates on half-full pages); on PostgreSQL too.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('camera lease storage', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({ env: { VIGIL_CAMERA_AUTO_START: 'false' } });
    const admin = await vigil.adminAuth();
    const unit = await vigil.app.inject({
      method: 'POST',
      url: '/api/v1/organization-units',
      headers: admin,
      payload: { code: 'STORE', name: 'Store', unitType: 'SITE', effectiveDate: '2026-01-01' },
    });
    expect(unit.statusCode).toBe(201);
  });
  afterAll(async () => {
    await vigil?.stop();
  });

  it('keeps camera_leases at its live size through 200 renewals of 1,000 leases, without VACUUM', async () => {
    const db = vigil.database.db;
    await sql`insert into cameras (id, org_unit_code, name, source_url, source_type, expected_fps)
              select gen_random_uuid(), 'STORE', 'cam ' || g, 'http://127.0.0.1:9/stream.mjpg', 'mjpeg', 5
              from generate_series(1, 1000) g`.execute(db);
    await sql`insert into camera_leases (camera_id, owner, expires_at)
              select id, 'storage-test', now() from cameras where org_unit_code = 'STORE'`.execute(db);
    const size = async () => (await sql<{ n: number }>`select pg_total_relation_size('camera_leases')::int as n`.execute(db)).rows[0]!.n;
    const renew = () => sql`update camera_leases set expires_at = now() + interval '10 seconds' where owner = 'storage-test'`.execute(db);
    for (let i = 0; i < 20; i++) await renew();
    const settled = await size();
    for (let i = 0; i < 180; i++) await renew();
    // With full pages the table grows with every renewal (by about half over these 180); pruned, it stays.
    expect(await size()).toBeLessThanOrEqual(settled * 1.25);
    await sql`delete from cameras where org_unit_code = 'STORE'`.execute(db);
  });
});
