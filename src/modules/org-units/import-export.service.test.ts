import { describe, expect, it } from 'vitest';
import { checkHierarchy } from './hierarchy.js';
import { exportOrder } from './import-export.service.js';
import type { Timeline, Version } from './timeline.js';
import { versionAt } from './timeline.js';
import { versionOf as v } from '../../../test/helpers/org-versions.js';

/** The rows (code, first day) whose parent has no row before them in force on their first day (or on `asOf`). */
function orphans(rows: [string, Version][], asOf?: string): string[] {
  const seen = new Map<string, Version[]>();
  const out: string[] = [];
  for (const [code, version] of rows) {
    const parent = version.parentCode;
    if (parent !== null && !versionAt(seen.get(parent) ?? [], asOf ?? version.from)) out.push(`${code}@${version.from}`);
    seen.set(code, [...(seen.get(code) ?? []), version]);
  }
  return out;
}

describe('export order', () => {
  it('puts a parent before the version of a unit that moves under it later, whatever the codes', () => {
    const timelines = new Map<string, Timeline>([
      ['ACME', [v('2020-01-01', null, null)]],
      ['NORTH', [v('2020-01-01', null, 'ACME')]],
      ['SOUTH', [v('2021-01-01', null, 'ACME')]],
      // Created under NORTH, moved to SOUTH, which sorts after it and after NORTH's subtree.
      ['A-SITE', [v('2020-06-01', '2022-01-01', 'NORTH'), v('2022-01-01', null, 'SOUTH')]],
    ]);
    const rows = exportOrder(timelines);
    expect(orphans(rows)).toEqual([]);
    expect(rows.map(([code, r]) => `${code}@${r.from}`)).toEqual([
      'ACME@2020-01-01',
      'NORTH@2020-01-01',
      'A-SITE@2020-06-01',
      'SOUTH@2021-01-01',
      'A-SITE@2022-01-01',
    ]);
  });

  it('puts a parent created after its child before the version that moves the child under it', () => {
    const timelines = new Map<string, Timeline>([
      ['ROOT', [v('2020-01-01', null, null)]],
      ['C', [v('2020-01-01', '2022-01-01', 'ROOT'), v('2022-01-01', null, 'P')]],
      ['P', [v('2021-01-01', null, 'ROOT')]],
    ]);
    expect(orphans(exportOrder(timelines))).toEqual([]);
  });

  it('keeps the promise when two units swap places (each is the other’s parent at some time)', () => {
    const timelines = new Map<string, Timeline>([
      ['A', [v('2020-01-01', '2022-01-01', null), v('2022-01-01', null, 'B')]],
      ['B', [v('2020-01-01', '2022-01-01', 'A'), v('2022-01-01', null, null)]],
    ]);
    const rows = exportOrder(timelines);
    expect(orphans(rows)).toEqual([]);
    expect(rows.map(([code, r]) => `${code}@${r.from}`)).toEqual(['A@2020-01-01', 'B@2020-01-01', 'B@2022-01-01', 'A@2022-01-01']);
  });

  it('orders an export as of a date by that day’s tree, even when a child’s version is older than its parent’s', () => {
    // On 2024-06-01, Z's version (from 2020) hangs under M, whose version in force started in 2023.
    const timelines = new Map<string, Timeline>([
      ['Z', [v('2020-01-01', null, 'M')]],
      ['M', [v('2023-01-01', null, null)]],
    ]);
    const rows = exportOrder(timelines, '2024-06-01');
    expect(rows.map(([code]) => code)).toEqual(['M', 'Z']);
    expect(orphans(rows, '2024-06-01')).toEqual([]);
  });

  it('holds on random histories of moves: every row comes after its parent’s row in force on its first day', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const days = ['2020-01-01', '2020-06-01', '2021-01-01', '2021-06-01', '2022-01-01', '2022-06-01'];
    for (let round = 0; round < 300; round++) {
      const codes = Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(65 + Math.floor(random() * 26))}${i}`);
      const created = new Map(codes.map((code) => [code, Math.floor(random() * days.length)]));
      const parents = new Map<string, (string | null)[]>(codes.map((code) => [code, []]));
      days.forEach((_, day) => {
        // A random order of the units that exist that day; each hangs under one before it, or none.
        const order = codes.filter((code) => created.get(code)! <= day).sort(() => random() - 0.5);
        order.forEach((code, i) => parents.get(code)!.push(i === 0 || random() < 0.2 ? null : pick(order.slice(0, i))));
      });
      const timelines = new Map<string, Timeline>();
      for (const code of codes) {
        const versions: Version[] = [];
        for (let day = created.get(code)!; day < days.length; day++) {
          const parent = parents.get(code)![day - created.get(code)!]!;
          if (versions.length > 0 && versions.at(-1)!.parentCode === parent) continue;
          if (versions.length > 0) versions.at(-1)!.to = days[day]!;
          versions.push(v(days[day]!, null, parent));
        }
        timelines.set(code, versions);
      }
      // The history is valid: no cycle on any day, every parent there when needed.
      for (const [code, timeline] of timelines) {
        checkHierarchy({ code, timeline, others: new Map([...timelines].filter(([c]) => c !== code)), maxDepth: 17 });
      }
      const rows = exportOrder(timelines);
      expect(orphans(rows), `round ${round}`).toEqual([]);
      expect(rows).toHaveLength([...timelines.values()].reduce((n, t) => n + t.length, 0));
      for (const day of days) {
        // What the export as of a day reads: the version of each unit in force then.
        const inForce = new Map<string, Timeline>();
        for (const [code, timeline] of timelines) {
          const version = versionAt(timeline, day);
          if (version) inForce.set(code, [version]);
        }
        expect(orphans(exportOrder(inForce, day), day), `round ${round} as of ${day}`).toEqual([]);
      }
    }
  });
});
