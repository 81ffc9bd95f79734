// Links the console follows itself (without reloading the page) from one click handler on a list,
// instead of a router <Link> per item: a wall of 100 tiles then renders 100 plain anchors. Pure.

export interface ClickLike {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}

export interface AnchorLike {
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}

/**
 * The in-console address a click on `anchor` should open in place, or undefined when the browser
 * should handle it: another button or a modifier (a new tab or window, a download), a target other
 * than this tab, a download link, or an address outside the console (another origin, `//host`).
 */
export function inPlaceLink(click: ClickLike, anchor: AnchorLike | null): string | undefined {
  if (!anchor || click.defaultPrevented || click.button !== 0) return undefined;
  if (click.metaKey || click.ctrlKey || click.shiftKey || click.altKey) return undefined;
  const target = anchor.getAttribute('target');
  if ((target && target !== '_self') || anchor.hasAttribute('download')) return undefined;
  const href = anchor.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//')) return undefined;
  return href;
}
