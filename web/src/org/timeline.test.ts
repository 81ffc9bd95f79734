import { describe, expect, it } from 'vitest';
import type { OrgUnitVersion } from '../api/org';
import { describeChange, stateOf, summarise, summariseChange, timelineOf, versionOn } from './timeline';

function version(effectiveDate: string, endDate: string | null, extra: Partial<OrgUnitVersion> = {}): OrgUnitVersion {
  return {
    code: 'S1',
    name: 'Lyon',
    unitType: 'SITE',
    parentCode: 'R1',
    status: 'ACTIVE',
    sortOrder: 0,
    description: null,
    attributes: {},
    effectiveDate,
    endDate,
    changeReason: null,
    revision: 3,
    changedBy: null,
    changedAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

describe('a unit’s timeline', () => {
  const versions = [
    version('2026-06-01', null, { name: 'Lyon Part-Dieu', parentCode: 'R2' }),
    version('2026-01-01', '2026-02-28'),
    version('2026-03-01', '2026-05-31', { status: 'INACTIVE', attributes: { a: 1, b: 2 } }),
  ];

  it('orders versions oldest first, each past, in force or scheduled as of today', () => {
    const entries = timelineOf(versions, '2026-04-10');
    expect(entries.map((e) => e.version.effectiveDate)).toEqual(['2026-01-01', '2026-03-01', '2026-06-01']);
    expect(entries.map((e) => e.state)).toEqual(['past', 'current', 'scheduled']);
    expect(entries[0]!.created).toBe(true);
  });

  it('says what each version changed from the one before', () => {
    const entries = timelineOf(versions, '2026-04-10');
    expect(entries[1]!.changes.map((c) => c.field)).toEqual(['status', 'attributes']);
    expect(entries[2]!.changes.map((c) => c.field)).toEqual(['name', 'parentCode', 'status', 'attributes']);
    expect(summarise(entries[0]!)).toBe('Created as “Lyon” (SITE) under R1');
    expect(summarise(entries[1]!)).toBe('Suspended; attributes changed');
    expect(summarise(entries[2]!)).toMatch(/^Renamed from “Lyon” to “Lyon Part-Dieu”; moved from under R1 to under R2; reactivated/);
  });

  it('treats attributes with the same content in another key order as unchanged', () => {
    const entries = timelineOf(
      [
        version('2026-01-01', '2026-01-31', { attributes: { a: 1, b: { c: 2, d: 3 } } }),
        version('2026-02-01', null, { attributes: { b: { d: 3, c: 2 }, a: 1 } }),
      ],
      '2026-01-01',
    );
    expect(entries[1]!.changes).toEqual([]);
    expect(summarise(entries[1]!)).toBe('No field changed');
  });

  it('finds the version in force on a date (end dates inclusive)', () => {
    expect(versionOn(versions, '2025-12-31')).toBeUndefined();
    expect(versionOn(versions, '2026-02-28')?.effectiveDate).toBe('2026-01-01');
    expect(versionOn(versions, '2026-03-01')?.effectiveDate).toBe('2026-03-01');
    expect(versionOn(versions, '2030-01-01')?.effectiveDate).toBe('2026-06-01');
    expect(stateOf({ effectiveDate: '2026-01-01', endDate: '2026-04-10' }, '2026-04-10')).toBe('current');
  });

  it('says moves to and from the top level, and empty descriptions, in words', () => {
    expect(describeChange({ field: 'parentCode', from: null, to: 'R1' })).toBe('moved from under the top level (a root) to under R1');
    expect(describeChange({ field: 'description', from: null, to: 'Main site' })).toBe('description changed from none to “Main site”');
    expect(describeChange({ field: 'status', from: 'INACTIVE', to: 'ACTIVE' })).toBe('reactivated');
  });
});

describe('reported changes', () => {
  it('says a creation and a change in one line each', () => {
    const created = {
      name: 'Docks',
      unitType: 'SITE',
      parentCode: 'SOUTH',
      status: 'ACTIVE',
      sortOrder: 0,
      description: null,
      attributes: {},
    };
    expect(
      summariseChange({
        kind: 'created',
        changes: Object.fromEntries(Object.entries(created).map(([k, v]) => [k, { from: null, to: v }])),
      }),
    ).toBe('Created as “Docks” (SITE) under SOUTH');
    expect(summariseChange({ kind: 'changed', changes: { parentCode: { from: 'R1', to: null }, name: { from: 'A', to: 'B' } } })).toBe(
      'Renamed from “A” to “B”; moved from under R1 to under the top level (a root)',
    );
    expect(summariseChange({ kind: 'changed', changes: {} })).toBe('No field changed');
  });
});
