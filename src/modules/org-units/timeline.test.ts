import { describe, expect, it } from 'vitest';
import { checkHierarchy } from './hierarchy.js';
import type { Version, VersionFields } from './timeline.js';
import { correctVersion, insertVersion, removeVersion, setStatusFrom, toApiVersion, versionAt } from './timeline.js';

const meta = { changeReason: 'test', changedBy: 'tester', changedAt: '2026-01-01T00:00:00.000Z' };
const base: VersionFields = {
  name: 'Site',
  unitType: 'SITE',
  parentCode: 'R1',
  status: 'ACTIVE',
  sortOrder: 0,
  description: null,
  attributes: {},
};
const v = (from: string, to: string | null, fields: Partial<VersionFields> = {}): Version => ({ ...base, ...fields, ...meta, from, to });
const spans = (t: readonly Version[]) => t.map((x) => [x.from, x.to, x.name, x.status]);

describe('timeline', () => {
  const timeline = [v('2026-01-01', '2026-06-01'), v('2026-06-01', null, { name: 'Renamed' })];

  it('cuts the version in force at a new change, carrying over the fields not given', () => {
    const next = insertVersion('S', timeline, '2026-03-01', { status: 'INACTIVE' }, meta);
    expect(spans(next)).toEqual([
      ['2026-01-01', '2026-03-01', 'Site', 'ACTIVE'],
      ['2026-03-01', '2026-06-01', 'Site', 'INACTIVE'],
      ['2026-06-01', null, 'Renamed', 'ACTIVE'],
    ]);
  });

  it('adds a change after the last version as the new open one, and before the first as the new first', () => {
    expect(spans(insertVersion('S', timeline, '2027-01-01', { name: 'Later' }, meta)).at(-2)).toEqual([
      '2026-06-01',
      '2027-01-01',
      'Renamed',
      'ACTIVE',
    ]);
    expect(spans(insertVersion('S', timeline, '2025-01-01', { name: 'Earlier' }, meta))[0]).toEqual([
      '2025-01-01',
      '2026-01-01',
      'Earlier',
      'ACTIVE',
    ]);
  });

  it('refuses a second version on the same day', () => {
    expect(() => insertVersion('S', timeline, '2026-06-01', {}, meta)).toThrow(
      expect.objectContaining({ code: 'TEMPORAL_POINT_CONFLICT' }),
    );
  });

  it('corrects fields without moving dates, and says so when no version starts on the day', () => {
    expect(spans(correctVersion('S', timeline, '2026-01-01', { name: 'Fixed' }, meta))[0]).toEqual([
      '2026-01-01',
      '2026-06-01',
      'Fixed',
      'ACTIVE',
    ]);
    expect(() => correctVersion('S', timeline, '2026-02-01', {}, meta)).toThrow(expect.objectContaining({ code: 'VERSION_NOT_FOUND' }));
  });

  it('heals the gap a removed middle version leaves, and keeps the first while later ones exist', () => {
    const three = insertVersion('S', timeline, '2026-03-01', { name: 'Middle' }, meta);
    expect(spans(removeVersion('S', three, '2026-03-01'))).toEqual([
      ['2026-01-01', '2026-06-01', 'Site', 'ACTIVE'],
      ['2026-06-01', null, 'Renamed', 'ACTIVE'],
    ]);
    expect(spans(removeVersion('S', timeline, '2026-06-01'))).toEqual([['2026-01-01', null, 'Site', 'ACTIVE']]);
    expect(() => removeVersion('S', timeline, '2026-01-01')).toThrow(expect.objectContaining({ code: 'CANNOT_DELETE_FIRST_VERSION' }));
    expect(removeVersion('S', [v('2026-01-01', null)], '2026-01-01')).toEqual([]);
  });

  it('sets a status from a date on, later versions included, and changes nothing when it already holds', () => {
    const suspended = setStatusFrom('S', timeline, '2026-03-01', 'INACTIVE', meta);
    expect(spans(suspended)).toEqual([
      ['2026-01-01', '2026-03-01', 'Site', 'ACTIVE'],
      ['2026-03-01', '2026-06-01', 'Site', 'INACTIVE'],
      ['2026-06-01', null, 'Renamed', 'INACTIVE'],
    ]);
    expect(setStatusFrom('S', suspended, '2026-04-01', 'INACTIVE', meta)).toEqual(suspended);
    expect(() => setStatusFrom('S', timeline, '2025-12-31', 'INACTIVE', meta)).toThrow(
      expect.objectContaining({ code: 'ORG_UNIT_NOT_IN_FORCE' }),
    );
  });

  it('answers the version in force on boundary days', () => {
    expect(versionAt(timeline, '2025-12-31')).toBeUndefined();
    expect(versionAt(timeline, '2026-01-01')?.name).toBe('Site');
    expect(versionAt(timeline, '2026-05-31')?.name).toBe('Site');
    expect(versionAt(timeline, '2026-06-01')?.name).toBe('Renamed');
  });
});

