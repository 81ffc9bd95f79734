// The grants editor's state, kept pure so it is unit tested (grants.test.ts): rows of a role and a
// unit (empty: everywhere) that can be added, changed and removed, checked before they are sent,
// and turned into the API's `[{ role, orgUnitCode }]`.
import type { Grant, Role } from '../../api/types';

export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer', 'detector'];

/** What each role may do, in words (the matrix is in docs/security.md). */
export const ROLE_HINTS: Record<Role, string> = {
  admin: 'everything, users and keys included',
  operator: 'controls cameras, reviews events, acknowledges alerts, reads the audit log',
  viewer: 'reads only',
  detector: 'reports detection events (for machines)',
};

/** The API's pattern for an org unit code. */
export const UNIT_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const MAX_GRANTS = 100;

export interface GrantRow {
  /** Stable while the row lives (React key, focus); never sent. */
  key: number;
  role: Role;
  /** An org unit code; empty means everywhere. */
  unit: string;
  /** Just added and not yet changed: not called a duplicate yet (it would be merged, not sent twice). */
  fresh?: boolean;
}

export interface GrantsState {
  rows: GrantRow[];
  nextKey: number;
}

export type GrantsAction =
  | { type: 'add'; role?: Role; unit?: string }
  | { type: 'remove'; key: number }
  | { type: 'change'; key: number; role?: Role; unit?: string }
  | { type: 'reset'; grants: readonly Grant[] };

export function grantsState(grants: readonly Grant[] = []): GrantsState {
  return { rows: grants.map((grant, index) => ({ key: index, role: grant.role, unit: grant.orgUnitCode ?? '' })), nextKey: grants.length };
}

export function grantsReducer(state: GrantsState, action: GrantsAction): GrantsState {
  switch (action.type) {
    case 'add':
      return {
        rows: [...state.rows, { key: state.nextKey, role: action.role ?? 'viewer', unit: action.unit ?? '', fresh: true }],
        nextKey: state.nextKey + 1,
      };
    case 'remove':
      return { ...state, rows: state.rows.filter((row) => row.key !== action.key) };
    case 'change':
      return {
        ...state,
        rows: state.rows.map((row) =>
          row.key === action.key ? { key: row.key, role: action.role ?? row.role, unit: action.unit ?? row.unit } : row,
        ),
      };
    case 'reset':
      return grantsState(action.grants);
  }
}

const identity = (role: Role, unit: string) => `${role}\u0000${unit.trim()}`;

/** A problem per row key, in words; an empty map when the rows may be sent. */
export function grantProblems(rows: readonly GrantRow[]): Map<number, string> {
  const problems = new Map<number, string>();
  const seen = new Set<string>();
  for (const row of rows) {
    const unit = row.unit.trim();
    if (unit !== '' && !UNIT_CODE.test(unit)) {
      problems.set(row.key, 'A unit code is letters, digits, “_”, “.” or “-”, starting with a letter or digit (64 at most).');
      continue;
    }
    const id = identity(row.role, unit);
    if (seen.has(id) && !row.fresh) problems.set(row.key, 'This grant is already in the list.');
    seen.add(id);
  }
  return problems;
}

/** The rows as the API takes them (duplicates once, units trimmed, empty as null). */
export function toGrants(rows: readonly GrantRow[]): Grant[] {
  const seen = new Set<string>();
  const grants: Grant[] = [];
  for (const row of rows) {
    const unit = row.unit.trim();
    const id = identity(row.role, unit);
    if (seen.has(id)) continue;
    seen.add(id);
    grants.push({ role: row.role, orgUnitCode: unit === '' ? null : unit });
  }
  return grants;
}

/** Whether two lists hold the same grants, whatever their order. */
export function sameGrants(a: readonly Grant[], b: readonly Grant[]): boolean {
  const key = (grant: Grant) => identity(grant.role, grant.orgUnitCode ?? '');
  const left = new Set(a.map(key));
  const right = new Set(b.map(key));
  return left.size === right.size && [...left].every((id) => right.has(id));
}

/** "admin everywhere", "viewer on SITE-1". */
export function describeGrant(grant: Grant): string {
  return grant.orgUnitCode === null ? `${grant.role} everywhere` : `${grant.role} on ${grant.orgUnitCode}`;
}
