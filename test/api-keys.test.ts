// API keys over HTTP: created once by an admin, used as a bearer, scoped by role and unit,
// revocable, expiring, audited, and never logged.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

interface Created {
  key: string;
  apiKey: { id: string; name: string; role: string; orgUnitCode: string | null; prefix: string; lastUsedAt: string | null };
}

describe('API keys', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  const create = async (payload: object, headers?: Record<string, string>) =>
    vigil.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: headers ?? (await vigil.adminAuth()), payload });
  const withKey = (key: string, url = '/api/v1/ops/info', method: 'GET' | 'POST' = 'GET') =>
    vigil.app.inject({ method, url, headers: { authorization: `Bearer ${key}` } });
  const db = () => vigil.database.db;

  it('creates a key shown once, and lets a machine use it as a bearer token', async () => {
    const res = await create({ name: 'prometheus', role: 'viewer' });
    expect(res.statusCode).toBe(201);
    const { key, apiKey } = res.json<Created>();
    expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'prometheus', role: 'viewer', orgUnitCode: null, prefix: key.slice(0, 12), lastUsedAt: null });
    expect((await withKey(key)).statusCode).toBe(200);
    // Only the hash is stored.
    const rows = await sql<{ key_hash: string }>`select key_hash from api_keys where id = ${apiKey.id}`.execute(db());
    expect(rows.rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows.rows)).not.toContain(key);
    const list = await vigil.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: await vigil.adminAuth() });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(key);
    const listed = list.json<{ items: { id: string; lastUsedAt: string | null }[] }>().items.find((k) => k.id === apiKey.id);
    expect(listed?.lastUsedAt).toEqual(expect.any(String));
  });

  it('holds a key to its role: a viewer key cannot make keys (403)', async () => {
    const { key } = (await create({ name: 'reader', role: 'viewer' })).json<Created>();
    const res = await create({ name: 'escalate', role: 'admin' }, { authorization: `Bearer ${key}` });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'FORBIDDEN', details: { permission: 'users:write' } });
    // Routes for people are not for keys.
    const me = await withKey(key, '/api/auth/me');
    expect(me.statusCode).toBe(403);
    expect(me.json().code).toBe('NOT_A_USER');
  });

  it('stops a revoked key at once, with its own code, and audits create and revoke', async () => {
    const { key, apiKey } = (await create({ name: 'ci', role: 'operator' })).json<Created>();
    expect((await withKey(key)).statusCode).toBe(200);
    const revoke = await vigil.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${apiKey.id}`, headers: await vigil.adminAuth() });
    expect(revoke.statusCode).toBe(204);
    const refused = await withKey(key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('API_KEY_REVOKED');
    const again = await vigil.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${apiKey.id}`, headers: await vigil.adminAuth() });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('API_KEY_NOT_FOUND');
    const audit = await sql<{ action: string; actor_type: string; after: unknown }>`
      select action, actor_type, after from audit_events where resource_type = 'api_key' and resource_id = ${apiKey.id} order by at`.execute(
      db(),
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['api_key.create', 'api_key.revoke']);
    expect(audit.rows[0]!.actor_type).toBe('user');
    expect(JSON.stringify(audit.rows)).not.toContain(key);
    // The name is free again once the key is revoked.
    expect((await create({ name: 'ci', role: 'operator' })).statusCode).toBe(201);
  });

  it('refuses an expired key and an unknown one with clear codes', async () => {
    const { key, apiKey } = (await create({ name: 'short-lived', role: 'viewer', expiresInDays: 1 })).json<Created>();
    await sql`update api_keys set expires_at = now() - interval '1 second' where id = ${apiKey.id}`.execute(db());
    const expired = await withKey(key);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('API_KEY_EXPIRED');
    expect((await withKey(`vgl_${'A'.repeat(43)}`)).json().code).toBe('API_KEY_INVALID');
    expect((await withKey('vgl_short')).json().code).toBe('API_KEY_INVALID');
  });

  it('answers bad input with 400 and a taken name with 409, storing nothing', async () => {
    const count = async () => (await sql<{ n: number }>`select count(*)::int as n from api_keys`.execute(db())).rows[0]!.n;
    const before = await count();
    const cases: [object, number, string][] = [
      [{ name: '', role: 'viewer' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', role: 'root' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', role: 'viewer', extra: 1 }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', role: 'viewer', expiresInDays: 0 }, 400, 'VALIDATION_FAILED'],
      // JSON bodies are never coerced: "" or "5" do not become null or 5.
      [{ name: 'x', role: 'viewer', expiresInDays: '5' }, 400, 'VALIDATION_FAILED'],
      [{ name: 'x', role: 'viewer', orgUnitCode: '' }, 400, 'VALIDATION_FAILED'],
      [{ name: '   ', role: 'viewer' }, 400, 'INVALID_API_KEY_NAME'],
      [{ name: 'x', role: 'viewer', orgUnitCode: 'no spaces' }, 400, 'INVALID_ORG_UNIT_CODE'],
      [{ name: 'PROMETHEUS', role: 'viewer' }, 409, 'API_KEY_NAME_TAKEN'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await create(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().code).toBe(code);
    }
    expect(await count()).toBe(before);
    const badId = await vigil.app.inject({ method: 'DELETE', url: '/api/v1/api-keys/not-a-uuid', headers: await vigil.adminAuth() });
    expect(badId.statusCode).toBe(400);
  });

  it('keeps an admin granted on a unit to keys inside that unit', async () => {
    await sql`insert into users (id, email, display_name, password_hash) select gen_random_uuid(), 'unit-admin@example.com', 'U', password_hash from users where email = ${TEST_ADMIN.email}`.execute(
      db(),
    );
    await sql`insert into role_grants (id, user_id, role, org_unit_code) select gen_random_uuid(), id, 'admin', 'SITE-A' from users where email = 'unit-admin@example.com'`.execute(
      db(),
    );
    const login = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'unit-admin@example.com', password: TEST_ADMIN.password },
    });
    const headers = { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
    const global = await create({ name: 'global-from-unit', role: 'admin' }, headers);
    expect(global.statusCode).toBe(403);
    expect((await create({ name: 'elsewhere', role: 'viewer', orgUnitCode: 'SITE-B' }, headers)).statusCode).toBe(403);
    const inside = await create({ name: 'site-a-cam-bot', role: 'operator', orgUnitCode: 'SITE-A' }, headers);
    expect(inside.statusCode).toBe(201);
    const listed = await vigil.app.inject({ method: 'GET', url: '/api/v1/api-keys?limit=500', headers });
    expect(listed.json<{ items: { orgUnitCode: string | null }[] }>().items.map((k) => k.orgUnitCode)).toEqual(['SITE-A']);
    const globalKey = (await create({ name: 'admin-made', role: 'viewer' })).json<Created>();
    const revoke = await vigil.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${globalKey.apiKey.id}`, headers });
    expect(revoke.statusCode).toBe(404);
  });

  it('never writes a key to the log', async () => {
    const { key } = (await create({ name: 'logged?', role: 'viewer' })).json<Created>();
    await withKey(key);
    await withKey(key, '/api/v1/api-keys', 'POST');
    expect(vigil.logs.text()).not.toContain(key);
    expect(vigil.logs.text()).not.toContain(key.slice(12));
  });
});
