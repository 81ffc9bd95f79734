import { describe, expect, it } from 'vitest';
import type { OrgUnit } from '../api/org';
import { ancestorsOf, buildTree, flatten, initiallyOpen, knownTypes, parentChoices, search, subtreeOf, suggestedChildType } from './tree';

function unit(code: string, parentCode: string | null, extra: Partial<OrgUnit> = {}): OrgUnit {
  return {
    code,
    name: `Unit ${code}`,
    unitType: 'SITE',
    parentCode,
    status: 'ACTIVE',
    sortOrder: 0,
    description: null,
    attributes: {},
    effectiveDate: '2026-01-01',
    endDate: null,
    changeReason: null,
    revision: 1,
    codePath: [code],
    namePath: [`Unit ${code}`],
    level: 1,
    hasScheduledChanges: false,
    ...extra,
  };
}

const codes = (nodes: { unit: OrgUnit }[]) => nodes.map((n) => n.unit.code);

describe('the unit tree', () => {
  const units = [
    unit('S2', 'R1'),
    unit('R1', 'ORG'),
    unit('S1', 'R1'),
    unit('ORG', null),
    unit('R0', 'ORG', { sortOrder: -1 }),
    unit('T1', 'S1'),
  ];

  it('nests a flat list under its parents, siblings by sort order then code, with depths', () => {
    const tree = buildTree(units);
    expect(codes(tree.roots)).toEqual(['ORG']);
    expect(codes(tree.byCode.get('ORG')!.children)).toEqual(['R0', 'R1']);
    expect(codes(tree.byCode.get('R1')!.children)).toEqual(['S1', 'S2']);
    expect(tree.byCode.get('T1')!.depth).toBe(3);
    expect(codes(flatten(tree.roots))).toEqual(['ORG', 'R0', 'R1', 'S1', 'T1', 'S2']);
  });

  it('makes a root of a unit whose parent the caller cannot see', () => {
    const tree = buildTree([unit('S1', 'HIDDEN'), unit('T1', 'S1'), unit('S0', 'HIDDEN')]);
    expect(codes(tree.roots)).toEqual(['S0', 'S1']);
    expect(tree.byCode.get('T1')!.depth).toBe(1);
  });

  it('loses no unit to a cycle (which the API never answers)', () => {
    const tree = buildTree([unit('A', 'B'), unit('B', 'A'), unit('C', null)]);
    expect(flatten(tree.roots)).toHaveLength(3);
  });

  it('answers ancestors, subtrees and the roots open at first', () => {
    const tree = buildTree(units);
    expect(ancestorsOf(tree, 'T1')).toEqual(['S1', 'R1', 'ORG']);
    expect(ancestorsOf(tree, 'ORG')).toEqual([]);
    expect([...subtreeOf(tree, 'R1')].sort()).toEqual(['R1', 'S1', 'S2', 'T1']);
    expect([...initiallyOpen(tree)]).toEqual(['ORG']);
  });

  it('finds units by name or code, case-insensitive, with the units above them', () => {
    const tree = buildTree([...units.filter((u) => u.code !== 'T1'), unit('T1', 'S1', { name: 'Harbour depot' })]);
    const found = search(tree, 'harbour');
    expect([...found.matches]).toEqual(['T1']);
    expect([...found.shown].sort()).toEqual(['ORG', 'R1', 'S1', 'T1']);
    expect([...search(tree, 's2').matches]).toEqual(['S2']);
    expect(search(tree, '  ').shown.size).toBe(0);
  });

  it('offers as parents every unit but the one moved and those below it', () => {
    const tree = buildTree(units);
    expect(codes(parentChoices(tree, 'R1'))).toEqual(['ORG', 'R0']);
    expect(codes(parentChoices(tree, undefined))).toHaveLength(6);
  });

  it('suggests the next type down and lists the types in use', () => {
    expect(suggestedChildType(undefined, ['ORGANIZATION', 'REGION'])).toBe('ORGANIZATION');
    expect(suggestedChildType('ORGANIZATION', ['ORGANIZATION', 'REGION', 'SITE'])).toBe('REGION');
    expect(suggestedChildType('SITE', ['ORGANIZATION', 'SITE'])).toBe('SITE');
    expect(suggestedChildType('WING', ['ORGANIZATION'])).toBe('WING');
    expect(knownTypes([unit('A', null, { unitType: 'WING' }), unit('B', null)])).toEqual([
      'ORGANIZATION',
      'REGION',
      'SITE',
      'DEPARTMENT',
      'TEAM',
      'WING',
    ]);
  });
});

describe('a subtree answer', () => {
  it('flattens into units without their children, parents first', async () => {
    const { flattenSubtree } = await import('../api/org');
    const leaf = { ...unit('T1', 'S1'), children: [] };
    const root = {
      ...unit('ORG', null),
      children: [
        { ...unit('S1', 'ORG'), children: [leaf] },
        { ...unit('S2', 'ORG'), children: [] },
      ],
    };
    const flat = flattenSubtree(root);
    expect(flat.map((u) => u.code)).toEqual(['ORG', 'S1', 'T1', 'S2']);
    expect(flat.every((u) => !('children' in u))).toBe(true);
  });
});
