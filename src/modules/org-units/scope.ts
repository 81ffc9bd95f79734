// The scope of grants: "is unit x inside y (or y itself)", answered from today's tree. A unit not
// in force today (scheduled to start later) is placed by its first future version. The map is
// cached in the process and dropped when any process writes to the tree (pub/sub), when the date
// changes, and at the latest after MAX_AGE_MS (a lost message cannot keep it stale for long).
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';
import { orgRepo } from './org-units.repo.js';

const MAX_AGE_MS = 60_000;
/** Subtrees a snapshot keeps, by roots: one per distinct set of grants asking, within a snapshot's life. */
const SUBTREES_KEPT = 256;
export const ORG_CHANGED_CHANNEL = 'org-units.changed';

export interface OrgSnapshot {
  readonly date: string;
  /** Whether the unit is in force today or scheduled to start later. */
  has(code: string): boolean;
  isWithin(x: string, y: string): boolean;
  /**
   * Every unit inside any of `roots` (the roots included). Kept in the snapshot (which never
   * changes): asked again with the same roots, it answers the same frozen array, so that scope
   * checks on every request neither walk the tree nor copy it again.
   */
  subtreeOf(roots: readonly string[]): readonly string[];
  /** The unit's name today (or in its first future version); undefined for an unknown code. */
  nameOf(code: string): string | undefined;
}

export function createOrgScope(deps: { db: Kysely<Schema>; today: () => string; now?: () => number }) {
  const now = deps.now ?? Date.now;
  let cached: { snapshot: OrgSnapshot; at: number } | undefined;
  let loading: Promise<OrgSnapshot> | undefined;
  let generation = 0;

  async function load(date: string): Promise<OrgSnapshot> {
    const rows = await orgRepo.scopeTreeOn(deps.db, date);
    const parents = new Map(rows.map((r) => [r.code, r.parent_code]));
    const names = new Map(rows.map((r) => [r.code, r.name]));
    const children = new Map<string, string[]>();
    for (const [code, parent] of parents) if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), code]);
    const subtrees = new Map<string, readonly string[]>();
    return {
      date,
      has: (code) => parents.has(code),
      nameOf: (code) => names.get(code),
      isWithin(x, y) {
        let current: string | null | undefined = x;
        for (let steps = 0; current != null && steps < 128; steps++) {
          if (current === y) return true;
          current = parents.get(current);
        }
        return false;
      },
      subtreeOf(roots) {
        const key = roots.join('\n');
        const known = subtrees.get(key);
        if (known) return known;
        // A granted code is covered even when it names no unit today (a removed or a mistyped one):
        // "that unit and its subtree", like isWithin(x, x).
        const seen = new Set<string>();
        const queue = [...roots];
        while (queue.length > 0) {
          const code = queue.pop()!;
          if (seen.has(code)) continue;
          seen.add(code);
          queue.push(...(children.get(code) ?? []));
        }
        const subtree = Object.freeze([...seen]);
        if (subtrees.size >= SUBTREES_KEPT) subtrees.delete(subtrees.keys().next().value!);
        subtrees.set(key, subtree);
        return subtree;
      },
    };
  }

  return {
    async snapshot(): Promise<OrgSnapshot> {
      const date = deps.today();
      if (cached && cached.snapshot.date === date && now() - cached.at < MAX_AGE_MS) return cached.snapshot;
      if (!loading) {
        const started = generation;
        const pending: Promise<OrgSnapshot> = load(date).finally(() => {
          if (loading === pending) loading = undefined;
        });
        loading = pending;
        void pending.then(
          (snapshot) => {
            if (started === generation) cached = { snapshot, at: now() };
          },
          () => undefined,
        );
      }
      return loading;
    },
    /** Drops the cached map (after a write to the tree, here or in another process). */
    invalidate(): void {
      generation++;
      cached = undefined;
      loading = undefined;
    },
  };
}

export type OrgScope = ReturnType<typeof createOrgScope>;
