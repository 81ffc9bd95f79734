import { describe, expect, it } from 'vitest';
import { dayAfter, dayStart } from './days';

describe('days as instants', () => {
  it('starts a day at local midnight and ends it at the next', () => {
    const start = new Date(dayStart('2026-03-01'));
    expect([start.getFullYear(), start.getMonth(), start.getDate(), start.getHours(), start.getMinutes()]).toEqual([2026, 2, 1, 0, 0]);
    const end = new Date(dayAfter('2026-02-28'));
    expect([end.getMonth(), end.getDate(), end.getHours()]).toEqual([2, 1, 0]);
    expect(new Date(dayAfter('2026-12-31')).getFullYear()).toBe(2027);
  });
});
