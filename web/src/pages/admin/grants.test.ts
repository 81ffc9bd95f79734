import { describe, expect, it } from 'vitest';
import { describeGrant, grantProblems, grantsReducer, grantsState, sameGrants, toGrants } from './grants';

describe('the grants editor state', () => {
  it('starts from a user’s grants, an empty unit meaning everywhere', () => {
    const state = grantsState([
      { role: 'admin', orgUnitCode: null },
      { role: 'viewer', orgUnitCode: 'SITE-1' },
    ]);
    expect(state.rows).toEqual([
      { key: 0, role: 'admin', unit: '' },
      { key: 1, role: 'viewer', unit: 'SITE-1' },
    ]);
  });

  it('adds rows with fresh keys, changes and removes one row by its key', () => {
    let state = grantsState();
    state = grantsReducer(state, { type: 'add' });
    state = grantsReducer(state, { type: 'add', role: 'operator', unit: 'NORTH' });
    expect(state.rows.map((row) => row.key)).toEqual([0, 1]);
    state = grantsReducer(state, { type: 'change', key: 0, unit: 'SOUTH' });
    state = grantsReducer(state, { type: 'change', key: 1, role: 'admin' });
    expect(state.rows).toEqual([
      { key: 0, role: 'viewer', unit: 'SOUTH' },
      { key: 1, role: 'admin', unit: 'NORTH' },
    ]);
    state = grantsReducer(state, { type: 'remove', key: 0 });
    state = grantsReducer(state, { type: 'add' });
    // A removed row's key is never reused (React keys, focus).
    expect(state.rows.map((row) => row.key)).toEqual([1, 2]);
  });

  it('resets to a list of grants', () => {
    const state = grantsReducer(grantsReducer(grantsState(), { type: 'add' }), {
      type: 'reset',
      grants: [{ role: 'operator', orgUnitCode: 'X' }],
    });
    expect(toGrants(state.rows)).toEqual([{ role: 'operator', orgUnitCode: 'X' }]);
  });

  it('says which row is wrong: a malformed unit code, a grant listed twice', () => {
    const rows = [
      { key: 0, role: 'viewer' as const, unit: 'SITE-1' },
      { key: 1, role: 'viewer' as const, unit: ' SITE-1 ' },
      { key: 2, role: 'viewer' as const, unit: 'bad code!' },
      { key: 3, role: 'admin' as const, unit: '' },
      { key: 4, role: 'viewer' as const, unit: '' },
    ];
    const problems = grantProblems(rows);
    expect([...problems.keys()]).toEqual([1, 2]);
    expect(problems.get(1)).toMatch(/already in the list/);
    expect(problems.get(2)).toMatch(/letters, digits/);
    expect(grantProblems(rows.filter((row) => row.key !== 1 && row.key !== 2)).size).toBe(0);
  });

  it('does not call a row just added a duplicate until it is changed', () => {
    let state = grantsState([{ role: 'viewer', orgUnitCode: null }]);
    state = grantsReducer(state, { type: 'add' });
    expect(grantProblems(state.rows).size).toBe(0);
    // Sent once all the same.
    expect(toGrants(state.rows)).toEqual([{ role: 'viewer', orgUnitCode: null }]);
    state = grantsReducer(state, { type: 'change', key: 1, unit: '' });
    expect(grantProblems(state.rows).get(1)).toMatch(/already in the list/);
  });

  it('sends trimmed units, null for everywhere, each grant once', () => {
    expect(
      toGrants([
        { key: 0, role: 'viewer', unit: ' SITE-1 ' },
        { key: 1, role: 'viewer', unit: 'SITE-1' },
        { key: 2, role: 'admin', unit: '  ' },
      ]),
    ).toEqual([
      { role: 'viewer', orgUnitCode: 'SITE-1' },
      { role: 'admin', orgUnitCode: null },
    ]);
  });

  it('compares grant lists whatever their order', () => {
    const a = [
      { role: 'admin' as const, orgUnitCode: null },
      { role: 'viewer' as const, orgUnitCode: 'S' },
    ];
    expect(sameGrants(a, [...a].reverse())).toBe(true);
    expect(sameGrants(a, a.slice(1))).toBe(false);
    expect(sameGrants(a, [a[0]!, { role: 'viewer', orgUnitCode: 'T' }])).toBe(false);
    expect(sameGrants([], [])).toBe(true);
  });

  it('describes a grant in words', () => {
    expect(describeGrant({ role: 'admin', orgUnitCode: null })).toBe('admin everywhere');
    expect(describeGrant({ role: 'viewer', orgUnitCode: 'SITE-1' })).toBe('viewer on SITE-1');
  });
});
