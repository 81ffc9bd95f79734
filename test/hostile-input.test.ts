// Inputs that cannot be stored or served are refused with a 4xx in the unified shape, never a 500,
// and store nothing: a NUL character or a lone surrogate in any query parameter or JSON string
// (PostgreSQL text cannot hold them), JSON nested thousands of levels deep, a camera filter on a
// unit the caller cannot see, and paths that climb out of the docs UI's static folder.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/platform/http/input.js';
import { TEST_ADMIN, startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNITS = '/api/v1/organization-units';
const CAMERAS = '/api/v1/cameras';

/** The tables that hold what Vigil stores for people (sessions and runtime tables change by themselves). */
const STORED = ['users', 'role_grants', 'api_keys', 'org_units', 'org_unit_versions', 'cameras', 'camera_events', 'audit_events'];

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

function expectUnified(res: Answer, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.json()).toEqual({
    code,
    message: expect.any(String),
    details: expect.any(Object),
    timestamp: expect.stringMatching(ISO),
    requestId: res.headers['x-request-id'],
  });
}

/** `depth` levels of arrays: `[[[...]]]`. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('hostile input', () => {
  let vigil: TestVigil;
  let admin: Record<string, string>;
  let operator: Record<string, string>;
  let cameraId: string;

  const send = (
    headers: Record<string, string>,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<Answer> =>
    vigil.app.inject({
      method,
      url,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      payload: body,
    });

  /** A fingerprint of every stored row, to show that refused requests changed nothing. */
  async function stored(): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const table of STORED) {
      const { rows } = await sql<{ digest: string | null; n: string | number }>`
        select md5(string_agg(t::text, ',' order by t::text)) as digest, count(*) as n from ${sql.table(table)} t`.execute(
        vigil.database.db,
      );
      result[table] = `${String(rows[0]?.n)}:${rows[0]?.digest ?? ''}`;
    }
    return result;
  }

  async function storesNothing(requests: () => Promise<void>) {
    const before = await stored();
    await requests();
    expect(await stored()).toEqual(before);
  }

  async function addUser(email: string, role: string, unit: string | null) {
    const db = vigil.database.db;
    await sql`insert into users (id, email, display_name, password_hash)
              select gen_random_uuid(), ${email}, ${email}, password_hash from users where email = ${TEST_ADMIN.email}`.execute(db);
    await sql`insert into role_grants (id, user_id, role, org_unit_code)
              select gen_random_uuid(), id, ${role}, ${unit} from users where email = ${email}`.execute(db);
    const res = await send({}, 'POST', '/api/auth/login', JSON.stringify({ email, password: TEST_ADMIN.password }));
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  }

  beforeAll(async () => {
    vigil = await startTestVigil({ env: { VIGIL_CAMERA_AUTO_START: 'false' } });
    admin = await vigil.adminAuth();
    for (const unit of [
      { code: 'ACME', name: 'Acme', unitType: 'ORGANIZATION', effectiveDate: '2026-01-01' },
      { code: 'R1', name: 'Region 1', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' },
      { code: 'R2', name: 'Region 2', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2026-01-01' },
    ]) {
      expect((await send(admin, 'POST', UNITS, JSON.stringify(unit))).statusCode).toBe(201);
    }
    const camera = await send(
      admin,
      'POST',
      CAMERAS,
      JSON.stringify({ orgUnitCode: 'R1', name: 'Gate', sourceUrl: 'http://127.0.0.1:9/stream.mjpg' }),
    );
    expect(camera.statusCode).toBe(201);
    cameraId = camera.json<{ id: string }>().id;
    operator = await addUser('op-r1@example.com', 'operator', 'R1');
  });
  afterAll(() => vigil.stop());

  describe('a NUL character or a lone surrogate', () => {
    // Every query parameter that reaches SQL as text, on every list that takes one.
    const queries = [
      `${UNITS}?q=`,
      `${CAMERAS}?q=`,
      `/api/v1/audit?actorId=`,
      `/api/v1/audit?resourceType=`,
      `/api/v1/audit?resourceId=`,
      `/api/v1/audit?orgUnitCode=`,
      `/api/v1/api-keys?cursor=`,
      `/api/v1/ops/migrations?cursor=`,
      `${CAMERAS}/${'00000000-0000-7000-8000-000000000000'}/logs?cursor=`,
    ];
    it('in a query parameter is 400 VALIDATION_FAILED naming the parameter', async () => {
      await storesNothing(async () => {
        for (const url of queries) {
          const res = await send(admin, 'GET', `${url}a%00b`);
          expectUnified(res, 400, 'VALIDATION_FAILED');
          const name = url.slice(url.indexOf('?') + 1, -1);
          expect(res.json<{ details: { errors: unknown[] } }>().details.errors, url).toEqual([
            { path: `querystring.${name}`, message: 'must not contain the NUL character (U+0000)' },
          ]);
        }
      });
    });

    it('cannot be spelled as a lone surrogate in a URL (its UTF-8 is invalid): never a 5xx', async () => {
      for (const url of queries) expect((await send(admin, 'GET', `${url}a%ED%A0%80b`)).statusCode, url).toBeLessThan(500);
    });

    it('in a path parameter is 400 VALIDATION_FAILED', async () => {
      await storesNothing(async () => {
        for (const url of [`${UNITS}/A%00B`, `${UNITS}/A%00B/tree`, `${CAMERAS}/a%00b`, `/api/docs/static/a%00b`]) {
          expectUnified(await send(admin, 'GET', url), 400, 'VALIDATION_FAILED');
        }
      });
    });

    // [method, url, body with the value at `path`], for every route with a text field that is stored or looked up.
    const bodies = (bad: string): [string, 'POST' | 'PUT' | 'PATCH', string, unknown][] => [
      ['body.name', 'POST', UNITS, { code: 'X1', name: bad, unitType: 'SITE', parentCode: 'R1' }],
      ['body.description', 'POST', UNITS, { code: 'X1', name: 'x', unitType: 'SITE', parentCode: 'R1', description: bad }],
      ['body.attributes.note', 'POST', UNITS, { code: 'X1', name: 'x', unitType: 'SITE', parentCode: 'R1', attributes: { note: bad } }],
      ['body.attributes.list.1.deep', 'POST', UNITS, { code: 'X1', name: 'x', unitType: 'SITE', attributes: { list: [1, { deep: bad }] } }],
      ['body.changeReason', 'POST', UNITS, { code: 'X1', name: 'x', unitType: 'SITE', parentCode: 'R1', changeReason: bad }],
      ['body.name', 'POST', `${UNITS}/R1/versions`, { effectiveDate: '2026-06-01', name: bad }],
      ['body.attributes.a', 'PUT', `${UNITS}/R1/versions/2026-01-01`, { attributes: { a: bad } }],
      ['body.reason', 'POST', `${UNITS}/R1/suspend`, { effectiveDate: '2026-06-01', reason: bad }],
      ['body.versions.0.name', 'POST', `${UNITS}/import`, { versions: [{ code: 'X2', name: bad }] }],
      ['body.name', 'POST', CAMERAS, { orgUnitCode: 'R1', name: bad, sourceUrl: 'http://127.0.0.1:9/a.mjpg' }],
      ['body.sourceUrl', 'POST', CAMERAS, { orgUnitCode: 'R1', name: 'x', sourceUrl: `http://127.0.0.1:9/${bad}` }],
      [
        'body.credentials.password',
        'POST',
        CAMERAS,
        { orgUnitCode: 'R1', name: 'x', sourceUrl: 'http://127.0.0.1:9/a.mjpg', credentials: { username: 'u', password: bad } },
      ],
      ['body.name', 'PATCH', `${CAMERAS}/CAMERA`, { name: bad }],
      ['body.name', 'POST', '/api/v1/api-keys', { name: bad, role: 'viewer' }],
      ['body.email', 'POST', '/api/auth/login', { email: `${bad}@example.com`, password: 'whatever-it-is' }],
      ['body.password', 'POST', '/api/auth/login', { email: TEST_ADMIN.email, password: bad }],
      ['body.refreshToken', 'POST', '/api/auth/refresh', { refreshToken: `vgr_${bad}xxxxxxxxxxxx` }],
    ];

    for (const [what, bad] of [
      ['NUL', 'a\u0000b'],
      ['a lone high surrogate', 'a\ud800b'],
      ['a lone low surrogate', 'a\udc00b'],
    ] as const) {
      it(`in any JSON string (${what}) is 400 VALIDATION_FAILED naming the field, and stores nothing`, async () => {
        await storesNothing(async () => {
          for (const [path, method, url, body] of bodies(bad)) {
            // JSON.stringify escapes a lone surrogate as \ud800, as a hostile client would send it.
            const res = await send(admin, method, url.replace('CAMERA', cameraId), JSON.stringify(body));
            expectUnified(res, 400, 'VALIDATION_FAILED');
            expect(res.json<{ details: { errors: unknown[] } }>().details.errors, `${method} ${url}`).toEqual([
              { path, message: expect.stringMatching(what === 'NUL' ? /NUL/ : /surrogate/) },
            ]);
          }
        });
      });
    }

    it('in a JSON key is 400 VALIDATION_FAILED', async () => {
      await storesNothing(async () => {
        const res = await send(admin, 'POST', UNITS, '{"code":"X1","name":"x","unitType":"SITE","attributes":{"a\\u0000":1,"b\\ud800":2}}');
        expectUnified(res, 400, 'VALIDATION_FAILED');
        expect(res.json<{ details: { errors: { path: string }[] } }>().details.errors.map((e) => e.path)).toEqual([
          'body.attributes.a\\u0000',
          'body.attributes.b\\ud800',
        ]);
      });
    });

    it('in a CSV import is 400 VALIDATION_FAILED', async () => {
      await storesNothing(async () => {
        const csv =
          'code,name,unitType,parentCode,status,sortOrder,description,attributes,effectiveDate,endDate,changeReason\nX3,a\u0000b,SITE,R1,ACTIVE,0,,{},2026-01-01,,\n';
        expectUnified(await send(admin, 'POST', `${UNITS}/import`, csv, 'text/csv'), 400, 'VALIDATION_FAILED');
      });
    });

    it('is still accepted as a well-formed pair (an emoji) and as U+FFFD', async () => {
      const res = await send(admin, 'POST', UNITS, JSON.stringify({ code: 'EMOJI', name: 'Site \ud83d\udcf7 \ufffd', unitType: 'SITE' }));
      expect(res.statusCode).toBe(201);
      expect(res.json<{ name: string }>().name).toBe('Site 📷 \ufffd');
    });
  });

  describe('deeply nested JSON', () => {
    it(`is 400 JSON_TOO_DEEP beyond ${MAX_JSON_DEPTH} levels, on every JSON route, and stores nothing`, async () => {
      await storesNothing(async () => {
        for (const [method, url] of [
          ['POST', UNITS],
          ['PUT', `${UNITS}/R1/versions/2026-01-01`],
          ['POST', `${UNITS}/import`],
          ['POST', CAMERAS],
          ['PATCH', `${CAMERAS}/${cameraId}`],
          ['POST', '/api/v1/api-keys'],
          ['POST', '/api/auth/login'],
        ] as const) {
          const body = `{"code":"X9","name":"x","unitType":"SITE","attributes":{"a":${nested(5000)}}}`;
          const res = await send(admin, method, url, body);
          expectUnified(res, 400, 'JSON_TOO_DEEP');
          expect(res.json<{ details: unknown }>().details).toEqual({ maxDepth: MAX_JSON_DEPTH });
        }
        // One more level than the limit is refused; a top-level array counts too.
        const attributes = (depth: number) => `{"code":"X8","name":"x","unitType":"SITE","attributes":{"a":${nested(depth)}}}`;
        expectUnified(await send(admin, 'POST', UNITS, attributes(MAX_JSON_DEPTH - 1)), 400, 'JSON_TOO_DEEP');
        expectUnified(await send(admin, 'POST', UNITS, nested(MAX_JSON_DEPTH + 1)), 400, 'JSON_TOO_DEEP');
      });
    });

    it(`accepts ${MAX_JSON_DEPTH} levels and stores them`, async () => {
      // body (1) → attributes (2) → a (3) → 62 levels of arrays: 64.
      const res = await send(
        admin,
        'POST',
        UNITS,
        `{"code":"DEEP","name":"x","unitType":"SITE","attributes":{"a":${nested(MAX_JSON_DEPTH - 2)}}}`,
      );
      expect(res.statusCode).toBe(201);
      expect(JSON.stringify(res.json<{ attributes: unknown }>().attributes)).toBe(`{"a":${nested(MAX_JSON_DEPTH - 2)}}`);
    });
  });

  describe('numbers in the URL beyond what a number can hold', () => {
    it('is 400 VALIDATION_FAILED for a query or path integer of 1e309 (Infinity once coerced), never a 500', async () => {
      for (const url of [
        '/api/v1/ops/migrations/1e309',
        '/api/v1/ops/migrations?limit=1e309',
        '/api/v1/ops/migrations?limit=-1e309',
        `${CAMERAS}?limit=1e400`,
        `${UNITS}/ACME/tree?depth=1e309`,
      ]) {
        const res = await send(admin, 'GET', url);
        expectUnified(res, 400, 'VALIDATION_FAILED');
        expect(res.json<{ message: string }>().message, url).toMatch(/must be a finite number|must be [<>]=/);
      }
    });
  });

  describe('instants that RFC 3339 allows and no clock reaches', () => {
    it('is 400 VALIDATION_FAILED for a leap second in a from/to filter, never a 500', async () => {
      const audit = await send(admin, 'GET', '/api/v1/audit?to=9999-12-31T23:59:60Z');
      expectUnified(audit, 400, 'VALIDATION_FAILED');
      const logs = await send(admin, 'GET', `${CAMERAS}/${cameraId}/logs?from=2026-06-30T23:59:60Z`);
      expectUnified(logs, 400, 'VALIDATION_FAILED');
      expect(logs.json<{ details: { errors: { path: string }[] } }>().details.errors[0]!.path).toBe('querystring.from');
    });
  });

  describe('a forged cursor', () => {
    const forge = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
    it('is 400 INVALID_CURSOR on every list, when it is no JSON, has the wrong shape or holds values no page makes; never a 500', async () => {
      // [list, forged positions]: each has the keys the list's own cursors have, with values SQL cannot take.
      const lists: [string, unknown[]][] = [
        [UNITS, [{ c: 'a\u0000b' }, { c: 1 }]],
        [CAMERAS, [{ i: 'not-a-uuid' }, { i: 'a\u0000b' }, { i: 7 }]],
        [
          `${CAMERAS}/${cameraId}/logs`,
          [
            { at: 'yesterday', id: '00000000-0000-7000-8000-000000000000' },
            { at: new Date().toISOString(), id: 'x' },
          ],
        ],
        [
          '/api/v1/api-keys',
          [
            { at: 'yesterday', id: '00000000-0000-7000-8000-000000000000' },
            { at: new Date().toISOString(), id: 'x' },
          ],
        ],
        ['/api/v1/audit', [{ at: 'yesterday', id: '00000000-0000-7000-8000-000000000000' }]],
        ['/api/v1/ops/migrations', [{ v: 1e20 }, { v: -1e20 }, { v: 1.5 }]],
      ];
      for (const [list, positions] of lists) {
        for (const cursor of ['%%%', 'bm90LWpzb24', forge([]), forge(null), forge('x'), forge({}), ...positions.map(forge)]) {
          const res = await send(admin, 'GET', `${list}?cursor=${cursor}`);
          expect(res.statusCode, `${list} ${Buffer.from(cursor, 'base64url').toString()}`).toBe(400);
          expectUnified(res, 400, 'INVALID_CURSOR');
        }
      }
    });
  });

  describe('a camera filter on a unit the caller cannot see', () => {
    it('answers the empty list to a unit-scoped operator, for a unit outside its scope or unknown', async () => {
      await storesNothing(async () => {
        for (const code of ['R2', 'NOPE']) {
          const res = await send(operator, 'GET', `${CAMERAS}?orgUnitCode=${code}`);
          expect({ code, status: res.statusCode, body: res.json() }).toEqual({ code, status: 200, body: { items: [], nextCursor: null } });
        }
      });
      // Its own unit, or one above it, lists the cameras inside its scope.
      for (const code of ['R1', 'ACME']) {
        const res = await send(operator, 'GET', `${CAMERAS}?orgUnitCode=${code}`);
        expect(res.json<{ items: { id: string }[] }>().items.map((c) => c.id)).toEqual([cameraId]);
      }
    });
  });

  describe('the docs UI static files', () => {
    it('answer 404 NOT_FOUND to paths that climb out of their folder, never the file', async () => {
      await storesNothing(async () => {
        for (const url of [
          '/api/docs/static/..%5c..%5cpackage.json',
          '/api/docs/static/..%5C..%5C..%5C..%5Cpackage.json',
          '/api/docs/static/%2e%2e%5c%2e%2e%5cpackage.json',
          '/api/docs/static/..%2f..%2fpackage.json',
          '/api/docs/static/%2e%2e%2f%2e%2e%2fpackage.json',
          '/api/docs/static/..%255c..%255cpackage.json',
          '/api/docs/static/swagger-ui.css%5c..%5c..%5c..%5cpackage.json',
          '/api/docs/static/..%5c..%5c..%5c..%5c..%5c..%5cetc/passwd',
        ]) {
          const res = await send(admin, 'GET', url);
          expectUnified(res, 404, 'NOT_FOUND');
          expect(res.body).not.toMatch(/"dependencies"|root:/);
        }
      });
      // The files themselves are still served.
      const css = await send({}, 'GET', '/api/docs/static/swagger-ui.css');
      expect(css.statusCode).toBe(200);
    });

    it('answer an unsatisfiable range with 416 in the unified shape', async () => {
      const res = await vigil.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui.css', headers: { range: 'bytes=999999999-' } });
      expectUnified(res, 416, 'RANGE_NOT_SATISFIABLE');
    });
  });
});
