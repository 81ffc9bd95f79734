// Import and export of org units over HTTP: an export re-imports into an empty Vigil as the same
// timelines (JSON and CSV); an import is checked in full and written all at once or not at all.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

const BASE = '/api/v1/organization-units';

interface Problem {
  line: number;
  field: string | null;
  message: string;
}

async function post(vigil: TestVigil, url: string, payload: object, headers?: Record<string, string>) {
  const res = await vigil.app.inject({ method: 'POST', url, headers: headers ?? (await vigil.adminAuth()), payload });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const importCsv = async (vigil: TestVigil, text: string, query = '', headers?: Record<string, string>, contentType = 'text/csv') =>
  vigil.app.inject({
    method: 'POST',
    url: `${BASE}/import${query}`,
    headers: { ...(headers ?? (await vigil.adminAuth())), 'content-type': contentType },
    payload: text,
  });

const importJson = async (vigil: TestVigil, body: object, query = '', headers?: Record<string, string>) =>
  vigil.app.inject({ method: 'POST', url: `${BASE}/import${query}`, headers: headers ?? (await vigil.adminAuth()), payload: body });

const exportOf = async (vigil: TestVigil, query = '', headers?: Record<string, string>) =>
  vigil.app.inject({ method: 'GET', url: `${BASE}/export${query}`, headers: headers ?? (await vigil.adminAuth()) });

/** Every unit's timeline as the API shows it, without what an import sets anew (revision, who and when). */
async function timelines(vigil: TestVigil): Promise<Record<string, unknown[]>> {
  const { rows } = await sql<{ code: string }>`select code from org_units order by code`.execute(vigil.database.db);
  const out: Record<string, unknown[]> = {};
  for (const { code } of rows) {
    const res = await vigil.app.inject({ method: 'GET', url: `${BASE}/${code}/versions`, headers: await vigil.adminAuth() });
    expect(res.statusCode).toBe(200);
    out[code] = res
      .json<{ items: Record<string, unknown>[] }>()
      .items.map(({ revision: _r, changedAt: _a, changedBy: _b, ...version }) => version);
  }
  return out;
}

async function counts(vigil: TestVigil) {
  const { rows } = await sql<{ units: number; versions: number; audits: number }>`
    select (select count(*)::int from org_units) as units, (select count(*)::int from org_unit_versions) as versions,
           (select count(*)::int from audit_events where action = 'org_unit.import') as audits`.execute(vigil.database.db);
  return rows[0]!;
}

async function keyHeaders(vigil: TestVigil, name: string, role: string, orgUnitCode?: string) {
  const { key } = await post(vigil, '/api/v1/api-keys', { name, role, ...(orgUnitCode ? { orgUnitCode } : {}) });
  return { authorization: `Bearer ${key as string}` };
}

const HEADER = 'code,name,unitType,parentCode,status,sortOrder,description,attributes,effectiveDate,endDate,changeReason';
/** A valid import under ACME; line numbers as in the file (the header is line 1). */
const GOOD_LINES = [
  HEADER, // 1
  'IMP-R,Imported region,REGION,ACME,ACTIVE,0,,{},2024-01-01,2024-12-31,', // 2
  'IMP-R,Imported region (renamed),REGION,ACME,ACTIVE,0,,{},2025-01-01,,renamed', // 3
  'IMP-S1,Site one,SITE,IMP-R,ACTIVE,1,"Gate 1, north","{""k"":1}",2024-01-01,,', // 4
  'IMP-S2,Site two,SITE,IMP-R,ACTIVE,2,,{},2024-03-01,2024-06-30,', // 5
  'IMP-S2,Site two,SITE,IMP-S1,ACTIVE,2,,{},2024-07-01,,moved', // 6
  'IMP-T1,Team one,TEAM,IMP-S2,ACTIVE,0,,{},2024-05-01,,', // 7
  'IMP-T2,Team two,TEAM,IMP-S1,ACTIVE,0,,{},2024-02-01,,', // 8
];
const csvOf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const withLine = (line: number, text: string) => GOOD_LINES.map((l, i) => (i === line - 1 ? text : l));

describe('org unit import and export', () => {
  let source: TestVigil;
  let siteCode: string;

  beforeAll(async () => {
    source = await startTestVigil();
    await post(source, BASE, {
      code: 'ACME',
      name: 'Acme',
      unitType: 'ORGANIZATION',
      effectiveDate: '2020-01-01',
      description: 'Acme, "the" company\nsecond line',
      attributes: { country: 'DE', tags: ['a', 'b,c'], nested: { quote: '"', n: 1.5, none: null } },
      changeReason: 'founded',
    });
    await post(source, BASE, { code: 'NORTH', name: 'North', unitType: 'REGION', parentCode: 'ACME', effectiveDate: '2020-01-01' });
    await post(source, `${BASE}/NORTH/versions`, {
      effectiveDate: '2021-06-01',
      name: 'North & East, Ltd.',
      changeReason: 'merger, "big" one',
    });
    await post(source, BASE, {
      code: 'SOUTH',
      name: 'South',
      unitType: 'REGION',
      parentCode: 'ACME',
      effectiveDate: '2020-03-01',
      sortOrder: 2,
    });
    const site = await post(source, BASE, { name: 'Harbour site', unitType: 'SITE', parentCode: 'NORTH', effectiveDate: '2020-02-01' });
    siteCode = site.code as string;
    await post(source, BASE, {
      code: 'TEAM-1',
      name: 'Night shift',
      unitType: 'TEAM',
      parentCode: siteCode,
      effectiveDate: '2021-01-01',
      description: '',
      sortOrder: -5,
    });
    await post(source, `${BASE}/${siteCode}/versions`, { effectiveDate: '2022-01-01', parentCode: 'SOUTH', changeReason: 'moved south' });
    await post(source, `${BASE}/${siteCode}/suspend`, { effectiveDate: '2023-01-01', reason: 'closed, for now', cascade: true });
    await post(source, `${BASE}/ACME/versions`, { effectiveDate: '2030-01-01', name: 'Acme Group' });
  });
  afterAll(() => source.stop());

  describe('round trip into an empty Vigil', () => {
    let target: TestVigil;
    beforeAll(async () => {
      target = await startTestVigil();
    });
    afterAll(() => target.stop());

    it('gives the same timelines from a JSON export', async () => {
      const exported = await exportOf(source);
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^application\/json/);
      const body = exported.json<{
        versions: { code: string; parentCode: string | null; effectiveDate: string; endDate: string | null }[];
      }>();
      // Every row comes after a row of its parent in force on its first day, even the site's
      // version under SOUTH (which sorts after NORTH, where the site started); versions oldest first.
      body.versions.forEach((row, i) => {
        if (row.parentCode === null) return;
        const parentBefore = body.versions
          .slice(0, i)
          .some((p) => p.code === row.parentCode && p.effectiveDate <= row.effectiveDate && (p.endDate ?? '9999') >= row.effectiveDate);
        expect(parentBefore, `${row.code} from ${row.effectiveDate} under ${row.parentCode}`).toBe(true);
      });
      expect(body.versions.filter((v) => v.code === siteCode).map((v) => v.parentCode)).toEqual(['NORTH', 'SOUTH', 'SOUTH']);
      const acme = body.versions.filter((v) => v.code === 'ACME').map((v) => v.effectiveDate);
      expect(acme).toEqual(['2020-01-01', '2030-01-01']);

      const imported = await importJson(target, body);
      expect(imported.statusCode).toBe(201);
      expect(imported.json()).toMatchObject({ dryRun: false, units: 5, versions: body.versions.length });
      expect(await timelines(target)).toEqual(await timelines(source));
    });

    it('gives the same timelines from a CSV export, quoted commas, quotes and line breaks included', async () => {
      const exported = await exportOf(source, '?format=csv');
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(exported.headers['content-disposition']).toBe('attachment; filename="org-units-all.csv"');
      const text = exported.body;
      expect(text.startsWith(`${HEADER}\r\n`)).toBe(true);
      expect(text).toContain('"Acme, ""the"" company\nsecond line"');
      expect(text).toContain('"merger, ""big"" one"');
      // The empty description stays apart from none at all.
      expect(text).toMatch(/TEAM-1,Night shift,TEAM,\d+,ACTIVE,-5,"",\{\},2021-01-01/);

      const csvTarget = await startTestVigil();
      try {
        const imported = await importCsv(csvTarget, text, '', undefined, String(exported.headers['content-type']));
        expect(imported.statusCode).toBe(201);
        const expected = await timelines(source);
        expect(await timelines(csvTarget)).toEqual(expected);
        const team = expected['TEAM-1'] as { description: string | null }[];
        expect(team[0]!.description).toBe('');
      } finally {
        await csvTarget.stop();
      }
    });
  });

  it('exports as of a date only the version in force that day', async () => {
    const res = await exportOf(source, '?asOf=2021-07-01');
    expect(res.statusCode).toBe(200);
    const rows = res.json<{
      versions: { code: string; name: string; parentCode: string | null; effectiveDate: string; endDate: string | null }[];
    }>().versions;
    expect(rows.map((r) => r.code)).toEqual(['ACME', 'NORTH', siteCode, 'TEAM-1', 'SOUTH']);
    for (const row of rows) {
      expect(row.effectiveDate <= '2021-07-01').toBe(true);
      expect(row.endDate === null || row.endDate >= '2021-07-01').toBe(true);
    }
    expect(rows.find((r) => r.code === 'NORTH')).toMatchObject({ name: 'North & East, Ltd.', effectiveDate: '2021-06-01', endDate: null });
    expect(rows.find((r) => r.code === 'ACME')).toMatchObject({ name: 'Acme', endDate: '2029-12-31' });
    expect(rows.find((r) => r.code === siteCode)).toMatchObject({ parentCode: 'NORTH', endDate: '2021-12-31' });

    const before = await exportOf(source, '?asOf=2019-12-31');
    expect(before.json()).toEqual({ versions: [] });
    const csv = await exportOf(source, '?asOf=2021-07-01&format=csv');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="org-units-2021-07-01.csv"');
    expect(csv.body.trim().split('\r\n')).toHaveLength(1 + 5);
  });

  it('previews a dry run without writing anything, then imports all of it with one audit record per unit', async () => {
    const start = await counts(source);
    const dry = await importCsv(source, csvOf(GOOD_LINES), '?dryRun=true');
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toEqual({ dryRun: true, units: 5, versions: 7, codes: ['IMP-R', 'IMP-S1', 'IMP-S2', 'IMP-T1', 'IMP-T2'] });
    expect(await counts(source)).toEqual(start);

    const real = await importCsv(source, csvOf(GOOD_LINES));
    expect(real.statusCode).toBe(201);
    expect(real.json()).toEqual({ dryRun: false, units: 5, versions: 7, codes: ['IMP-R', 'IMP-S1', 'IMP-S2', 'IMP-T1', 'IMP-T2'] });
    expect(await counts(source)).toEqual({ units: start.units + 5, versions: start.versions + 7, audits: start.audits + 5 });

    const audit = await sql<{ resource_id: string; resource_type: string; after: { effectiveDate: string }[] }>`
      select resource_id, resource_type, after from audit_events where action = 'org_unit.import' order by resource_id`.execute(
      source.database.db,
    );
    expect(audit.rows.map((r) => r.resource_id)).toEqual(['IMP-R', 'IMP-S1', 'IMP-S2', 'IMP-T1', 'IMP-T2']);
    expect(audit.rows.every((r) => r.resource_type === 'org_unit')).toBe(true);
    expect(audit.rows[0]!.after.map((v) => v.effectiveDate)).toEqual(['2024-01-01', '2025-01-01']);

    const all = await timelines(source);
    expect(all['IMP-R']).toMatchObject([
      { name: 'Imported region', effectiveDate: '2024-01-01', endDate: '2024-12-31' },
      { name: 'Imported region (renamed)', effectiveDate: '2025-01-01', endDate: null, changeReason: 'renamed' },
    ]);
    expect(all['IMP-S1']).toMatchObject([{ description: 'Gate 1, north', attributes: { k: 1 }, sortOrder: 1, parentCode: 'IMP-R' }]);
    const metrics = await source.metrics.registry.getSingleMetricAsString('temporal_operations_total');
    expect(metrics).toMatch(/temporal_operations_total\{operation="import",status="success"\} [1-9]/);
  });

  it('counts every refused import as rejected in temporal_operations_total, and dry runs not at all', async () => {
    const count = async (status: string) =>
      (await source.metrics.temporalOperations.get()).values.find((v) => v.labels.operation === 'import' && v.labels.status === status)
        ?.value ?? 0;
    const [rejected, success] = [await count('rejected'), await count('success')];
    const bad = csvOf([HEADER, 'BAD-1,Bad,GALAXY,ACME,ACTIVE,0,,{},2024-01-01,,']);
    expect((await importCsv(source, bad, '', undefined, 'application/xml')).statusCode).toBe(415);
    expect((await importJson(source, { versions: 'none' })).statusCode).toBe(400); // the schema refuses it
    expect((await importCsv(source, bad)).statusCode).toBe(400); // IMPORT_INVALID: an unknown unit type
    expect((await importCsv(source, bad, '?dryRun=true')).statusCode).toBe(400);
    expect((await importJson(source, { versions: [] }, '?dryRun=true')).statusCode).toBe(200);
    expect(await count('rejected')).toBe(rejected + 3);
    expect(await count('success')).toBe(success);
  });

  it('refuses codes that exist, naming the line', async () => {
    const start = await counts(source);
    const res = await importCsv(source, csvOf(GOOD_LINES));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('IMPORT_INVALID');
    expect(res.json().details.errors).toContainEqual({ line: 2, field: 'code', message: 'org unit IMP-R already exists' });
    const json = await importJson(source, {
      versions: [
        { code: 'NEW-1', name: 'n', unitType: 'SITE', parentCode: 'ACME', effectiveDate: '2024-01-01' },
        { code: 'ACME', name: 'x', unitType: 'ORGANIZATION', effectiveDate: '2024-01-01' },
      ],
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().details.errors).toEqual([{ line: 2, field: 'code', message: 'org unit ACME already exists' }]);
    expect(await counts(source)).toEqual(start);
  });

  it('reports every problem of a row, not only the first one found', async () => {
    const lines = [
      HEADER, // 1
      'TWO-1,,GALAXY,NOWHERE,ACTIVE,0,,{},2024-01-01,,', // 2: no name, an unknown type, a parent that exists nowhere
      'ACME,Acme again,ORGANIZATION,,MAYBE,0,,{},2024-01-01,,', // 3: a code in use, an unknown status
      'TWO-2,Two,SITE,ACME,ACTIVE,many,,{},2024-01-01,2024-12-31,', // 4: not a number
      'TWO-2,Two,SITE,ACME,ACTIVE,0,,{},2024-06-01,,', // 5: overlaps line 4
      'TWO-3,Three,SITE,TWO-4,ACTIVE,0,,[],2024-01-01,,', // 6: attributes not an object, and a cycle with line 7
      'TWO-4,Four,SITE,TWO-3,ACTIVE,0,,{},2024-01-01,,', // 7
    ];
    for (const query of ['', '?dryRun=true']) {
      const res = await importCsv(source, csvOf(lines), query);
      expect(res.statusCode, res.body).toBe(400);
      const problems = res.json<{ details: { errors: Problem[] } }>().details.errors;
      const fields = (line: number) => problems.filter((p) => p.line === line).map((p) => p.field);
      expect(fields(2).sort(), JSON.stringify(problems)).toEqual(['name', 'parentCode', 'unitType']);
      expect(fields(3).sort(), JSON.stringify(problems)).toEqual(['code', 'status']);
      expect(fields(4), JSON.stringify(problems)).toEqual(['sortOrder']);
      expect(fields(5), JSON.stringify(problems)).toEqual(['effectiveDate']);
      expect(fields(6).sort(), JSON.stringify(problems)).toEqual(['attributes', 'parentCode']);
    }
  });

  describe('with one bad row anywhere, answers 400 naming line and field and writes nothing', () => {
    const fresh = (lines: string[]) => lines.map((l) => l.replaceAll('IMP-', 'NEW-'));
    const cases: [string, string[], Partial<Problem> & { message?: string }][] = [
      [
        'a date that does not exist',
        withLine(7, 'IMP-T1,Team one,TEAM,IMP-S2,ACTIVE,0,,{},2024-02-30,,'),
        { line: 7, field: 'effectiveDate' },
      ],
      ['an unknown unit type', withLine(4, 'IMP-S1,Site one,GALAXY,IMP-R,ACTIVE,1,,{},2024-01-01,,'), { line: 4, field: 'unitType' }],
      [
        'a gap between two versions',
        withLine(3, 'IMP-R,Imported region (renamed),REGION,ACME,ACTIVE,0,,{},2025-01-05,,'),
        { line: 3, field: 'effectiveDate', message: expect.stringContaining('gap') as string },
      ],
      [
        'overlapping versions',
        withLine(5, 'IMP-S2,Site two,SITE,IMP-R,ACTIVE,2,,{},2024-03-01,2024-07-15,'),
        { line: 6, field: 'effectiveDate', message: expect.stringContaining('overlapping') as string },
      ],
      [
        'an open version before the last',
        withLine(2, 'IMP-R,Imported region,REGION,ACME,ACTIVE,0,,{},2024-01-01,,'),
        { line: 2, field: 'endDate' },
      ],
      [
        'a parent missing on a day',
        withLine(8, 'IMP-T2,Team two,TEAM,IMP-S2,ACTIVE,0,,{},2024-02-01,,'),
        { line: 8, field: 'parentCode', message: expect.stringContaining('does not exist on 2024-02-01') as string },
      ],
      [
        'a parent that exists nowhere',
        withLine(7, 'IMP-T1,Team one,TEAM,NOWHERE,ACTIVE,0,,{},2024-05-01,,'),
        { line: 7, field: 'parentCode', message: expect.stringContaining('NOWHERE') as string },
      ],
      [
        'a cycle',
        withLine(4, 'IMP-S1,Site one,SITE,IMP-T2,ACTIVE,1,,{},2024-01-01,,').map((l, i) =>
          i === 7 ? 'IMP-T2,Team two,TEAM,IMP-S1,ACTIVE,0,,{},2024-01-01,,' : l,
        ),
        { line: 4, field: 'parentCode', message: expect.stringContaining('own ancestor') as string },
      ],
      [
        'attributes that are not an object',
        withLine(5, 'IMP-S2,Site two,SITE,IMP-R,ACTIVE,2,,[1],2024-03-01,2024-06-30,'),
        { line: 5, field: 'attributes' },
      ],
      ['a missing required cell', withLine(6, 'IMP-S2,,SITE,IMP-S1,ACTIVE,2,,{},2024-07-01,,moved'), { line: 6, field: 'name' }],
      ['a row of the wrong width', withLine(6, 'IMP-S2,Site two'), { line: 6, field: null }],
      ['an unknown column', [`${HEADER},colour`, ...GOOD_LINES.slice(1).map((l) => `${l},red`)], { line: 1, field: 'colour' }],
      ['a quote never closed', withLine(8, 'IMP-T2,"Team two,TEAM,IMP-S1,ACTIVE,0,,{},2024-02-01,,'), { line: 8, field: null }],
    ];
    for (const [name, lines, expected] of cases) {
      it(name, async () => {
        const start = await counts(source);
        const res = await importCsv(source, csvOf(fresh(lines)));
        expect(res.statusCode, res.body).toBe(400);
        const body = res.json<{ code: string; details: { errors: Problem[]; total: number } }>();
        expect(body.code).toBe('IMPORT_INVALID');
        expect(body.details.errors).toContainEqual(expect.objectContaining(expected));
        expect(await counts(source)).toEqual(start);
        // A dry run finds the same.
        const dry = await importCsv(source, csvOf(fresh(lines)), '?dryRun=true');
        expect(dry.statusCode).toBe(400);
        expect(dry.json<{ details: { errors: Problem[] } }>().details.errors).toEqual(body.details.errors);
      });
    }

    it('a branch deeper than the limit on some date', async () => {
      const start = await counts(source);
      // ACME is level 1; 17 levels under it make level 18, one more than the default limit of 17.
      const chain = Array.from({ length: 17 }, (_, i) => ({
        code: `DEEP-${i + 1}`,
        name: `Level ${i + 2}`,
        unitType: 'TEAM',
        parentCode: i === 0 ? 'ACME' : `DEEP-${i}`,
        effectiveDate: '2024-01-01',
      }));
      const res = await importJson(source, { versions: chain });
      expect(res.statusCode).toBe(400);
      expect(res.json().details.errors).toContainEqual(
        expect.objectContaining({ line: 17, field: 'parentCode', message: expect.stringContaining('the limit is 17') }),
      );
      expect((await importJson(source, { versions: chain.slice(0, 16) }, '?dryRun=true')).statusCode).toBe(200);
      expect(await counts(source)).toEqual(start);
    });

    it('lists every problem of a JSON import, by index, at once', async () => {
      const start = await counts(source);
      const res = await importJson(source, {
        versions: [
          { code: 'J-1', name: 'ok', unitType: 'SITE', parentCode: 'ACME', effectiveDate: '2024-01-01' },
          { code: 'J 2', name: 'bad code', unitType: 'SITE', parentCode: 'ACME', effectiveDate: '2024-01-01' },
          { code: 'J-3', name: 'x', unitType: 'SITE', effectiveDate: '2024-01-01', sortOrder: '5', attributes: 'nope', colour: 'red' },
          'not a row',
        ],
      });
      expect(res.statusCode).toBe(400);
      const errors = res.json<{ details: { errors: Problem[]; total: number } }>().details.errors;
      expect(errors.map((e) => [e.line, e.field])).toEqual([
        [2, 'code'],
        [3, 'colour'],
        [3, 'sortOrder'],
        [3, 'attributes'],
        [4, null],
      ]);
      expect(await counts(source)).toEqual(start);
    });
  });

  describe('access', () => {
    it('refuses an import to a viewer (403) and lets them export', async () => {
      const viewer = await keyHeaders(source, 'import-viewer', 'viewer');
      const start = await counts(source);
      const res = await importCsv(source, csvOf(GOOD_LINES.map((l) => l.replaceAll('IMP-', 'VIEW-'))), '', viewer);
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
      expect(await counts(source)).toEqual(start);
      expect((await exportOf(source, '', viewer)).statusCode).toBe(200);
    });

    it('keeps a caller granted on a unit to that unit: imports under it only, exports inside it only', async () => {
      const admin = await keyHeaders(source, 'north-admin', 'admin', 'NORTH');
      const row = (code: string, parentCode: string | null) => ({
        code,
        name: code,
        unitType: 'SITE',
        parentCode,
        effectiveDate: '2024-01-01',
      });
      expect((await importJson(source, { versions: [row('N-ROOT', null)] }, '', admin)).statusCode).toBe(403);
      expect((await importJson(source, { versions: [row('N-SOUTH', 'SOUTH')] }, '', admin)).statusCode).toBe(403);
      const inside = await importJson(source, { versions: [row('N-1', 'NORTH'), { ...row('N-2', 'N-1'), unitType: 'TEAM' }] }, '', admin);
      expect(inside.statusCode).toBe(201);
      const exported = await exportOf(source, '', admin);
      expect([...new Set(exported.json<{ versions: { code: string }[] }>().versions.map((v) => v.code))]).toEqual(['NORTH', 'N-1', 'N-2']);
    });
  });

  it('answers 400 to bad query parameters and 413 to a body over the limit', async () => {
    const bad = [
      ['/export?format=xml', 'VALIDATION_FAILED'],
      ['/export?asOf=2026-02-30', 'INVALID_DATE'],
      ['/export?asOf=yesterday', 'VALIDATION_FAILED'],
      ['/export?colour=red', 'VALIDATION_FAILED'],
    ] as const;
    for (const [path, code] of bad) {
      const res = await source.app.inject({ method: 'GET', url: `${BASE}${path}`, headers: await source.adminAuth() });
      expect(res.statusCode, path).toBe(400);
      expect(res.json().code, path).toBe(code);
    }
    const dry = await importCsv(source, csvOf(GOOD_LINES), '?dryRun=perhaps');
    expect(dry.statusCode).toBe(400);
    expect(dry.json().code).toBe('VALIDATION_FAILED');
    const extra = await importJson(source, { versions: [], comment: 'x' });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().code).toBe('VALIDATION_FAILED');
    const big = await importCsv(source, `${HEADER}\r\n${'x'.repeat(source.config.http.bodyLimitBytes)}`);
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('PAYLOAD_TOO_LARGE');
  });
});
