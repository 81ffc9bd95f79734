// The scope policy: the permission matrix, and a grant on a unit reaching that unit's subtree only.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../platform/http/access.js';
import { ROLE_PERMISSIONS, can, createScopePolicy } from './scope-policy.js';

/** ACME ─ A ─ A1, and ACME ─ B: each unit's subtree. */
const TREE: Record<string, string[]> = { ACME: ['ACME', 'A', 'A1', 'B'], A: ['A', 'A1'], A1: ['A1'], B: ['B'] };
const policy = createScopePolicy({ subtreeOf: (roots) => Promise.resolve([...new Set(roots.flatMap((r) => TREE[r] ?? []))]) });
const principal = (...grants: Principal['grants']): Principal => ({ type: 'user', id: 'u', sessionId: 's', grants });

describe('scope policy', () => {
  it('gives each role its permissions and no others', () => {
    expect(can(principal({ role: 'viewer', orgUnitCode: null }), 'cameras:read')).toBe(true);
    expect(can(principal({ role: 'viewer', orgUnitCode: null }), 'cameras:control')).toBe(false);
    expect(can(principal({ role: 'operator', orgUnitCode: 'A' }), 'cameras:control')).toBe(true);
    expect(can(principal({ role: 'operator', orgUnitCode: 'A' }), 'org:write')).toBe(false);
    expect([...ROLE_PERMISSIONS.admin]).toContain('users:write');
  });

  it('limits a unit grant to that unit and its subtree', async () => {
    const operatorOnA = principal({ role: 'operator', orgUnitCode: 'A' });
    expect(await policy.reach(operatorOnA, 'cameras:control')).toEqual(new Set(['A', 'A1']));
    expect(await policy.allows(operatorOnA, 'cameras:control', 'A1')).toBe(true);
    expect(await policy.allows(operatorOnA, 'cameras:control', 'B')).toBe(false);
    expect(await policy.allows(operatorOnA, 'cameras:control', null)).toBe(false);
    // A permission its role does not carry reaches nothing, whatever the unit.
    expect(await policy.reach(operatorOnA, 'org:write')).toEqual(new Set());
  });

  it('lets a global grant reach every unit, and resources on no unit', async () => {
    const admin = principal({ role: 'viewer', orgUnitCode: 'A' }, { role: 'admin', orgUnitCode: null });
    expect(await policy.reach(admin, 'org:write')).toBe('all');
    expect(await policy.allows(admin, 'org:write', null)).toBe(true);
    // The viewer grant on A still answers for reads there; the admin grant answers everywhere.
    expect(await policy.reach(admin, 'org:read')).toBe('all');
  });

  it('narrows a filter at a unit to what may be seen under it', async () => {
    const operatorOnA = principal({ role: 'operator', orgUnitCode: 'A' });
    const reach = await policy.reach(operatorOnA, 'cameras:read');
    expect(await policy.narrow(reach, 'ACME')).toEqual(new Set(['A', 'A1']));
    expect(await policy.narrow(reach, 'B')).toEqual(new Set());
    expect(await policy.narrow('all', 'A')).toEqual(new Set(['A', 'A1']));
    expect(await policy.narrow('all', 'UNKNOWN')).toEqual(new Set());
  });

  it('covers a person only when every one of their grants is within reach; a person with no grant only globally', async () => {
    const adminOnA = await policy.reach(principal({ role: 'admin', orgUnitCode: 'A' }), 'users:write');
    expect(policy.coversAll(adminOnA, ['A', 'A1'])).toBe(true);
    expect(policy.coversAll(adminOnA, ['A1', 'B'])).toBe(false);
    expect(policy.coversAll(adminOnA, ['A', null])).toBe(false);
    expect(policy.coversAll(adminOnA, [])).toBe(false);
    expect(policy.coversAll('all', [])).toBe(true);
    expect(policy.coversAll('all', [null, 'B'])).toBe(true);
  });

  it('makes the set of a subtree once while its source answers the same subtree, and anew when it changes', async () => {
    // A source that, like the org scope's snapshot, answers the same array for the same roots until the tree changes.
    let subtree: readonly string[] = Object.freeze(['A', 'A1']);
    let asked = 0;
    const cached = createScopePolicy({
      subtreeOf: () => {
        asked++;
        return Promise.resolve(subtree);
      },
    });
    const operatorOnA = principal({ role: 'operator', orgUnitCode: 'A' });
    const first = await cached.reach(operatorOnA, 'cameras:read');
    expect(await cached.reach(operatorOnA, 'cameras:control')).toBe(first);
    expect(asked).toBe(2);
    subtree = Object.freeze(['A', 'A1', 'A2']);
    const after = await cached.reach(operatorOnA, 'cameras:read');
    expect(after).not.toBe(first);
    expect(after).toEqual(new Set(['A', 'A1', 'A2']));
    expect(cached.covers(after, 'A2')).toBe(true);
  });
});
