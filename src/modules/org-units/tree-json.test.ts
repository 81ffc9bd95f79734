// The tree's JSON text: the same bytes as JSON.stringify of the nodes, whatever the text holds and
// however far the buffer has to grow.
import { describe, expect, it } from 'vitest';
import type { TreeJsonRow } from './tree-json.js';
import { treeJson } from './tree-json.js';

function row(code: string, parentCode: string | null, name: string, to: string | null): TreeJsonRow {
  const plain = { code, name, unitType: 'SITE', parentCode, status: 'ACTIVE', sortOrder: 0, description: `“${name}”\n\u0001` };
  return {
    code,
    parentCode,
    name,
    sortOrder: 0,
    head: JSON.stringify(plain).slice(0, -1),
    attributes: { '1': 'one', label: name, nested: { list: [1, 'two', null] } },
    from: '2026-01-01',
    to,
    changeReasonJson: to === null ? null : JSON.stringify('moved "there"'),
    revision: 3,
  };
}

describe('tree JSON', () => {
  it('writes the bytes JSON.stringify gives for the nodes, through many buffer growths and non-ASCII text', () => {
    // A chain 40 deep, each with two leaves: names with quotes, backslashes, emoji and accents.
    const names = ['Zürich "HQ"', 'back\\slash', 'emoji 🛰️', 'plain'];
    const rows: TreeJsonRow[] = [row('ROOT', null, 'Root', null)];
    for (let i = 1; i <= 40; i++) {
      rows.push(row(`C${i}`, i === 1 ? 'ROOT' : `C${i - 1}`, names[i % names.length]!, i % 3 === 0 ? '2026-03-01' : null));
      rows.push(row(`L${i}`, i === 1 ? 'ROOT' : `C${i - 1}`, `leaf ${names[(i + 1) % names.length]!}`, '2027-01-01'));
    }
    const childrenOf = (parent: TreeJsonRow) => rows.filter((r) => r.parentCode === parent.code);
    const text = treeJson({ root: rows[0]!, codePath: ['TOP', 'ROOT'], namePath: ['Top ✓', 'Root'], childrenOf }, 1).toString('utf8');

    const node = (r: TreeJsonRow, codePath: string[], namePath: string[]): unknown => ({
      ...(JSON.parse(`${r.head}}`) as object),
      attributes: r.attributes,
      effectiveDate: r.from,
      endDate: r.to === null ? null : r.to === '2026-03-01' ? '2026-02-28' : '2026-12-31',
      changeReason: r.changeReasonJson === null ? null : (JSON.parse(r.changeReasonJson) as string),
      revision: r.revision,
      codePath,
      namePath,
      level: codePath.length,
      hasScheduledChanges: r.to !== null,
      children: childrenOf(r).map((c) => node(c, [...codePath, c.code], [...namePath, c.name])),
    });
    expect(text).toBe(JSON.stringify(node(rows[0]!, ['TOP', 'ROOT'], ['Top ✓', 'Root'])));
  });
});
