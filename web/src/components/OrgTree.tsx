// The unit tree as a nested list: each branch opens and closes with a button (aria-expanded),
// each unit links to its page; a search shows the units that match and those above them.
// Kept quick for thousands of units: only open branches are rendered; which branches are open is a
// small store each item reads for itself, so opening one re-renders that item alone; and the
// selection is handed down only along its path, so choosing a unit re-renders the two paths.
import { memo, useEffect, useId, useMemo, useState, useSyncExternalStore } from 'react';
import { Link } from 'react-router';
import { ancestorsOf, flatten, initiallyOpen, search } from '../org/tree';
import type { Tree, TreeNode } from '../org/tree';

/** The open branches, by code; items subscribe and read whether theirs is open. */
class OpenBranches {
  private codes = new Set<string>();
  private started = false;
  private readonly listeners = new Set<() => void>();
  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  has(code: string): boolean {
    return this.codes.has(code);
  }
  /** The first tree seen opens its roots; later trees (other dates) keep what the user opened. */
  start(codes: Iterable<string>): void {
    if (this.started) return;
    this.started = true;
    this.replace(codes);
  }
  replace(codes: Iterable<string>): void {
    this.codes = new Set(codes);
    this.notify();
  }
  add(codes: readonly string[]): void {
    if (codes.every((code) => this.codes.has(code))) return;
    for (const code of codes) this.codes.add(code);
    this.notify();
  }
  toggle(code: string): void {
    if (!this.codes.delete(code)) this.codes.add(code);
    this.notify();
  }
  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

interface NodeProps {
  node: TreeNode;
  /** The selected code, given only to the items on its path (itself and those above it). */
  selected: string | undefined;
  path: ReadonlySet<string> | undefined;
  branches: OpenBranches;
  /** While searching: the units shown (all open) and those that match; otherwise undefined. */
  shown: ReadonlySet<string> | undefined;
  matches: ReadonlySet<string> | undefined;
  suffix: string;
}

const TreeItem = memo(function TreeItem({ node, selected, path, branches, shown, matches, suffix }: NodeProps) {
  const { unit } = node;
  const openHere = useSyncExternalStore(branches.subscribe, () => branches.has(unit.code));
  const children = shown ? node.children.filter((child) => shown.has(child.unit.code)) : node.children;
  const expandable = children.length > 0;
  const isOpen = expandable && (shown !== undefined || openHere);
  const isSelected = unit.code === selected;
  return (
    <li>
      <div className={`org-node${isSelected ? ' selected' : ''}${matches?.has(unit.code) ? ' match' : ''}`}>
        {expandable ? (
          <button
            type="button"
            className="org-toggle"
            aria-expanded={isOpen}
            aria-label={`Units under ${unit.name}`}
            disabled={shown !== undefined}
            onClick={() => branches.toggle(unit.code)}
          >
            <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span>
          </button>
        ) : (
          <span className="org-toggle-spacer" aria-hidden="true" />
        )}
        <Link
          className="org-node-link"
          to={{ pathname: `/organization/${encodeURIComponent(unit.code)}`, search: suffix }}
          aria-current={isSelected ? 'true' : undefined}
        >
          {unit.name}
        </Link>
        <span className="org-node-meta small">
          <code>{unit.code}</code> · {unit.unitType.toLowerCase()}
          {expandable && !isOpen ? ` · ${node.children.length} under it` : ''}
        </span>
        {unit.status === 'INACTIVE' ? (
          <span className="badge org-suspended">
            <span aria-hidden="true">⊘ </span>suspended
          </span>
        ) : null}
      </div>
      {isOpen ? (
        <Branch nodes={children} selected={selected} path={path} branches={branches} shown={shown} matches={matches} suffix={suffix} />
      ) : null}
    </li>
  );
});

function Branch({
  nodes,
  label,
  ...rest
}: Omit<NodeProps, 'node'> & {
  nodes: TreeNode[];
  label?: string;
}) {
  const { selected, path } = rest;
  return (
    <ul className={label ? 'org-tree' : undefined} aria-label={label}>
      {nodes.map((child) => {
        const onPath = path?.has(child.unit.code) === true;
        return (
          <TreeItem
            key={child.unit.code}
            {...rest}
            node={child}
            selected={onPath ? selected : undefined}
            path={onPath ? path : undefined}
          />
        );
      })}
    </ul>
  );
}

export function OrgTree({ tree, selected, suffix, label }: { tree: Tree; selected: string | undefined; suffix: string; label: string }) {
  const id = useId();
  const [branches] = useState(() => new OpenBranches());
  const [text, setText] = useState('');
  const found = useMemo(() => (text.trim() ? search(tree, text) : undefined), [tree, text]);

  // The roots open at first (decided before the first render, which nothing watches yet); the
  // selected unit is always in sight, the branches above it open.
  const above = useMemo(() => (selected && tree.byCode.has(selected) ? ancestorsOf(tree, selected) : []), [tree, selected]);
  if (tree.roots.length > 0) branches.start([...initiallyOpen(tree), ...above]);
  useEffect(() => branches.add(above), [branches, above]);

  const path = useMemo(() => (selected && tree.byCode.has(selected) ? new Set([selected, ...above]) : undefined), [tree, selected, above]);
  const roots = found ? tree.roots.filter((node) => found.shown.has(node.unit.code)) : tree.roots;
  return (
    <div className="org-tree-wrap">
      <div className="org-tree-tools">
        <div className="field">
          <label htmlFor={`${id}-find`}>Find a unit</label>
          <input
            id={`${id}-find`}
            type="search"
            value={text}
            placeholder="Name or code"
            onChange={(e) => setText(e.target.value)}
            aria-describedby={`${id}-found`}
          />
        </div>
        <div className="row">
          <button
            type="button"
            className="button secondary"
            disabled={found !== undefined}
            onClick={() => branches.replace(flatten(tree.roots).flatMap((n) => (n.children.length > 0 ? [n.unit.code] : [])))}
          >
            Expand all
          </button>
          <button type="button" className="button secondary" disabled={found !== undefined} onClick={() => branches.replace([])}>
            Collapse all
          </button>
        </div>
      </div>
      <p id={`${id}-found`} className="muted small" role="status">
        {found
          ? found.matches.size === 0
            ? `No unit’s name or code contains “${text.trim()}”.`
            : `${found.matches.size} unit${found.matches.size === 1 ? '' : 's'} found, shown with the units above them.`
          : ''}
      </p>
      {roots.length > 0 ? (
        <Branch
          nodes={roots}
          label={label}
          selected={selected}
          path={path}
          branches={branches}
          shown={found?.shown}
          matches={found?.matches}
          suffix={suffix}
        />
      ) : null}
    </div>
  );
}
