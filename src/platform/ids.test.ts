import { describe, expect, it } from 'vitest';
import { UUID_PATTERN, uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('makes RFC 9562 version-7 ids carrying the millisecond', () => {
    const now = Date.UTC(2026, 10, 24, 12, 0, 0, 123);
    const id = uuidv7(now + 10_000_000);
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(now + 10_000_000);
  });

  it('stays unique and ordered across many ids in one millisecond and across pool refills', () => {
    const ids = Array.from({ length: 5_000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