describe('hierarchy', () => {
  const root = [v('2026-01-01', null, { parentCode: null, unitType: 'ORGANIZATION' })];
  const others = new Map<string, Version[]>([
    ['ROOT', root],
    ['R1', [v('2026-01-01', null, { parentCode: 'ROOT' })]],
    ['R2', [v('2026-03-01', '2026-09-01', { parentCode: 'ROOT' }), v('2026-09-01', null, { parentCode: 'S' })]],
  ]);

  it('refuses a parent that does not exist yet on the first day of a version', () => {
    const timeline = [v('2026-01-01', null, { parentCode: 'R2' })];
    expect(() => checkHierarchy({ code: 'S', timeline, others, maxDepth: 17 })).toThrow(
      expect.objectContaining({
        code: 'PARENT_NOT_VALID_AT_DATE',
        details: expect.objectContaining({ parentCode: 'R2', date: '2026-01-01' }),
      }),
    );
  });

  it('refuses a cycle that would only appear in the future', () => {
    // R2 moves under S on 2026-09-01; S under R2 is fine until then and a cycle from then on.
    const timeline = [v('2026-03-01', null, { parentCode: 'R2' })];
    expect(() => checkHierarchy({ code: 'S', timeline, others, maxDepth: 17 })).toThrow(
      expect.objectContaining({
        code: 'HIERARCHY_CYCLE',
        details: expect.objectContaining({ date: '2026-09-01', path: ['S', 'R2', 'S'] }),
      }),
    );
    const before = [v('2026-03-01', '2026-09-01', { parentCode: 'R2' }), v('2026-09-01', null, { parentCode: 'R1' })];
    expect(() => checkHierarchy({ code: 'S', timeline: before, others, maxDepth: 17 })).not.toThrow();
  });

  it('counts the levels above and below the unit against the depth limit, on the day the subtree grows', () => {
    const timeline = [v('2026-01-01', null, { parentCode: 'R1' })];
    const withoutR2 = new Map([...others].filter(([code]) => code !== 'R2'));
    expect(() => checkHierarchy({ code: 'S', timeline, others: withoutR2, maxDepth: 3 })).not.toThrow();
    expect(() => checkHierarchy({ code: 'S', timeline, others: withoutR2, maxDepth: 2 })).toThrow(
      expect.objectContaining({ code: 'DEPTH_LIMIT_EXCEEDED', details: expect.objectContaining({ depth: 3 }) }),
    );
    // R2 hangs under S from 2026-09-01: ROOT > R1 > S > R2 is four levels then.
    expect(() => checkHierarchy({ code: 'S', timeline, others, maxDepth: 3 })).toThrow(
      expect.objectContaining({ code: 'DEPTH_LIMIT_EXCEEDED', details: expect.objectContaining({ date: '2026-09-01', depth: 4 }) }),
    );
  });
});

describe('toApiVersion', () => {
  it('shows a stored [from, to) version with an inclusive endDate, its fields and reason, in the API order', () => {
    const shown = toApiVersion('S1', v('2026-01-01', '2026-06-01', { attributes: { a: 1 } }));
    expect(shown).toEqual({
      ...base,
      attributes: { a: 1 },
      code: 'S1',
      effectiveDate: '2026-01-01',
      endDate: '2026-05-31',
      changeReason: 'test',
    });
    expect(Object.keys(shown)).toEqual([
      'code',
      'name',
      'unitType',
      'parentCode',
      'status',
      'sortOrder',
      'description',
      'attributes',
      'effectiveDate',
      'endDate',
      'changeReason',
    ]);
    expect(toApiVersion('S1', v('2026-06-01', null)).endDate).toBeNull();
  });
});
