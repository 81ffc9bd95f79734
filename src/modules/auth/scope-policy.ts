// Authorization's one home: the permission matrix (which role carries which permission) and the
// scope of a principal's grants. A role is granted globally or on an org unit, which covers the
// unit's subtree in today's tree. Routes and services ask this policy; none decides on its own
// what a principal may see. Resources outside the caller's reach are answered 404, never 403.
import type { Permission, Principal } from '../../platform/http/access.js';
import { PERMISSIONS } from '../../platform/http/access.js';
import type { RoleName } from '../../platform/db/schema.js';

const READS: Permission[] = ['ops:read', 'org:read', 'cameras:read', 'events:read', 'alerts:read'];

/** The permission matrix (also in docs/security.md). */
export const ROLE_PERMISSIONS: Readonly<Record<RoleName, ReadonlySet<Permission>>> = {
  admin: new Set(PERMISSIONS),
  operator: new Set([...READS, 'audit:read', 'cameras:control', 'events:write', 'events:review', 'alerts:write', 'agents:use']),
  viewer: new Set(READS),
  // A detector (usually an API key on a site's unit) reports what it sees: it writes events for the
  // cameras it may read, and nothing else.
  detector: new Set(['cameras:read', 'events:write']),
};

/** Whether any of the principal's grants carries `permission` (somewhere). */
export function can(principal: Principal, permission: Permission): boolean {
  return principal.grants.some((g) => ROLE_PERMISSIONS[g.role].has(permission));
}

/** Where a permission holds: on every unit, or on these units (the subtrees of the grants that carry it). */
export type Reach = 'all' | ReadonlySet<string>;

export interface ScopePolicy {
  can(principal: Principal, permission: Permission): boolean;
  reach(principal: Principal, permission: Permission): Promise<Reach>;
  /** Whether `unit` lies within `reach`; a resource on no unit (null) only within a global reach. */
  covers(reach: Reach, unit: string | null): boolean;
  /**
   * Whether a person whose grants are on `units` lies within `reach`: every grant must (a unit admin
   * manages only people held entirely inside its units). A person with no grant at all belongs to no
   * unit, so only a global reach covers them.
   */
  coversAll(reach: Reach, units: readonly (string | null)[]): boolean;
  allows(principal: Principal, permission: Permission, unit: string | null): Promise<boolean>;
  /** The units under `root` (itself included) that lie within `reach`: a filter "at this unit" narrowed to what may be seen. */
  narrow(reach: Reach, root: string): Promise<ReadonlySet<string>>;
}

export function createScopePolicy(deps: {
  /** Every unit in the subtrees of `roots`, in today's tree (the roots included). */
  subtreeOf: (roots: readonly string[]) => Promise<readonly string[]>;
}): ScopePolicy {
  const covers = (reach: Reach, unit: string | null) => reach === 'all' || (unit !== null && reach.has(unit));

  // The set made of a subtree, by the subtree's array: a source that answers the same array for the
  // same roots (the org scope's snapshot does, until the tree changes) gets the same set, instead of a
  // new one of every unit in the grants' subtrees on every request.
  const sets = new WeakMap<readonly string[], ReadonlySet<string>>();

  async function reach(principal: Principal, permission: Permission): Promise<Reach> {
    const grants = principal.grants.filter((g) => ROLE_PERMISSIONS[g.role].has(permission));
    if (grants.some((g) => g.orgUnitCode === null)) return 'all';
    const roots = [...new Set(grants.map((g) => g.orgUnitCode!))];
    if (roots.length === 0) return new Set();
    const subtree = await deps.subtreeOf(roots);
    let set = sets.get(subtree);
    if (set === undefined) {
      set = new Set(subtree);
      sets.set(subtree, set);
    }
    return set;
  }

  return {
    can,
    reach,
    covers,
    coversAll: (reach, units) => reach === 'all' || (units.length > 0 && units.every((unit) => covers(reach, unit))),
    allows: async (principal, permission, unit) => covers(await reach(principal, permission), unit),
    async narrow(reach, root) {
      const under = await deps.subtreeOf([root]);
      return new Set(reach === 'all' ? under : under.filter((code) => reach.has(code)));
    },
  };
}
