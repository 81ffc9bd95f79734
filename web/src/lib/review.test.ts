import { describe, expect, it } from 'vitest';
import {
  allowedMoves,
  barGeometry,
  bboxStyle,
  describeBox,
  fillDays,
  isTyping,
  keyAction,
  nextPendingIndex,
  replaceEvents,
} from './review';

describe('bboxStyle', () => {
  it('places a normalised box as percentages of the image', () => {
    expect(bboxStyle({ x: 0.1, y: 0.2, width: 0.3, height: 0.4 })).toEqual({ left: '10%', top: '20%', width: '30%', height: '40%' });
    expect(bboxStyle({ x: 0.12345, y: 0, width: 0.5, height: 1 })).toEqual({ left: '12.345%', top: '0%', width: '50%', height: '100%' });
  });
  it('cuts a box that spills over the frame at its edge', () => {
    expect(bboxStyle({ x: 0.8, y: -0.1, width: 0.5, height: 2 })).toEqual({ left: '80%', top: '0%', width: '20%', height: '100%' });
    expect(bboxStyle({ x: Number.NaN, y: 0.5, width: 0.2, height: 0.2 }).left).toBe('0%');
  });
  it('says the box in words', () => {
    expect(describeBox({ x: 0.1, y: 0.2, width: 0.3, height: 0.4 })).toBe(
      'box at 10% from the left and 20% from the top, 30% wide and 40% high',
    );
  });
});

describe('keyAction', () => {
  it('maps the review keys', () => {
    expect(keyAction({ key: 'c' })).toBe('confirm');
    expect(keyAction({ key: 'F' })).toBe('false_positive');
    expect(keyAction({ key: 'j' })).toBe('next');
    expect(keyAction({ key: 'ArrowDown' })).toBe('next');
    expect(keyAction({ key: 'k' })).toBe('previous');
    expect(keyAction({ key: 'ArrowUp' })).toBe('previous');
    expect(keyAction({ key: 'x' })).toBe('select');
    expect(keyAction({ key: 'q' })).toBeUndefined();
  });
  it('does nothing while a person types in a field, or with a modifier (browser shortcuts)', () => {
    expect(keyAction({ key: 'c', target: { tagName: 'INPUT', type: 'text' } })).toBeUndefined();
    expect(keyAction({ key: 'c', target: { tagName: 'input', type: 'search' } })).toBeUndefined();
    expect(keyAction({ key: 'c', target: { tagName: 'TEXTAREA' } })).toBeUndefined();
    expect(keyAction({ key: 'ArrowDown', target: { tagName: 'SELECT' } })).toBeUndefined();
    expect(keyAction({ key: 'c', target: { tagName: 'DIV', isContentEditable: true } })).toBeUndefined();
    expect(keyAction({ key: 'c', ctrlKey: true })).toBeUndefined();
    expect(keyAction({ key: 'f', metaKey: true })).toBeUndefined();
    expect(keyAction({ key: 'x', target: { tagName: 'INPUT', type: 'checkbox' } })).toBe('select');
    expect(keyAction({ key: 'c', target: { tagName: 'BUTTON' } })).toBe('confirm');
    expect(isTyping(null)).toBe(false);
  });
});

describe('the review workflow', () => {
  it('allows the moves of docs/events.md', () => {
    expect(allowedMoves('pending')).toEqual(['confirmed', 'false_positive']);
    expect(allowedMoves('confirmed')).toEqual(['resolved']);
    expect(allowedMoves('false_positive')).toEqual(['pending']);
    expect(allowedMoves('resolved')).toEqual([]);
  });
  it('moves on to the next pending event, then back to an earlier one, then nowhere', () => {
    const list = [{ status: 'pending' }, { status: 'confirmed' }, { status: 'pending' }, { status: 'false_positive' }] as const;
    expect(nextPendingIndex(list, 1)).toBe(2);
    expect(nextPendingIndex(list, 2)).toBe(0);
    expect(nextPendingIndex([{ status: 'confirmed' }, { status: 'resolved' }], 0)).toBeUndefined();
  });
  it('replaces reviewed events in paged data, keeping newer ones', () => {
    const data = { pages: [{ items: [{ id: 'a', revision: 1 }] }, { items: [{ id: 'b', revision: 3 }] }], pageParams: [null, 'x'] };
    const next = replaceEvents(data, [
      { id: 'a', revision: 2 },
      { id: 'b', revision: 2 },
    ]);
    expect(next?.pages.map((p) => p.items)).toEqual([[{ id: 'a', revision: 2 }], [{ id: 'b', revision: 3 }]]);
    expect(next?.pageParams).toEqual([null, 'x']);
    expect(replaceEvents(undefined, [{ id: 'a', revision: 1 }])).toBeUndefined();
  });
});

describe('counts per day', () => {
  it('fills the days without events', () => {
    expect(
      fillDays(
        [
          { key: '2026-02-27', total: 4 },
          { key: '2026-03-01', total: 1 },
        ],
        '2026-02-27',
        '2026-03-01',
      ),
    ).toEqual([
      { key: '2026-02-27', total: 4 },
      { key: '2026-02-28', total: 0 },
      { key: '2026-03-01', total: 1 },
    ]);
  });
  it('draws bars in proportion, the tallest at full height', () => {
    const bars = barGeometry([0, 5, 10], 30, 100, 2);
    expect(bars.map((b) => b.height)).toEqual([0, 50, 100]);
    expect(bars.map((b) => b.y)).toEqual([100, 50, 0]);
    expect(bars[1]).toMatchObject({ x: 11, width: 8 });
    expect(barGeometry([0, 0], 10, 10).every((b) => b.height === 0)).toBe(true);
  });
});
