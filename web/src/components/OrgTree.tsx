// The unit tree as a nested list: each branch opens and closes with a button (aria-expanded),
// each unit links to its page; a search shows the units that match and those above them. Only open
// branches are rendered, so a tree of thousands stays quick.
import { memo, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { ancestorsOf, flatten, initiallyOpen, search } from '../org/tree';
import type { Tree, TreeNode } from '../org/tree';

interface NodeProps {
  node: TreeNode;
  selected: string | undefined;
  open: ReadonlySet<string>;
  /** While searching: the units shown (all open); otherwise undefined. */
  shown: ReadonlySet<string> | undefined;
  matches: ReadonlySet<string> | undefined;
  suffix: string;
  onToggle: (code: string) => void;
}

const TreeItem = memo(function TreeItem({ node, selected, open, shown, matches, suffix, onToggle }: NodeProps) {
  const { unit } = node;
  const children = shown ? node.children.filter((child) => shown.has(child.unit.code)) : node.children;
  const expandable = children.length > 0;
  const isOpen = expandable && (shown !== undefined || open.has(unit.code));
  const isSelected = unit.code === selected;
  const suspended = unit.status === 'INACTIVE';
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
            onClick={() => onToggle(unit.code)}
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
        {suspended ? (
          <span className="badge org-suspended">
            <span aria-hidden="true">⊘ </span>suspended
          </span>
        ) : null}
      </div>
      {isOpen ? (
        <ul>
          {children.map((child) => (
            <TreeItem
              key={child.unit.code}
              node={child}
              selected={selected}
              open={open}
              shown={shown}
              matches={matches}
              suffix={suffix}
              onToggle={onToggle}
            />
          ))}
        </ul>
      ) : null}
    </li>
  );
});

export function OrgTree({ tree, selected, suffix, label }: { tree: Tree; selected: string | undefined; suffix: string; label: string }) {
  const id = useId();
  const [opened, setOpened] = useState<Set<string> | null>(null);
  const [text, setText] = useState('');
  const open = useMemo(() => opened ?? initiallyOpen(tree), [opened, tree]);
  const found = useMemo(() => (text.trim() ? search(tree, text) : undefined), [tree, text]);

  // The selected unit is always in sight: the branches above it open.
  useEffect(() => {
    if (!selected || !tree.byCode.has(selected)) return;
    const above = ancestorsOf(tree, selected);
    if (above.every((code) => open.has(code))) return;
    setOpened(new Set([...open, ...above]));
  }, [selected, tree, open]);

  const toggle = useCallback(
    (code: string) =>
      setOpened((previous) => {
        const next = new Set(previous ?? initiallyOpen(tree));
        if (next.has(code)) next.delete(code);
        else next.add(code);
        return next;
      }),
    [tree],
  );

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
            onClick={() =>
              setOpened(
                new Set(
                  flatten(tree.roots)
                    .filter((n) => n.children.length > 0)
                    .map((n) => n.unit.code),
                ),
              )
            }
          >
            Expand all
          </button>
          <button type="button" className="button secondary" disabled={found !== undefined} onClick={() => setOpened(new Set())}>
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
        <ul className="org-tree" aria-label={label}>
          {roots.map((node) => (
            <TreeItem
              key={node.unit.code}
              node={node}
              selected={selected}
              open={open}
              shown={found?.shown}
              matches={found?.matches}
              suffix={suffix}
              onToggle={toggle}
            />
          ))}
        </ul>
      ) : null}
    </div>
  );
}
