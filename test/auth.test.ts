import { createHash } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenKeys } from '../src/modules/auth/index.js';
import { loadSecretBox } from '../src/platform/secrets.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { realDatabaseUrl } from './helpers/databases.js';

const ADMIN = { email: 'root@example.com', password: 'quiet-harbour-lantern-42' };

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  refreshExpiresIn: number;
  tokenType: string;
  user: { email: string; grants: unknown[] };
}

describe('auth', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil({
      env: { VIGIL_ADMIN_EMAIL: ADMIN.email, VIGIL_ADMIN_PASSWORD: ADMIN.password, VIGIL_REFRESH_GRACE_S: '5' },
    });
  });
  afterAll(() => vigil.stop());
  afterEach(() => vi.useRealTimers());

  const post = (url: string, payload: object) => vigil.app.inject({ method: 'POST', url, payload });
  const login = async (body: object = ADMIN) => post('/api/auth/login', body);
  const refresh = (refreshToken: string) => post('/api/auth/refresh', { refreshToken });
  const me = (token: string) => vigil.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
  const auditCount = async (action: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from audit_events where action = ${action}`.execute(vigil.database.db)).rows[0]!.n;

  it('signs in and answers who the user is', async () => {
    const res = await login({ email: 'ROOT@example.com', password: ADMIN.password });
    expect(res.statusCode).toBe(200);
    const body = res.json<Tokens>();
    expect(body.refreshExpiresIn).toBeGreaterThan(2_591_990);
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { email: ADMIN.email, grants: [{ role: 'admin', orgUnitCode: null }] },
    });
    expect(body.refreshToken).toMatch(/^vgr_[A-Za-z0-9_-]{43}$/);
    const [header, payload] = body.accessToken
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: expect.any(String) });
    expect(Object.keys(payload!).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
    const who = await me(body.accessToken);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ email: ADMIN.email, status: 'active' });
    expect(await auditCount('auth.login')).toBeGreaterThanOrEqual(1);
  });

  it('answers unknown email, wrong password and disabled account alike, and audits each', async () => {
    const before = await auditCount('auth.login_failed');
    const wrong = await login({ email: ADMIN.email, password: 'not-the-password-1' });
    const unknown = await login({ email: 'nobody@example.com', password: 'not-the-password-1' });
    await sql`update users set status = 'disabled'`.execute(vigil.database.db);
    const disabled = await login();
    await sql`update users set status = 'active'`.execute(vigil.database.db);
    for (const res of [wrong, unknown, disabled]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'the email or password is wrong' });
    }
    expect(await auditCount('auth.login_failed')).toBe(before + 3);
    expect(vigil.logs.text()).not.toContain('not-the-password-1');
    expect(vigil.logs.text()).not.toContain(ADMIN.password);
  });

  it('rejects malformed login bodies with 400', async () => {
    const res = await login({ email: ADMIN.email });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('rotates the refresh token at every use', async () => {
    const first = (await login()).json<Tokens>();
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    const next = second.json<Tokens>();
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect((await me(next.accessToken)).statusCode).toBe(200);
    expect((await refresh(next.refreshToken)).statusCode).toBe(200);
  });

  it('revokes the whole family when a rotated token is reused: the newest token stops working too', async () => {
    const t0 = (await login()).json<Tokens>();
    const t1 = (await refresh(t0.refreshToken)).json<Tokens>();
    const t2 = (await refresh(t1.refreshToken)).json<Tokens>();
    const t3 = (await refresh(t2.refreshToken)).json<Tokens>(); // t1's successor t2 has now been used
    const reuse = await refresh(t1.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().code).toBe('REFRESH_TOKEN_REUSED');
    const newest = await refresh(t3.refreshToken);
    expect(newest.statusCode).toBe(401);
    expect(newest.json().code).toBe('REFRESH_TOKEN_REUSED');
    const access = await me(t3.accessToken);
    expect(access.statusCode).toBe(401);
    expect(access.json().code).toBe('SESSION_EXPIRED');
    expect(await auditCount('auth.refresh_token_reuse')).toBeGreaterThanOrEqual(1);
  });

  it('keeps the session when two tabs refresh with the same token within the grace window', async () => {
    const t0 = (await login()).json<Tokens>();
    const a = await refresh(t0.refreshToken);
    const b = await refresh(t0.refreshToken);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    // Both successors work; once one of them is used, the original is spent.
    expect((await refresh(b.json<Tokens>().refreshToken)).statusCode).toBe(200);
    expect((await refresh(t0.refreshToken)).json().code).toBe('REFRESH_TOKEN_REUSED');
  });

  it('treats a reuse after the grace window as a reuse', async () => {
    const t0 = (await login()).json<Tokens>();
    expect((await refresh(t0.refreshToken)).statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 6_000);
    expect((await refresh(t0.refreshToken)).json().code).toBe('REFRESH_TOKEN_REUSED');
  });

  it.runIf(realDatabaseUrl)('lets two refreshes racing with one token both succeed (PostgreSQL)', async () => {
    const t0 = (await login()).json<Tokens>();
    const results = await Promise.all([refresh(t0.refreshToken), refresh(t0.refreshToken), refresh(t0.refreshToken)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
  });

  /** The session's refresh tokens not yet exchanged, while the session is open: its live chains. */
  const liveRefreshTokens = async (accessToken: string) => {
    const { sid } = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string };
    const { rows } = await sql<{ token_hash: string }>`select t.token_hash from refresh_tokens t join auth_sessions s on s.id = t.session_id
        where t.session_id = ${sid} and t.used_at is null and s.revoked_at is null`.execute(vigil.database.db);
    return rows.map((r) => r.token_hash);
  };
  const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

  it('answers the same successor to refreshes of one token within the grace window: one live chain', async () => {
    const t0 = (await login()).json<Tokens>();
    const a = (await refresh(t0.refreshToken)).json<Tokens>();
    const b = (await refresh(t0.refreshToken)).json<Tokens>();
    expect(b.refreshToken).toBe(a.refreshToken);
    expect(await liveRefreshTokens(t0.accessToken)).toEqual([sha256(a.refreshToken)]);
  });

  it.runIf(realDatabaseUrl)('keeps one live chain when 10 refreshes of one token race, and still detects reuse (PostgreSQL)', async () => {
    const t0 = (await login()).json<Tokens>();
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(t0.refreshToken)));
    expect(results.map((r) => r.statusCode)).toEqual(Array.from({ length: 10 }, () => 200));
    const successors = new Set(results.map((r) => r.json<Tokens>().refreshToken));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    expect(await liveRefreshTokens(t0.accessToken)).toEqual([sha256(successor!)]);
    // The chain goes on from the successor; the original is then spent, and presenting it ends the session.
    const next = await refresh(successor!);
    expect(next.statusCode).toBe(200);
    expect((await refresh(t0.refreshToken)).json().code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(next.json<Tokens>().refreshToken)).json().code).toBe('REFRESH_TOKEN_REUSED');
    expect(await liveRefreshTokens(t0.accessToken)).toEqual([]);
  });

  it('logs out: the refresh token and the access tokens of that session stop working', async () => {
    const t0 = (await login()).json<Tokens>();
    const out = await post('/api/auth/logout', { refreshToken: t0.refreshToken });
    expect(out.statusCode).toBe(204);
    expect((await refresh(t0.refreshToken)).json().code).toBe('SESSION_EXPIRED');
    expect((await me(t0.accessToken)).json().code).toBe('SESSION_EXPIRED');
    expect((await post('/api/auth/logout', { refreshToken: 'vgr_unknown-token-xyz' })).json().code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('refuses an unknown refresh token', async () => {
    const res = await refresh('vgr_thisTokenWasNeverIssuedAtAll0000000000000000');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('INVALID_REFRESH_TOKEN');
  });

  describe('access token validation', () => {
    it('refuses a request without a token', async () => {
      const res = await vigil.app.inject({ method: 'GET', url: '/api/auth/me' });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    });

    it('refuses an expired token', async () => {
      const { accessToken } = (await login()).json<Tokens>();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 16 * 60_000); // 15 min lifetime + 30 s skew, and then some
      const res = await me(accessToken);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ACCESS_TOKEN_EXPIRED');
    });

    it('accepts a token within the clock skew', async () => {
      const { accessToken } = (await login()).json<Tokens>();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 15 * 60_000 + 10_000);
      expect((await me(accessToken)).statusCode).toBe(200);
    });

    it('refuses a tampered token', async () => {
      const { accessToken } = (await login()).json<Tokens>();
      const [h, p, s] = accessToken.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: '00000000-0000-7000-8000-000000000000' })).toString('base64url')}.${s}`;
      const res = await me(forged);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID', details: { reason: 'signature' } });
      expect((await me('not.a.jwt')).json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID', details: { reason: 'malformed' } });
    });

    it('refuses a token for another audience, signed with a genuine key', async () => {
      const secrets = await loadSecretBox({ configured: undefined, dataDir: vigil.config.dataDir, mode: 'test', log: vigil.log });
      const keys = createTokenKeys({
        db: vigil.database.db,
        secrets,
        settings: { issuer: 'vigil', audience: 'someone-else', ttlS: 900, clockSkewS: 0 },
      });
      await keys.init();
      const { accessToken } = (await login()).json<Tokens>();
      const sid = (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string; sub: string }).sid;
      const sub = (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
      const { token } = await keys.sign(sub, sid);
      const res = await me(token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID', details: { reason: 'audience' } });
    });

    it('refuses a genuinely signed token whose session belongs to another user, cached or not', async () => {
      const other = 'other-user@example.com';
      await sql`insert into users (id, email, display_name, password_hash)
                select gen_random_uuid(), ${other}, 'other', password_hash from users where email = ${ADMIN.email}`.execute(
        vigil.database.db,
      );
      const claimsOf = (token: string) =>
        JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string; sub: string };
      const admin = claimsOf((await login()).json<Tokens>().accessToken);
      const theirs = (await login({ email: other, password: ADMIN.password })).json<Tokens>().accessToken;
      const secrets = await loadSecretBox({ configured: undefined, dataDir: vigil.config.dataDir, mode: 'test', log: vigil.log });
      const keys = createTokenKeys({
        db: vigil.database.db,
        secrets,
        settings: { issuer: vigil.config.auth.issuer, audience: vigil.config.auth.audience, ttlS: 900, clockSkewS: 0 },
      });
      await keys.init();
      // The admin's id with the other user's session: signed with Vigil's own key.
      const { token } = await keys.sign(admin.sub, claimsOf(theirs).sid);
      const refused = await me(token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID', details: { reason: 'claims' } });
      // Also once that session's principal is cached by a genuine request.
      expect((await me(theirs)).statusCode).toBe(200);
      expect((await me(token)).statusCode).toBe(401);
      // The genuine token of the same session still works.
      expect((await me(theirs)).json()).toMatchObject({ email: other });
    });

    it('refuses a token whose key id it does not know', async () => {
      const { privateKey } = await generateKeyPair('EdDSA');
      const token = await new SignJWT({ sid: 'x' })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-vigil-key' })
        .setSubject('someone')
        .setJti('j')
        .setIssuedAt()
        .setExpirationTime('5m')
        .setIssuer('vigil')
        .setAudience('vigil-api')
        .sign(privateKey);
      const res = await me(token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'ACCESS_TOKEN_INVALID', details: { reason: 'unknown_kid' } });
    });
  });

  it('publishes its public keys, without private parts', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    const { keys } = res.json<{ keys: Record<string, unknown>[] }>();
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String), alg: 'EdDSA' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('stores refresh tokens only as hashes', async () => {
    const { refreshToken } = (await login()).json<Tokens>();
    const { rows } = await sql<{ token_hash: string }>`select token_hash from refresh_tokens`.execute(vigil.database.db);
    expect(rows.some((r) => r.token_hash === refreshToken)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });
  it("lists the user's open sessions and ends one of them", async () => {
    const a = (await login()).json<Tokens>();
    const b = (await login()).json<Tokens>();
    const auth = { authorization: `Bearer ${a.accessToken}` };
    const list = await vigil.app.inject({ method: 'GET', url: '/api/auth/sessions', headers: auth });
    expect(list.statusCode).toBe(200);
    const items = list.json<{ items: { id: string; current: boolean; userAgent: string | null }[] }>().items;
    const current = items.filter((s) => s.current);
    expect(current).toHaveLength(1);
    const other = items.find((s) => !s.current)!;
    const ended = await vigil.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${other.id}`, headers: auth });
    expect(ended.statusCode).toBe(204);
    const again = await vigil.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${other.id}`, headers: auth });
    expect(again.json().code).toBe('SESSION_NOT_FOUND');
    const bad = await vigil.app.inject({ method: 'DELETE', url: '/api/auth/sessions/not-a-uuid', headers: auth });
    expect(bad.statusCode).toBe(400);
    void b;
  });

  it('logs out everywhere: every session of the user ends', async () => {
    const a = (await login()).json<Tokens>();
    const b = (await login()).json<Tokens>();
    const out = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/logout-all',
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(out.statusCode).toBe(204);
    for (const t of [a, b]) {
      expect((await refresh(t.refreshToken)).json().code).toBe('SESSION_EXPIRED');
      expect((await me(t.accessToken)).json().code).toBe('SESSION_EXPIRED');
    }
    expect(await auditCount('auth.logout_all')).toBe(1);
  });

  it('shows the audit trail to an admin, filtered and paginated', async () => {
    const { accessToken } = (await login()).json<Tokens>();
    const headers = { authorization: `Bearer ${accessToken}` };
    const page = await vigil.app.inject({ method: 'GET', url: '/api/v1/audit?action=auth.*&limit=2', headers });
    expect(page.statusCode).toBe(200);
    const body = page.json<{ items: { action: string; at: string }[]; nextCursor: string | null }>();
    expect(body.items).toHaveLength(2);
    expect(body.items.every((e) => e.action.startsWith('auth.'))).toBe(true);
    expect(body.items[0]!.at >= body.items[1]!.at).toBe(true);
    const next = await vigil.app.inject({ method: 'GET', url: `/api/v1/audit?action=auth.*&limit=2&cursor=${body.nextCursor}`, headers });
    expect(next.json<{ items: { at: string }[] }>().items[0]!.at <= body.items[1]!.at).toBe(true);
    const failed = await vigil.app.inject({ method: 'GET', url: '/api/v1/audit?action=auth.login_failed&result=failure', headers });
    expect(failed.json<{ items: unknown[] }>().items.length).toBeGreaterThanOrEqual(3);
    expect((await vigil.app.inject({ method: 'GET', url: '/api/v1/audit?from=yesterday', headers })).statusCode).toBe(400);
    expect((await vigil.app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
  });
  it('sees a session ended by another process within the principal cache time', async () => {
    const { accessToken } = (await login()).json<Tokens>();
    expect((await me(accessToken)).statusCode).toBe(200); // now cached
    const sid = (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
    await sql`update auth_sessions set revoked_at = now(), revoked_reason = 'logout' where id = ${sid}`.execute(vigil.database.db);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5_100);
    expect((await me(accessToken)).json().code).toBe('SESSION_EXPIRED');
  });
});
