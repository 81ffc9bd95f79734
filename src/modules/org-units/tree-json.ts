// The JSON text of a tree answer, written straight into a buffer: the same bytes as JSON.stringify
// of the nested nodes (OrgUnitTree in org-units.schemas.ts, keys in the same order), without
// building the nodes. A 10,000-unit tree is about 6 MB; as objects, then JSON.stringify, then a
// Buffer, it cost about 2.5× the CPU of this (measured in bench/org-units). The plain fields of each
// node come from the database already as JSON text (`head`); the rest is spliced around them.
import { endDateOf } from '../../platform/dates.js';

/** A node's data as orgRepo.treeAt reads it. */
export interface TreeJsonRow {
  code: string;
  parentCode: string | null;
  name: string;
  sortOrder: number;
  /**
   * The node's first fields as JSON text, without the closing brace: `{"code":…,"name":…,
   * "unitType":…,"parentCode":…,"status":…,"sortOrder":…,"description":…`.
   */
  head: string;
  attributes: Record<string, unknown>;
  from: string;
  to: string | null;
  /** As JSON text (a quoted string), or null. */
  changeReasonJson: string | null;
  revision: number;
}

export interface TreeJsonInput<Row extends TreeJsonRow> {
  root: Row;
  /** Codes and names from the tree's root down to `root` (it included). */
  codePath: readonly string[];
  namePath: readonly string[];
  /** The children to show below a node, in order (an empty list: none, e.g. below the last level). */
  childrenOf: (row: Row) => readonly Row[];
}

/** A buffer that grows; text is written as UTF-8. */
class TextBuffer {
  private buffer: Buffer;
  private length = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.length + text.length * 3 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + text.length * 3));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length, 'utf8');
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** The tree under `root` as JSON text. `sizeHint`: the expected number of nodes, to size the buffer once. */
export function treeJson<Row extends TreeJsonRow>(input: TreeJsonInput<Row>, sizeHint = 1): Buffer {
  const out = new TextBuffer(Math.max(4096, sizeHint * 700));
  // Paths as JSON text without the closing bracket: a child's is its parent's plus one element.
  const write = (row: Row, codePath: string, namePath: string, level: number): void => {
    const endDate = endDateOf(row.to);
    out.write(row.head);
    out.write(',"attributes":');
    out.write(JSON.stringify(row.attributes));
    out.write(
      `,"effectiveDate":"${row.from}","endDate":${endDate === null ? 'null' : `"${endDate}"`},"changeReason":${row.changeReasonJson ?? 'null'},"revision":${row.revision},"codePath":`,
    );
    out.write(codePath);
    out.write('],"namePath":');
    out.write(namePath);
    out.write(`],"level":${level},"hasScheduledChanges":${row.to !== null},"children":[`);
    const children = input.childrenOf(row);
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (i > 0) out.write(',');
      write(child, `${codePath},${JSON.stringify(child.code)}`, `${namePath},${JSON.stringify(child.name)}`, level + 1);
    }
    out.write(']}');
  };
  write(
    input.root,
    `[${input.codePath.map((c) => JSON.stringify(c)).join(',')}`,
    `[${input.namePath.map((n) => JSON.stringify(n)).join(',')}`,
    input.codePath.length,
  );
  return out.bytes();
}
