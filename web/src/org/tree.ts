// The unit tree built from the flat list the API pages through, and the questions the page asks
// of it (which nodes a search shows, which are open, which parents a unit may move under). Pure,
// so unit tested (tree.test.ts).
import type { OrgUnit } from '../api/org';

export interface TreeNode {
  unit: OrgUnit;
  children: TreeNode[];
  /** 0 for a root of what the caller sees (a unit whose parent is outside their grants is one too). */
  depth: number;
}

export interface Tree {
  roots: TreeNode[];
  byCode: Map<string, TreeNode>;
}

/** Siblings as the API's subtree orders them: by sort order, then code. */
function bySortOrder(a: TreeNode, b: TreeNode): number {
  if (a.unit.sortOrder !== b.unit.sortOrder) return a.unit.sortOrder - b.unit.sortOrder;
  return a.unit.code < b.unit.code ? -1 : a.unit.code > b.unit.code ? 1 : 0;
}

export function buildTree(units: readonly OrgUnit[]): Tree {
  const byCode = new Map<string, TreeNode>();
  for (const unit of units) byCode.set(unit.code, { unit, children: [], depth: 0 });
  const roots: TreeNode[] = [];
  for (const node of byCode.values()) {
    const parent = node.unit.parentCode === null ? undefined : byCode.get(node.unit.parentCode);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  // Depths from the roots down; a node no root reaches (a cycle, which the API never answers) is
  // shown as a root rather than lost.
  const reached = new Set<string>();
  const place = (start: TreeNode[], depth: number) => {
    const stack = start.map((node) => ({ node, depth }));
    while (stack.length > 0) {
      const { node, depth: d } = stack.pop()!;
      if (reached.has(node.unit.code)) continue;
      reached.add(node.unit.code);
      node.depth = d;
      node.children.sort(bySortOrder);
      for (const child of node.children) stack.push({ node: child, depth: d + 1 });
    }
  };
  place(roots, 0);
  for (const node of byCode.values()) {
    if (reached.has(node.unit.code)) continue;
    const parent = byCode.get(node.unit.parentCode ?? '');
    if (parent) parent.children = parent.children.filter((child) => child !== node);
    roots.push(node);
    place([node], 0);
  }
  roots.sort(bySortOrder);
  return { roots, byCode };
}

/** Every node, depth first in display order. */
export function flatten(roots: readonly TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/** The codes above `code` in the tree, nearest first (its parent, then the parent's parent...). */
export function ancestorsOf(tree: Tree, code: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>([code]);
  let parent = tree.byCode.get(code)?.unit.parentCode ?? null;
  while (parent !== null && !seen.has(parent) && tree.byCode.has(parent)) {
    out.push(parent);
    seen.add(parent);
    parent = tree.byCode.get(parent)?.unit.parentCode ?? null;
  }
  return out;
}

/** `code` and every unit below it. */
export function subtreeOf(tree: Tree, code: string): Set<string> {
  const node = tree.byCode.get(code);
  return new Set(node ? flatten([node]).map((n) => n.unit.code) : [code]);
}

/** The nodes open at first: the roots, so the first two levels show. */
export function initiallyOpen(tree: Tree): Set<string> {
  return new Set(tree.roots.filter((node) => node.children.length > 0).map((node) => node.unit.code));
}

export interface SearchResult {
  /** Units whose name or code contains the text (case-insensitive). */
  matches: Set<string>;
  /** The matches and every unit above one: what the tree shows while searching, all open. */
  shown: Set<string>;
}

export function search(tree: Tree, text: string): SearchResult {
  const needle = text.trim().toLowerCase();
  const matches = new Set<string>();
  const shown = new Set<string>();
  if (!needle) return { matches, shown };
  for (const node of tree.byCode.values()) {
    const { code, name } = node.unit;
    if (!name.toLowerCase().includes(needle) && !code.toLowerCase().includes(needle)) continue;
    matches.add(code);
    shown.add(code);
    for (const above of ancestorsOf(tree, code)) shown.add(above);
  }
  return { matches, shown };
}

/** Units `code` may move under on the tree's date: all but itself and those below it (a cycle). */
export function parentChoices(tree: Tree, code: string | undefined): TreeNode[] {
  const excluded = code === undefined ? new Set<string>() : subtreeOf(tree, code);
  return flatten(tree.roots).filter((node) => !excluded.has(node.unit.code));
}

/** The type a new unit under `parentType` most likely has: the next of the default types. */
export function suggestedChildType(parentType: string | undefined, types: readonly string[]): string {
  if (parentType === undefined) return types[0] ?? 'ORGANIZATION';
  const index = types.indexOf(parentType);
  if (index < 0) return parentType;
  return types[Math.min(index + 1, types.length - 1)]!;
}

/** The unit types Vigil ships with (VIGIL_ORG_UNIT_TYPES may differ), then any others in the tree. */
export const DEFAULT_UNIT_TYPES = ['ORGANIZATION', 'REGION', 'SITE', 'DEPARTMENT', 'TEAM'] as const;

export function knownTypes(units: readonly OrgUnit[]): string[] {
  const types: string[] = [...DEFAULT_UNIT_TYPES];
  for (const unit of units) if (!types.includes(unit.unitType)) types.push(unit.unitType);
  return types;
}
