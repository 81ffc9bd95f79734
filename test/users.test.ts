// The users administration API over HTTP: create (with a password or a generated one, shown once),
// list, read, rename, disable (which ends the user's sessions), replace grants and reset passwords;
// an admin whose grant is on a unit kept to the users inside it; every write audited without a
// password; bad input answered 4xx, never 500.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'disabled';
  grants: { role: string; orgUnitCode: string | null }[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}
interface Created {
  user: UserRecord;
  generatedPassword?: string;
}
type Headers = Record<string, string>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT';

const BASE = '/api/v1/users';
const GOOD = 'quiet-harbour-lantern-42';

describe('users API', () => {
  let vigil: TestVigil;
  let admin: Headers;
  /** Every password this file sets or is given: none may reach the audit trail or the log. */
  const passwords = new Set<string>([GOOD]);
  let address = 0;
  /** Ana, operator on SITE-A, made by the first test. */
  let anaId = '';

  const call = (headers: Headers, method: Method, url: string, payload?: unknown, extra: Headers = {}) =>
    vigil.app.inject({ method, url, headers: { ...headers, ...extra }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  /** Sign-ins from addresses of their own, so that the refusals this file provokes lock nothing out. */
  const login = (email: string, password: string) =>
    vigil.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password },
      remoteAddress: `198.51.100.${(address++ % 250) + 1}`,
    });
  const signIn = async (email: string, password: string) => {
    const res = await login(email, password);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ accessToken: string; refreshToken: string }>();
    return { headers: { authorization: `Bearer ${body.accessToken}` }, refreshToken: body.refreshToken };
  };
  const create = async (payload: object, headers: Headers = admin) => {
    const res = await call(headers, 'POST', BASE, payload);
    const generated = res.statusCode === 201 ? res.json<Created>().generatedPassword : undefined;
    if (generated !== undefined) passwords.add(generated);
    return res;
  };
  const created = async (payload: object, headers: Headers = admin) => {
    const res = await create(payload, headers);
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Created>().user;
  };
  const userCount = async () => (await sql<{ n: number }>`select count(*)::int as n from users`.execute(vigil.database.db)).rows[0]!.n;

  beforeAll(async () => {
    vigil = await startTestVigil();
    admin = await vigil.adminAuth();
    // ACME ─ SITE-A ─ SITE-A1, and ACME ─ SITE-B.
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION' },
      { code: 'SITE-A', name: 'Site A', unitType: 'SITE', parentCode: 'ACME' },
      { code: 'SITE-A1', name: 'Site A1', unitType: 'SITE', parentCode: 'SITE-A' },
      { code: 'SITE-B', name: 'Site B', unitType: 'SITE', parentCode: 'ACME' },
    ]) {
      const res = await call(admin, 'POST', '/api/v1/organization-units', { ...unit, effectiveDate: '2026-01-01' });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(() => vigil.stop());

  it('creates a user with the password given, who can then sign in; no password or hash is ever answered', async () => {
    const res = await create({
      email: 'Ana@Example.com',
      name: 'Ana Lima',
      password: GOOD,
      grants: [{ role: 'operator', orgUnitCode: 'SITE-A' }],
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<Created>();
    anaId = body.user.id;
    expect(body.generatedPassword).toBeUndefined();
    expect(body.user).toMatchObject({
      email: 'Ana@Example.com',
      displayName: 'Ana Lima',
      status: 'active',
      grants: [{ role: 'operator', orgUnitCode: 'SITE-A' }],
      revision: 1,
    });
    await signIn('ana@example.com', GOOD);
    const one = await call(admin, 'GET', `${BASE}/${body.user.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.headers.etag).toBe('"1"');
    expect(one.json()).toEqual(body.user);
    for (const text of [res.body, one.body]) {
      expect(text).not.toContain(GOOD);
      expect(text).not.toContain('argon2');
    }
  });

  it('generates a strong password when none is given, answers it once, and it signs the user in', async () => {
    const res = await create({ email: 'bruno@example.com', grants: [{ role: 'viewer', orgUnitCode: null }] });
    expect(res.statusCode).toBe(201);
    const { user, generatedPassword } = res.json<Created>();
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Without a name, the part of the email before the @.
    expect(user.displayName).toBe('bruno');
    const session = await signIn('bruno@example.com', generatedPassword!);
    expect((await call(session.headers, 'GET', '/api/auth/me')).json()).toMatchObject({ id: user.id });
    // Never again: not by the user's record, not by the list.
    const one = await call(admin, 'GET', `${BASE}/${user.id}`);
    const list = await call(admin, 'GET', `${BASE}?limit=500`);
    for (const answer of [one, list]) {
      expect(answer.statusCode).toBe(200);
      expect(answer.body).not.toContain(generatedPassword);
      expect(answer.body).not.toContain('generatedPassword');
    }
    // A second user gets another password.
    const other = await create({ email: 'carla@example.com', grants: [] });
    expect(other.json<Created>().generatedPassword).not.toBe(generatedPassword);
  });

  it('refuses a password the policy refuses with 400 WEAK_PASSWORD and its reason, storing nothing', async () => {
    const before = await userCount();
    const cases: [string, string][] = [
      ['short-one', 'too_short'],
      ['password1234', 'too_common'],
      ['dora-is-my-name-2026', 'contains_email'],
    ];
    for (const [password, reason] of cases) {
      const res = await create({ email: 'dora@example.com', password, grants: [] });
      expect(res.statusCode, password).toBe(400);
      expect(res.json()).toMatchObject({ code: 'WEAK_PASSWORD', details: { reason } });
    }
    expect(await userCount()).toBe(before);
  });

  it('answers 409 EMAIL_TAKEN for an email in use, whatever its case', async () => {
    const before = await userCount();
    const res = await create({ email: 'ANA@example.COM', password: GOOD, grants: [] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'EMAIL_TAKEN', details: { email: 'ANA@example.COM' } });
    expect(await userCount()).toBe(before);
  });

  it('answers bad input with 4xx in the unified shape, never 500, and stores nothing', async () => {
    const before = await userCount();
    const bodies: [unknown, number, string][] = [
      [{ email: 'x@example.com', grants: [], extra: 1 }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com' }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', grants: [{ role: 'root' }] }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', grants: [{ role: 'viewer', orgUnitCode: '' }] }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', grants: [{ role: 'viewer', unit: 'ACME' }] }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', name: '   ', grants: [] }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', name: 'n'.repeat(201), grants: [] }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', password: 12345678901234, grants: [] }, 400, 'VALIDATION_FAILED'],
      [{ email: 'x@example.com', password: 'x'.repeat(300), grants: [] }, 400, 'WEAK_PASSWORD'],
      [{ email: 'x@example.com', grants: [], name: 'nul \u0000 inside' }, 400, 'VALIDATION_FAILED'],
      [{ email: 'not an email', grants: [] }, 400, 'INVALID_EMAIL'],
      [{ email: 'x@example.com', grants: [{ role: 'viewer', orgUnitCode: 'no spaces' }] }, 400, 'INVALID_ORG_UNIT_CODE'],
    ];
    for (const [payload, status, code] of bodies) {
      const res = await create(payload as object);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json(), JSON.stringify(payload)).toMatchObject({ code, requestId: expect.any(String) });
    }
    const ana = (await call(admin, 'GET', `${BASE}/${anaId}`)).json<UserRecord>();
    const requests: [Method, string, unknown, number, string, Headers?][] = [
      ['GET', `${BASE}/not-a-uuid`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `${BASE}/0190f5a3-0000-7000-8000-000000000000`, undefined, 404, 'USER_NOT_FOUND'],
      ['PATCH', `${BASE}/0190f5a3-0000-7000-8000-000000000000`, { name: 'Nobody' }, 404, 'USER_NOT_FOUND'],
      ['PUT', `${BASE}/0190f5a3-0000-7000-8000-000000000000/grants`, { grants: [] }, 404, 'USER_NOT_FOUND'],
      ['POST', `${BASE}/0190f5a3-0000-7000-8000-000000000000/reset-password`, {}, 404, 'USER_NOT_FOUND'],
      ['GET', `${BASE}?limit=0`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `${BASE}?limit=501`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `${BASE}?limit=1e309`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `${BASE}?cursor=bogus`, undefined, 400, 'INVALID_CURSOR'],
      ['GET', `${BASE}?disabled=maybe`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `${BASE}?sort=email`, undefined, 400, 'VALIDATION_FAILED'],
      ['GET', `${BASE}?q=${encodeURIComponent('a\u0000b')}`, undefined, 400, 'VALIDATION_FAILED'],
      ['PATCH', `${BASE}/${ana.id}`, {}, 400, 'VALIDATION_FAILED'],
      ['PATCH', `${BASE}/${ana.id}`, { status: 'disabled' }, 400, 'VALIDATION_FAILED'],
      ['PATCH', `${BASE}/${ana.id}`, { disabled: 'yes' }, 400, 'VALIDATION_FAILED'],
      ['PATCH', `${BASE}/${ana.id}`, { name: 'Ana' }, 412, 'PRECONDITION_FAILED', { 'if-match': '"999"' }],
      ['PATCH', `${BASE}/${ana.id}`, { name: 'Ana' }, 400, 'INVALID_IF_MATCH', { 'if-match': 'v7' }],
      ['PUT', `${BASE}/${ana.id}/grants`, {}, 400, 'VALIDATION_FAILED'],
      [
        'PUT',
        `${BASE}/${ana.id}/grants`,
        { grants: [{ role: 'viewer', orgUnitCode: 'ACME' }] },
        412,
        'PRECONDITION_FAILED',
        { 'if-match': '0' },
      ],
      ['PUT', `${BASE}/${ana.id}/grants`, { grants: Array.from({ length: 101 }, () => ({ role: 'viewer' })) }, 400, 'VALIDATION_FAILED'],
      ['POST', `${BASE}/${ana.id}/reset-password`, { password: 'short' }, 400, 'WEAK_PASSWORD'],
      ['POST', `${BASE}/${ana.id}/reset-password`, { password: GOOD, again: true }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [method, url, payload, status, code, extra] of requests) {
      const res = await call(admin, method, url, payload, extra);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(status);
      expect(res.json(), `${method} ${url}`).toMatchObject({ code, requestId: expect.any(String) });
    }
    expect(await userCount()).toBe(before);
    // Nothing changed Ana.
    expect((await call(admin, 'GET', `${BASE}/${ana.id}`)).json()).toEqual(ana);
  });

  it('lists users in email order, page by page with an opaque cursor, filtered by text and status', async () => {
    for (const n of [5, 3, 1, 4, 2]) await created({ email: `page-${n}@list.example`, name: `Pager ${n}`, password: GOOD, grants: [] });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const res = await call(admin, 'GET', `${BASE}?q=@LIST.example&limit=2${query}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ items: UserRecord[]; nextCursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.email));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => `page-${n}@list.example`));
    expect(pages).toBe(3);
    // By name too, whatever its case; the default page holds everyone here.
    expect(
      (await call(admin, 'GET', `${BASE}?q=${encodeURIComponent('PAGER 3')}`)).json<{ items: UserRecord[] }>().items.map((u) => u.email),
    ).toEqual(['page-3@list.example']);
    const all = (await call(admin, 'GET', BASE)).json<{ items: UserRecord[]; nextCursor: string | null }>();
    expect(all.items.map((u) => u.email)).toContain(TEST_ADMIN.email);
    expect(all.nextCursor).toBeNull();
    const three = all.items.find((u) => u.email === 'page-3@list.example')!;
    expect((await call(admin, 'PATCH', `${BASE}/${three.id}`, { disabled: true })).statusCode).toBe(200);
    const disabled = (await call(admin, 'GET', `${BASE}?q=@list.example&disabled=true`)).json<{ items: UserRecord[] }>().items;
    expect(disabled.map((u) => u.email)).toEqual(['page-3@list.example']);
    const active = (await call(admin, 'GET', `${BASE}?q=@list.example&disabled=false`)).json<{ items: UserRecord[] }>().items;
    expect(active.map((u) => u.email)).toEqual([1, 2, 4, 5].map((n) => `page-${n}@list.example`));
  });

  // On PGlite the two run one after the other; on PostgreSQL they race (the integration pass).
  it('answers one of two creations racing with one email 201 and the other 409 EMAIL_TAKEN', async () => {
    const answers = await Promise.all(
      ['race@example.com', 'RACE@example.com'].map((email) => create({ email, password: GOOD, grants: [] })),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(answers.find((r) => r.statusCode === 409)!.json().code).toBe('EMAIL_TAKEN');
  });

  it('lets one of two grant changes racing with one If-Match through, and answers the other 412', async () => {
    const user = await created({ email: 'racing-grants@example.com', password: GOOD, grants: [] });
    const answers = await Promise.all(
      ['SITE-B', 'ACME'].map((unit) =>
        call(
          admin,
          'PUT',
          `${BASE}/${user.id}/grants`,
          { grants: [{ role: 'viewer', orgUnitCode: unit }] },
          { 'if-match': `"${user.revision}"` },
        ),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 412]);
    const winner = answers.find((r) => r.statusCode === 200)!.json<UserRecord>();
    expect((await call(admin, 'GET', `${BASE}/${user.id}`)).json<UserRecord>().grants).toEqual(winner.grants);
  });

  it('renames a user, and takes If-Match', async () => {
    const user = await created({ email: 'eva@example.com', password: GOOD, grants: [] });
    const renamed = await call(admin, 'PATCH', `${BASE}/${user.id}`, { name: '  Eva Prado ' }, { 'if-match': `"${user.revision}"` });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ displayName: 'Eva Prado', revision: user.revision + 1, status: 'active' });
    expect(renamed.headers.etag).toBe(`"${user.revision + 1}"`);
    const stale = await call(admin, 'PATCH', `${BASE}/${user.id}`, { name: 'Eva' }, { 'if-match': `"${user.revision}"` });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'PRECONDITION_FAILED', details: { revision: user.revision + 1 } });
  });

  it('disables a user: sign-in refused, their access and refresh tokens stop at once, and enabling does not revive them', async () => {
    const user = await created({ email: 'fabio@example.com', password: GOOD, grants: [{ role: 'viewer', orgUnitCode: null }] });
    const session = await signIn('fabio@example.com', GOOD);
    expect((await call(session.headers, 'GET', '/api/v1/ops/info')).statusCode).toBe(200);

    const res = await call(admin, 'PATCH', `${BASE}/${user.id}`, { disabled: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'disabled' });
    const refused = await call(session.headers, 'GET', '/api/v1/ops/info');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('SESSION_EXPIRED');
    const refresh = await vigil.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: session.refreshToken } });
    expect(refresh.statusCode).toBe(401);
    expect((await login('fabio@example.com', GOOD)).json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const { rows } = await sql<{ revoked_reason: string | null }>`
      select revoked_reason from auth_sessions where user_id = ${user.id}`.execute(vigil.database.db);
    expect(rows.map((r) => r.revoked_reason)).toEqual(['disabled']);

    // Enabled again, the user signs in anew; the sessions that disabling ended stay ended.
    expect((await call(admin, 'PATCH', `${BASE}/${user.id}`, { disabled: false })).json()).toMatchObject({ status: 'active' });
    expect((await call(session.headers, 'GET', '/api/v1/ops/info')).statusCode).toBe(401);
    const again = await signIn('fabio@example.com', GOOD);
    expect((await call(again.headers, 'GET', '/api/v1/ops/info')).statusCode).toBe(200);
  });

  it('replaces grants, which hold at once; unchanged grants write nothing', async () => {
    const user = await created({ email: 'gil@example.com', password: GOOD, grants: [{ role: 'viewer', orgUnitCode: 'SITE-B' }] });
    const session = await signIn('gil@example.com', GOOD);
    expect((await call(session.headers, 'GET', '/api/v1/audit')).statusCode).toBe(403);
    const grants = [
      { role: 'operator', orgUnitCode: 'SITE-A' },
      { role: 'operator', orgUnitCode: 'SITE-A' },
      { role: 'viewer', orgUnitCode: null },
    ];
    const res = await call(admin, 'PUT', `${BASE}/${user.id}/grants`, { grants }, { 'if-match': `"${user.revision}"` });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json<UserRecord>();
    expect(after.grants).toEqual(
      expect.arrayContaining([
        { role: 'operator', orgUnitCode: 'SITE-A' },
        { role: 'viewer', orgUnitCode: null },
      ]),
    );
    expect(after.grants).toHaveLength(2);
    expect(after.revision).toBe(user.revision + 1);
    // The operator grant carries audit:read: the session sees it now, not in 5 s.
    expect((await call(session.headers, 'GET', '/api/v1/audit')).statusCode).toBe(200);
    const audit = await sql<{ action: string; org_unit_code: string | null }>`
      select action, org_unit_code from audit_events where resource_type = 'user' and resource_id = ${user.id}
      and action in ('user.grant', 'user.revoke') order by at, action`.execute(vigil.database.db);
    expect(audit.rows).toEqual(
      expect.arrayContaining([
        { action: 'user.grant', org_unit_code: 'SITE-B' },
        { action: 'user.revoke', org_unit_code: 'SITE-B' },
        { action: 'user.grant', org_unit_code: 'SITE-A' },
        { action: 'user.grant', org_unit_code: null },
      ]),
    );
    expect(audit.rows).toHaveLength(4);
    const same = await call(admin, 'PUT', `${BASE}/${user.id}/grants`, { grants: [...grants].reverse() });
    expect(same.json<UserRecord>().revision).toBe(after.revision);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from audit_events where resource_id = ${user.id} and action in ('user.grant', 'user.revoke')`.execute(
      vigil.database.db,
    );
    expect(rows[0]!.n).toBe(4);
    // No grant at all: signed in, but holding no permission.
    expect((await call(admin, 'PUT', `${BASE}/${user.id}/grants`, { grants: [] })).json()).toMatchObject({ grants: [] });
    expect((await call(session.headers, 'GET', '/api/v1/ops/info')).statusCode).toBe(403);
  });

  it('resets a password to one given or generated; the old one stops working', async () => {
    const user = await created({ email: 'hana@example.com', password: GOOD, grants: [] });
    const chosen = 'amber-orchard-window-81';
    passwords.add(chosen);
    const given = await call(admin, 'POST', `${BASE}/${user.id}/reset-password`, { password: chosen });
    expect(given.statusCode, given.body).toBe(200);
    expect(given.json<Created>().generatedPassword).toBeUndefined();
    expect(given.body).not.toContain(chosen);
    expect((await login('hana@example.com', GOOD)).statusCode).toBe(401);
    await signIn('hana@example.com', chosen);
    // No body at all: a generated password, answered once.
    const generated = await vigil.app.inject({ method: 'POST', url: `${BASE}/${user.id}/reset-password`, headers: admin });
    expect(generated.statusCode, generated.body).toBe(200);
    const { generatedPassword, user: after } = generated.json<Created>();
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    passwords.add(generatedPassword!);
    expect(after.revision).toBe(user.revision + 2);
    expect((await login('hana@example.com', chosen)).statusCode).toBe(401);
    await signIn('hana@example.com', generatedPassword!);
  });

  it('keeps admins from disabling themselves or dropping their own last admin grant (409)', async () => {
    const me = (await call(admin, 'GET', '/api/auth/me')).json<{ id: string }>();
    const disable = await call(admin, 'PATCH', `${BASE}/${me.id}`, { disabled: true });
    expect(disable.statusCode).toBe(409);
    expect(disable.json().code).toBe('CANNOT_DISABLE_SELF');
    for (const grants of [[], [{ role: 'operator', orgUnitCode: null }]]) {
      const res = await call(admin, 'PUT', `${BASE}/${me.id}/grants`, { grants });
      expect(res.statusCode, JSON.stringify(grants)).toBe(409);
      expect(res.json().code).toBe('CANNOT_REMOVE_OWN_ADMIN');
    }
    const still = (await call(admin, 'GET', `${BASE}/${me.id}`)).json<UserRecord>();
    expect(still).toMatchObject({ status: 'active', grants: [{ role: 'admin', orgUnitCode: null }] });
    // Renaming oneself, or keeping an admin grant while adding another, is fine.
    expect((await call(admin, 'PATCH', `${BASE}/${me.id}`, { name: 'Chief' })).statusCode).toBe(200);
    const more = await call(admin, 'PUT', `${BASE}/${me.id}/grants`, {
      grants: [
        { role: 'admin', orgUnitCode: null },
        { role: 'viewer', orgUnitCode: 'ACME' },
      ],
    });
    expect(more.statusCode).toBe(200);
    expect((await call(admin, 'PUT', `${BASE}/${me.id}/grants`, { grants: [{ role: 'admin' }] })).statusCode).toBe(200);
  });

  describe('an admin whose grant is on a unit', () => {
    let unitAdmin: Headers;
    let unitAdminId: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      unitAdminId = (await created({ email: 'ua@example.com', password: GOOD, grants: [{ role: 'admin', orgUnitCode: 'SITE-A' }] })).id;
      unitAdmin = (await signIn('ua@example.com', GOOD)).headers;
      const people: [string, { role: string; orgUnitCode?: string | null }[]][] = [
        ['in-a1', [{ role: 'operator', orgUnitCode: 'SITE-A1' }]],
        [
          'in-a-twice',
          [
            { role: 'viewer', orgUnitCode: 'SITE-A' },
            { role: 'operator', orgUnitCode: 'SITE-A1' },
          ],
        ],
        ['in-b', [{ role: 'operator', orgUnitCode: 'SITE-B' }]],
        [
          'a-and-b',
          [
            { role: 'viewer', orgUnitCode: 'SITE-A' },
            { role: 'viewer', orgUnitCode: 'SITE-B' },
          ],
        ],
        ['a-and-global', [{ role: 'operator', orgUnitCode: 'SITE-A1' }, { role: 'viewer' }]],
        ['on-acme', [{ role: 'viewer', orgUnitCode: 'ACME' }]],
        ['no-grant', []],
      ];
      for (const [name, grants] of people) ids[name] = (await created({ email: `${name}@scope.example`, password: GOOD, grants })).id;
    });

    it('sees only the users whose grants all lie inside its units', async () => {
      const list = await call(unitAdmin, 'GET', `${BASE}?limit=500`);
      expect(list.statusCode).toBe(200);
      // (Sorted here: how PostgreSQL orders '-' against '1' depends on the database's collation.)
      expect(
        list
          .json<{ items: UserRecord[] }>()
          .items.map((u) => u.email)
          .sort(),
      ).toEqual(['Ana@Example.com', 'in-a-twice@scope.example', 'in-a1@scope.example', 'ua@example.com']);
      for (const name of ['in-a1', 'in-a-twice']) expect((await call(unitAdmin, 'GET', `${BASE}/${ids[name]}`)).statusCode).toBe(200);
      expect((await call(unitAdmin, 'GET', `${BASE}/${unitAdminId}`)).statusCode).toBe(200);
    });

    it('answers 404 USER_NOT_FOUND for users outside its units, to every route, and changes nothing', async () => {
      const admins = (await call(admin, 'GET', `${BASE}?q=${encodeURIComponent(TEST_ADMIN.email)}`)).json<{ items: UserRecord[] }>();
      const outside = [ids['in-b']!, ids['a-and-b']!, ids['a-and-global']!, ids['on-acme']!, ids['no-grant']!, admins.items[0]!.id];
      for (const id of outside) {
        const before = (await call(admin, 'GET', `${BASE}/${id}`)).json<UserRecord>();
        const attempts: [Method, string, unknown][] = [
          ['GET', `${BASE}/${id}`, undefined],
          ['PATCH', `${BASE}/${id}`, { disabled: true }],
          ['PUT', `${BASE}/${id}/grants`, { grants: [{ role: 'viewer', orgUnitCode: 'SITE-A' }] }],
          ['POST', `${BASE}/${id}/reset-password`, {}],
        ];
        for (const [method, url, payload] of attempts) {
          const res = await call(unitAdmin, method, url, payload);
          expect(res.statusCode, `${method} ${url}`).toBe(404);
          expect(res.json().code).toBe('USER_NOT_FOUND');
        }
        expect((await call(admin, 'GET', `${BASE}/${id}`)).json()).toEqual(before);
      }
    });

    it('creates and manages users inside its units', async () => {
      const res = await create({ email: 'new-in-a@scope.example', grants: [{ role: 'operator', orgUnitCode: 'SITE-A1' }] }, unitAdmin);
      expect(res.statusCode, res.body).toBe(201);
      const { user, generatedPassword } = res.json<Created>();
      await signIn('new-in-a@scope.example', generatedPassword!);
      const moved = await call(unitAdmin, 'PUT', `${BASE}/${user.id}/grants`, {
        grants: [
          { role: 'viewer', orgUnitCode: 'SITE-A' },
          { role: 'admin', orgUnitCode: 'SITE-A1' },
        ],
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect((await call(unitAdmin, 'PATCH', `${BASE}/${user.id}`, { disabled: true })).json()).toMatchObject({ status: 'disabled' });
      expect((await call(unitAdmin, 'POST', `${BASE}/${user.id}/reset-password`, {})).statusCode).toBe(200);
      const audit = await sql<{ actor_id: string; action: string }>`
        select actor_id, action from audit_events where resource_type = 'user' and resource_id = ${user.id}`.execute(vigil.database.db);
      expect(new Set(audit.rows.map((r) => r.actor_id))).toEqual(new Set([unitAdminId]));
    });

    it('cannot grant globally, outside its units, or leave a user with no grant (403), even to itself', async () => {
      const before = await userCount();
      const refusals: [{ role: string; orgUnitCode?: string | null }[], Record<string, unknown>][] = [
        [[{ role: 'viewer' }], { orgUnitCode: null }],
        [[{ role: 'admin', orgUnitCode: null }], { orgUnitCode: null }],
        [[{ role: 'operator', orgUnitCode: 'SITE-B' }], { orgUnitCode: 'SITE-B' }],
        [[{ role: 'operator', orgUnitCode: 'ACME' }], { orgUnitCode: 'ACME' }],
        [
          [
            { role: 'operator', orgUnitCode: 'SITE-A' },
            { role: 'viewer', orgUnitCode: 'SITE-B' },
          ],
          { orgUnitCode: 'SITE-B' },
        ],
        [[], { grants: [] }],
      ];
      for (const [grants, details] of refusals) {
        const made = await create({ email: 'escalate@scope.example', grants }, unitAdmin);
        expect(made.statusCode, JSON.stringify(grants)).toBe(403);
        expect(made.json()).toMatchObject({ code: 'FORBIDDEN', details });
        const changed = await call(unitAdmin, 'PUT', `${BASE}/${ids['in-a1']}/grants`, { grants });
        expect(changed.statusCode, JSON.stringify(grants)).toBe(403);
        expect(changed.json()).toMatchObject({ code: 'FORBIDDEN', details });
      }
      const self = await call(unitAdmin, 'PUT', `${BASE}/${unitAdminId}/grants`, { grants: [{ role: 'admin', orgUnitCode: null }] });
      expect(self.statusCode).toBe(403);
      expect(await userCount()).toBe(before);
      expect((await call(admin, 'GET', `${BASE}/${ids['in-a1']}`)).json()).toMatchObject({
        grants: [{ role: 'operator', orgUnitCode: 'SITE-A1' }],
      });
      expect((await call(admin, 'GET', `${BASE}/${unitAdminId}`)).json()).toMatchObject({
        grants: [{ role: 'admin', orgUnitCode: 'SITE-A' }],
      });
    });
  });

  it('refuses operators, viewers and detector keys with 403 FORBIDDEN', async () => {
    const operator = (await signIn('ana@example.com', GOOD)).headers;
    await created({ email: 'ivo@example.com', password: GOOD, grants: [{ role: 'viewer', orgUnitCode: null }] });
    const viewer = (await signIn('ivo@example.com', GOOD)).headers;
    const key = await call(admin, 'POST', '/api/v1/api-keys', { name: 'detector', role: 'detector' });
    const detector = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
    const ana = (await call(admin, 'GET', `${BASE}/${anaId}`)).json<UserRecord>();
    const routes: [Method, string, unknown, string][] = [
      ['GET', BASE, undefined, 'users:read'],
      ['GET', `${BASE}/${ana.id}`, undefined, 'users:read'],
      ['POST', BASE, { email: 'sneaky@example.com', grants: [{ role: 'admin' }] }, 'users:write'],
      ['PATCH', `${BASE}/${ana.id}`, { disabled: true }, 'users:write'],
      ['PUT', `${BASE}/${ana.id}/grants`, { grants: [{ role: 'admin' }] }, 'users:write'],
      ['POST', `${BASE}/${ana.id}/reset-password`, {}, 'users:write'],
    ];
    for (const headers of [operator, viewer, detector]) {
      for (const [method, url, payload, permission] of routes) {
        const res = await call(headers, method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json()).toMatchObject({ code: 'FORBIDDEN', details: { permission } });
      }
    }
    expect((await call(admin, 'GET', `${BASE}/${ana.id}`)).json()).toEqual(ana);
    // Without credentials: 401.
    expect((await vigil.app.inject({ method: 'GET', url: BASE })).statusCode).toBe(401);
  });

  it('lets an admin API key manage users, audited as the key', async () => {
    const key = await call(admin, 'POST', '/api/v1/api-keys', { name: 'provisioner', role: 'admin' });
    const headers = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
    const user = await created({ email: 'jo@example.com', grants: [{ role: 'viewer', orgUnitCode: 'SITE-B' }] }, headers);
    const { rows } = await sql<{ actor_type: string; actor_id: string }>`
      select actor_type, actor_id from audit_events where action = 'user.create' and resource_id = ${user.id}`.execute(vigil.database.db);
    expect(rows).toEqual([{ actor_type: 'api_key', actor_id: key.json<{ apiKey: { id: string } }>().apiKey.id }]);
  });

  it('audited every write of this file, by whom and in which request, and never a password, here or in the log', async () => {
    const { rows } = await sql<{ action: string; actor_type: string; request_id: string | null; before: unknown; after: unknown }>`
      select action, actor_type, request_id, before, after from audit_events where resource_type = 'user' and actor_type <> 'system'`.execute(
      vigil.database.db,
    );
    const actions = new Set(rows.map((r) => r.action));
    for (const action of [
      'user.create',
      'user.grant',
      'user.revoke',
      'user.update',
      'user.disable',
      'user.enable',
      'user.reset_password',
    ]) {
      expect(actions, action).toContain(action);
    }
    for (const row of rows) expect(row.request_id, row.action).toEqual(expect.any(String));
    const disable = rows.find((r) => r.action === 'user.disable')!;
    expect(disable.after).toMatchObject({ status: 'disabled', sessionsEnded: expect.any(Number) });
    const reset = rows.filter((r) => r.action === 'user.reset_password').map((r) => r.after);
    expect(reset).toEqual(expect.arrayContaining([{ generated: true }, { generated: false }]));
    const trail = JSON.stringify(rows);
    const log = vigil.logs.text();
    expect(passwords.size).toBeGreaterThan(5);
    for (const password of passwords) {
      expect(trail).not.toContain(password);
      expect(log).not.toContain(password);
    }
    expect(trail).not.toContain('argon2');
  });
});
