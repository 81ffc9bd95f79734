// Absolute and idle session lifetimes (ASVS 3.3.2): a refresh past either ends the session.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('session lifetimes', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil({ env: { VIGIL_REFRESH_IDLE_TTL_S: '3600', VIGIL_REFRESH_TOKEN_TTL_S: '86400' } });
  });
  afterAll(() => vigil.stop());

  const login = async () => {
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: TEST_ADMIN });
    expect(res.json<{ refreshExpiresIn: number }>().refreshExpiresIn).toBeLessThanOrEqual(86_400);
    return res.json<{ accessToken: string; refreshToken: string }>();
  };
  const refresh = (refreshToken: string) => vigil.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
  const sessionOf = async (refreshToken: string) =>
    (
      await sql<{ id: string; revoked_reason: string | null }>`
        select s.id, s.revoked_reason from auth_sessions s join refresh_tokens t on t.session_id = s.id
        where t.token_hash = encode(digest(${refreshToken}, 'sha256'), 'hex')`.execute(vigil.database.db)
    ).rows[0]!;

  it('ends a session once its absolute lifetime is over, even if it was used a moment ago', async () => {
    const { accessToken, refreshToken } = await login();
    const { id } = await sessionOf(refreshToken);
    await sql`update auth_sessions set expires_at = now() - interval '1 second', last_used_at = now() where id = ${id}`.execute(
      vigil.database.db,
    );
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('SESSION_EXPIRED');
    const me = await vigil.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.statusCode).toBe(401);
    expect((await sessionOf(refreshToken)).revoked_reason).toBe('ended');
  });

  it('ends a session left unused for longer than the idle lifetime', async () => {
    const { refreshToken } = await login();
    const { id } = await sessionOf(refreshToken);
    await sql`update auth_sessions set last_used_at = now() - interval '3601 seconds' where id = ${id}`.execute(vigil.database.db);
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('SESSION_EXPIRED');
    expect((await sessionOf(refreshToken)).revoked_reason).toBe('ended');
  });

  it('keeps a session used within the idle lifetime, and each refresh restarts the idle clock', async () => {
    const { refreshToken } = await login();
    const { id } = await sessionOf(refreshToken);
    await sql`update auth_sessions set last_used_at = now() - interval '3500 seconds' where id = ${id}`.execute(vigil.database.db);
    const res = await refresh(refreshToken);
    expect(res.statusCode).toBe(200);
    const idle = await sql<{
      idle_s: number;
    }>`select extract(epoch from now() - last_used_at)::float8 as idle_s from auth_sessions where id = ${id}`.execute(vigil.database.db);
    expect(idle.rows[0]!.idle_s).toBeLessThan(60);
  });
});
