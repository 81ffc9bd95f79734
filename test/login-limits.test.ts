import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

describe('brute-force limits on sign-in', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(() => vigil.stop());

  const login = (password: string, ip = '10.0.0.1', email = TEST_ADMIN.email) =>
    vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });

  /** How many answers had each status, e.g. { 401: 5, 429: 55 }. */
  const statuses = (answers: { statusCode: number }[]) =>
    answers.reduce<Record<number, number>>((tally, { statusCode }) => ({ ...tally, [statusCode]: (tally[statusCode] ?? 0) + 1 }), {});

  it('blocks an account after 5 failures in 15 minutes, even with the right password, with Retry-After', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`wrong-password-${i}-xx`)).json().code).toBe('INVALID_CREDENTIALS');
    const blocked = await login(TEST_ADMIN.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', details: { retryAfterSeconds: expect.any(Number) } });
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // From another address too: the limit is per account.
    expect((await login(TEST_ADMIN.password, '10.0.0.2')).statusCode).toBe(429);
  });

  it('blocks an address after 20 failures, whichever accounts it tries', async () => {
    for (let i = 0; i < 20; i++) await login('wrong-password-xx-yy', '10.9.9.9', `someone${i}@example.com`);
    const res = await login('wrong-password-xx-yy', '10.9.9.9', 'fresh@example.com');
    expect(res.statusCode).toBe(429);
    // Another address is not affected.
    expect((await login('wrong-password-xx-yy', '10.9.9.10', 'fresh@example.com')).statusCode).toBe(401);
  });

  it("lets a success clear the account's failures without counting it against the address", async () => {
    const email = 'keeper@example.com';
    await sql`insert into users (id, email, display_name, password_hash)
              select gen_random_uuid(), ${email}, 'keeper', password_hash from users where email = ${TEST_ADMIN.email}`.execute(
      vigil.database.db,
    );
    for (let i = 0; i < 4; i++) expect((await login(`wrong-password-${i}-xx`, '10.4.0.1', email)).statusCode).toBe(401);
    expect((await login(TEST_ADMIN.password, '10.4.0.1', email)).statusCode).toBe(200);
    // The account starts over: 5 more failures before it is blocked.
    for (let i = 0; i < 5; i++) expect((await login(`wrong-password-${i}-yy`, '10.4.0.2', email)).statusCode).toBe(401);
    expect((await login(TEST_ADMIN.password, '10.4.0.2', email)).statusCode).toBe(429);
    // 10.4.0.1 has 4 failures and a success: 16 more failures before the address is blocked.
    for (let i = 0; i < 16; i++) expect((await login('wrong-password-xx-yy', '10.4.0.1', `other${i}@example.com`)).statusCode).toBe(401);
    expect((await login('wrong-password-xx-yy', '10.4.0.1', 'fresh@example.com')).statusCode).toBe(429);
  });

  it('checks at most 5 guesses at one account when 60 arrive at once from one address', async () => {
    const email = 'parallel-one@example.com';
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => login(`wrong-password-${i}-zz`, '10.1.0.1', email)));
    expect(statuses(answers)).toEqual({ 401: 5, 429: 55 });
    for (const answer of answers.filter((a) => a.statusCode === 429)) expect(answer.json().code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('checks at most 5 guesses at one account when 60 arrive at once from 60 addresses', async () => {
    const email = 'parallel-many@example.com';
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => login(`wrong-password-${i}-zz`, `10.2.0.${i + 1}`, email)));
    expect(statuses(answers)).toEqual({ 401: 5, 429: 55 });
  });

  it('checks at most 20 guesses from one address when 60 arrive at once for 60 accounts', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login('wrong-password-xx-yy', '10.3.0.1', `spray${i}@example.com`)),
    );
    expect(statuses(answers)).toEqual({ 401: 20, 429: 40 });
  });
});
