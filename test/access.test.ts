import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('route access', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  const signIn = async (email: string, password: string) => {
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
    expect(res.statusCode).toBe(200);
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  };

  it('answers 401 to an anonymous request on a protected route, before reading its input', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/migrations?limit=bogus' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
  });

  it('answers 401 to a non-bearer Authorization header', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/info', headers: { authorization: 'Basic YTpi' } });
    expect(res.statusCode).toBe(401);
  });

  it('lets a role with the permission through and stops one without it with 403', async () => {
    expect((await vigil.app.inject({ method: 'GET', url: '/api/v1/ops/info', headers: await vigil.adminAuth() })).statusCode).toBe(200);
    // A user with no grant at all holds no permission.
    await sql`insert into users (id, email, display_name, password_hash) select gen_random_uuid(), 'nobody@example.com', 'N', password_hash from users limit 1`.execute(
      vigil.database.db,
    );
    const res = await vigil.app.inject({
      method: 'GET',
      url: '/api/v1/ops/info',
      headers: await signIn('nobody@example.com', TEST_ADMIN.password),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'ops:read' } });
    // 'self' routes need only a signed-in principal.
    expect(
      (await vigil.app.inject({ method: 'GET', url: '/api/auth/me', headers: await signIn('nobody@example.com', TEST_ADMIN.password) }))
        .statusCode,
    ).toBe(200);
  });

  it('shows an operator only the audit events of the units its grants name', async () => {
    const db = vigil.database.db;
    await sql`insert into users (id, email, display_name, password_hash) select gen_random_uuid(), 'op-a@example.com', 'Op A', password_hash from users limit 1`.execute(
      db,
    );
    await sql`insert into role_grants (id, user_id, role, org_unit_code) select gen_random_uuid(), id, 'operator', 'A' from users where email = 'op-a@example.com'`.execute(
      db,
    );
    for (const unit of ['A', 'B', null]) {
      await sql`insert into audit_events (id, actor_type, actor_id, action, resource_type, resource_id, org_unit_code, result)
        values (gen_random_uuid(), 'system', 'test', 'camera.start', 'camera', 'c1', ${unit}, 'success')`.execute(db);
    }
    const headers = await signIn('op-a@example.com', TEST_ADMIN.password);
    const res = await vigil.app.inject({ method: 'GET', url: '/api/v1/audit?action=camera.start', headers });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: { orgUnitCode: string | null }[] }>().items.map((e) => e.orgUnitCode)).toEqual(['A']);
    const other = await vigil.app.inject({ method: 'GET', url: '/api/v1/audit?action=camera.start&orgUnitCode=B', headers });
    expect(other.json<{ items: unknown[] }>().items).toEqual([]);
    const admin = await vigil.app.inject({ method: 'GET', url: '/api/v1/audit?action=camera.start', headers: await vigil.adminAuth() });
    expect(admin.json<{ items: unknown[] }>().items).toHaveLength(3);
  });

  it('refuses to start when a route declares no permission', async () => {
    await expect(
      startTestVigil({
        configure(app) {
          app.get('/test/undeclared', { schema: { summary: 'test route' } }, () => ({}));
        },
      }),
    ).rejects.toThrow(/declares no permission/);
  });
});
