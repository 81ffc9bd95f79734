// The event review page's pure logic: a box drawn over a snapshot, the keyboard's shortcuts, the
// review workflow's moves, and the counts per day filled out for a chart. No React here.
import type { BoundingBox, EventStatus } from '../api/types';
import { addDays } from '../format';

const clamp01 = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);
const percent = (n: number) => `${Math.round(n * 1_000_000) / 10_000}%`;

/**
 * A normalised box (0..1 from the frame's top-left corner) as CSS percentages of the image it is
 * drawn over; a box that spills over the frame is cut at its edge.
 */
export function bboxStyle(box: BoundingBox): { left: string; top: string; width: string; height: string } {
  const x = clamp01(box.x);
  const y = clamp01(box.y);
  return {
    left: percent(x),
    top: percent(y),
    width: percent(Math.min(clamp01(box.width), 1 - x)),
    height: percent(Math.min(clamp01(box.height), 1 - y)),
  };
}

/** The box in words, for people who cannot see it: "box from 10% left, 20% top, 30% wide, 40% high". */
export function describeBox(box: BoundingBox): string {
  const p = (n: number) => `${Math.round(clamp01(n) * 100)}%`;
  return `box at ${p(box.x)} from the left and ${p(box.y)} from the top, ${p(box.width)} wide and ${p(box.height)} high`;
}

export type ReviewAction = 'confirm' | 'false_positive' | 'next' | 'previous' | 'select';

export const SHORTCUTS: { key: string; keys: string; action: ReviewAction; label: string }[] = [
  { key: 'c', keys: 'c', action: 'confirm', label: 'Confirm' },
  { key: 'f', keys: 'f', action: 'false_positive', label: 'Mark false positive' },
  { key: 'j', keys: 'j ArrowDown', action: 'next', label: 'Next event' },
  { key: 'k', keys: 'k ArrowUp', action: 'previous', label: 'Previous event' },
  { key: 'x', keys: 'x', action: 'select', label: 'Select for a bulk action' },
];

const KEYS: Record<string, ReviewAction> = {
  c: 'confirm',
  f: 'false_positive',
  j: 'next',
  ArrowDown: 'next',
  k: 'previous',
  ArrowUp: 'previous',
  x: 'select',
};

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  target?: { tagName?: string; type?: string; isContentEditable?: boolean } | null;
}

/** Whether keys typed here are text (an input, a text area, a list box, an editable element). */
export function isTyping(target: KeyLike['target']): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes((target.type ?? 'text').toLowerCase());
  return false;
}

/** The review action a key press asks for, or undefined (a key with a modifier, or typed into a field). */
export function keyAction(event: KeyLike): ReviewAction | undefined {
  if (event.ctrlKey || event.metaKey || event.altKey) return undefined;
  if (isTyping(event.target)) return undefined;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  return KEYS[key];
}

/** The review workflow (docs/events.md): where an event may go from its status. */
export function allowedMoves(status: EventStatus): EventStatus[] {
  switch (status) {
    case 'pending':
      return ['confirmed', 'false_positive'];
    case 'confirmed':
      return ['resolved'];
    case 'false_positive':
      return ['pending'];
    case 'resolved':
      return [];
  }
}

export const STATUS_WORDS: Record<EventStatus, { text: string; icon: string }> = {
  pending: { text: 'Awaiting review', icon: '◌' },
  confirmed: { text: 'Confirmed', icon: '✓' },
  false_positive: { text: 'False positive', icon: '✕' },
  resolved: { text: 'Resolved', icon: '■' },
};

/** The next event still pending after `from`, else the first one before it; undefined when none is left. */
export function nextPendingIndex(events: readonly { status: EventStatus }[], from: number): number | undefined {
  for (let i = from + 1; i < events.length; i++) if (events[i]!.status === 'pending') return i;
  for (let i = 0; i < Math.min(from, events.length); i++) if (events[i]!.status === 'pending') return i;
  return undefined;
}

export function formatConfidence(confidence: number): string {
  return `${Math.round(clamp01(confidence) * 100)}%`;
}

export interface DayCount {
  key: string;
  total: number;
}

/** Counts for every day from `from` to `to` (YYYY-MM-DD, inclusive), days without events at 0. */
export function fillDays(items: readonly DayCount[], from: string, to: string): DayCount[] {
  const byDay = new Map(items.map((item) => [item.key, item.total]));
  const out: DayCount[] = [];
  for (let day = from; day <= to && out.length < 400; day = addDays(day, 1)) out.push({ key: day, total: byDay.get(day) ?? 0 });
  return out;
}

/** Bars of a small chart: x, y, width, height in a `width` × `height` box, tallest at full height. */
export function barGeometry(values: readonly number[], width: number, height: number, gap = 2) {
  const max = Math.max(1, ...values);
  const slot = values.length > 0 ? width / values.length : width;
  return values.map((value, i) => {
    const h = value > 0 ? Math.max(1, (value / max) * height) : 0;
    return { x: i * slot + gap / 2, y: height - h, width: Math.max(1, slot - gap), height: h };
  });
}

/** Paged list data (React Query's infinite shape) with some events replaced by their reviewed versions. */
export function replaceEvents<E extends { id: string; revision: number }, D extends { pages: { items: E[] }[] }>(
  data: D | undefined,
  updated: readonly E[],
): D | undefined {
  if (!data || updated.length === 0) return data;
  const byId = new Map(updated.map((e) => [e.id, e]));
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      items: page.items.map((e) => {
        const next = byId.get(e.id);
        return next && next.revision >= e.revision ? next : e;
      }),
    })),
  };
}
