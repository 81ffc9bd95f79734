// Checks a unit's new timeline against the rest of the tree on every date it could matter: the
// parent exists on each day of each version, no unit becomes its own ancestor, and no branch grows
// deeper than the limit. Pure: it works on the timelines the service loaded.
import { OrgErrors } from './org-units.errors.js';
import type { Timeline, Version } from './timeline.js';
import { versionAt } from './timeline.js';

export interface HierarchyInput {
  /** The unit whose timeline changes. */
  code: string;
  timeline: Timeline;
  /** Every unit ever above or below it, on any date (its own entry, if any, is ignored). */
  others: ReadonlyMap<string, Timeline>;
  maxDepth: number;
}

/** The dates on which some parent relation starts or changes. */
function breakpoints(timelines: Iterable<Timeline>, since: string): string[] {
  const dates = new Set<string>([since]);
  for (const timeline of timelines) {
    timeline.forEach((v, i) => {
      const previous = timeline[i - 1];
      if (v.from >= since && (!previous || previous.parentCode !== v.parentCode)) dates.add(v.from);
    });
  }
  return [...dates].sort();
}

export function checkHierarchy({ code, timeline, others, maxDepth }: HierarchyInput): void {
  const first = timeline[0];
  if (!first) return;
  const timelines = new Map(others);
  timelines.set(code, timeline);

  for (const version of timeline) {
    if (version.parentCode === null) continue;
    const parent = timelines.get(version.parentCode);
    const parentFirst = parent?.[0];
    if (!parentFirst || parentFirst.from > version.from) throw OrgErrors.parentNotValid(code, version.parentCode, version.from);
  }

  const parentAt = (unit: string, date: string): string | null => {
    const t = timelines.get(unit);
    return t ? (versionAt(t, date)?.parentCode ?? null) : null;
  };

  for (const date of breakpoints(timelines.values(), first.from)) {
    // Up: the path from the root to the unit, or a cycle.
    const path = [code];
    for (let above = parentAt(code, date); above !== null; above = parentAt(above, date)) {
      if (above === code) throw OrgErrors.cycle(code, date, [...path, code]);
      if (path.includes(above)) break; // a cycle elsewhere, not through this unit: not ours to report
      path.push(above);
      if (path.length > maxDepth + 64) break;
    }
    // Down: how many levels hang below the unit on that date.
    const children = new Map<string, string[]>();
    for (const [unit, t] of timelines) {
      if (unit === code) continue;
      const v: Version | undefined = versionAt(t, date);
      if (v?.parentCode) children.set(v.parentCode, [...(children.get(v.parentCode) ?? []), unit]);
    }
    let height = 1;
    for (let level = children.get(code) ?? []; level.length > 0; height++) {
      level = level.flatMap((unit) => children.get(unit) ?? []);
      if (height > maxDepth + 64) break;
    }
    const deepest = path.length + height - 1;
    if (deepest > maxDepth) throw OrgErrors.tooDeep(code, date, deepest, maxDepth);
  }
}
