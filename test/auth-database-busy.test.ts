// A valid credential met with a busy database is a 503, never an authentication failure. The
// database is made busy honestly: the pool has one connection, and the test holds it in open
// transactions through the app's own database handle, so the request's wait for a connection times
// out (pg-pool's connection timeout, VIGIL_DB_CONNECT_TIMEOUT_MS). PGlite has no pool and runs one
// query at a time (a request only waits its turn), so this runs on real PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenKeys } from '../src/modules/auth/index.js';
import { loadSecretBox } from '../src/platform/secrets.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { realDatabaseUrl } from './helpers/databases.js';
import { pollUntil } from './helpers/poll.js';

interface Answer {
  statusCode: number;
  json(): unknown;
}

describe.runIf(realDatabaseUrl)('authentication while the database is busy (PostgreSQL)', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil({ env: { VIGIL_DB_POOL_SIZE: '1', VIGIL_DB_CONNECT_TIMEOUT_MS: '1500' } });
  });
  afterAll(() => vigil?.stop());

  const waiting = () => vigil.database.poolStats()?.waiting ?? 0;

  /** Takes the pool's connection as soon as it is free, in a transaction kept open until released. */
  function hold() {
    let release!: () => void;
    let taken!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const took = new Promise<void>((resolve) => (taken = resolve));
    const done = vigil.database.db.transaction().execute(async () => {
      taken();
      await released;
    });
    return { took, release: async () => (release(), await done) };
  }

  /** Sends a request while the pool's only connection is held: its first query times out. */
  async function whileHeld(send: () => Promise<Answer>): Promise<Answer> {
    const holder = hold();
    await holder.took;
    try {
      return await send();
    } finally {
      await holder.release();
    }
  }

  /**
   * Sends a request whose first query gets the connection and whose next one times out: the request
   * queues behind a holder, a second holder queues behind the request, the first lets go. pg-pool
   * hands connections out first come, first served, so the second holder has it when the request
   * asks again. (Under load this is what happens to some requests by chance.)
   */
  async function secondQueryStarved(send: () => Promise<Answer>): Promise<Answer> {
    const first = hold();
    await first.took;
    const before = waiting();
    const answer = send();
    await pollUntil(waiting, (n) => n > before, { intervalMs: 1, what: 'the request to wait for a connection' });
    const second = hold();
    await pollUntil(waiting, (n) => n > before + 1, { intervalMs: 1, what: 'the second holder to queue' });
    await first.release();
    try {
      return await answer;
    } finally {
      await second.release();
    }
  }

  const login = async (mode?: 'cookie') => {
    const res = await vigil.app.inject({ method: 'POST', url: '/api/auth/login', payload: { ...TEST_ADMIN, ...(mode ? { mode } : {}) } });
    expect(res.statusCode).toBe(200);
    return res;
  };
  const bearer = (token: string) => () =>
    vigil.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });

  const expectUnavailable = (res: Answer) => {
    expect(res.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(res.statusCode).toBe(503);
  };

  it('answers a valid access token 503 DATABASE_UNAVAILABLE, not 401, whichever query of its check fails', async () => {
    const { accessToken } = (await login()).json<{ accessToken: string }>();
    expectUnavailable(await whileHeld(bearer(accessToken)));
    // The session was read, then the user could not be.
    expectUnavailable(await secondQueryStarved(bearer(accessToken)));
    // The token is still good once the database answers.
    expect((await bearer(accessToken)()).statusCode).toBe(200);
  });

  it('answers the access cookie 503, not 401', async () => {
    const res = await login('cookie');
    const cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
    const send = () => vigil.app.inject({ method: 'GET', url: '/api/auth/me', cookies });
    expectUnavailable(await whileHeld(send));
    expectUnavailable(await secondQueryStarved(send));
    expect((await send()).statusCode).toBe(200);
  });

  it('answers an API key 503, not 401', async () => {
    const { accessToken } = (await login()).json<{ accessToken: string }>();
    const created = await vigil.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { name: 'busy-db', role: 'viewer' },
    });
    const { key } = created.json<{ key: string }>();
    const send = () => vigil.app.inject({ method: 'GET', url: '/api/v1/ops/info', headers: { authorization: `Bearer ${key}` } });
    expectUnavailable(await whileHeld(send));
    expectUnavailable(await secondQueryStarved(send));
    expect((await send()).statusCode).toBe(200);
  });

  it('answers a token of a signing key this process has not loaded yet 503, not 401, while the keys cannot be read', async () => {
    const { accessToken } = (await login()).json<{ accessToken: string }>();
    const { sub, sid } = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sub: string; sid: string };
    // Another process rotates the keys and signs with the new one; this one reads the keys on meeting it.
    const secrets = await loadSecretBox({ configured: undefined, dataDir: vigil.config.dataDir, mode: 'test', log: vigil.log });
    const other = createTokenKeys({
      db: vigil.database.db,
      secrets,
      settings: { issuer: vigil.config.auth.issuer, audience: vigil.config.auth.audience, ttlS: 900, clockSkewS: 0 },
    });
    await other.init();
    await other.rotate({ type: 'system', id: null });
    const { token } = await other.sign(sub, sid);
    expectUnavailable(await whileHeld(bearer(token)));
    expect((await bearer(token)()).statusCode).toBe(200);
  });
});
