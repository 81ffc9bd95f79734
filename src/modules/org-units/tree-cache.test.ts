import { describe, expect, it } from 'vitest';
import { createTreeCache, treeCacheKey } from './tree-cache.js';

const bytes = (n: number) => Buffer.alloc(n, 1);

describe('tree cache', () => {
  it('serves an answer only at the stamp it was read at, and drops it at another', () => {
    const cache = createTreeCache({ maxBytes: 100, maxEntries: 4 });
    const key = treeCacheKey('ORG', '2026-01-01', 8);
    const json = bytes(10);
    cache.set(key, '7', json);
    expect(cache.get(key, '7')).toBe(json);
    expect(cache.get(key, '8')).toBeUndefined();
    expect(cache.has(key)).toBe(false);
    expect(cache.get(key, '7')).toBeUndefined();
  });

  it('keys by unit, date and depth', () => {
    const cache = createTreeCache({ maxBytes: 100, maxEntries: 4 });
    cache.set(treeCacheKey('ORG', '2026-01-01', 8), '1', bytes(1));
    expect(cache.get(treeCacheKey('ORG', '2026-01-02', 8), '1')).toBeUndefined();
    expect(cache.get(treeCacheKey('ORG', '2026-01-01', 2), '1')).toBeUndefined();
    expect(cache.get(treeCacheKey('ORG2', '2026-01-01', 8), '1')).toBeUndefined();
    expect(cache.get(treeCacheKey('ORG', '2026-01-01', 8), '1')).toBeDefined();
  });

  it('keeps within its bytes and entries, the least recently used out first', () => {
    const cache = createTreeCache({ maxBytes: 30, maxEntries: 3 });
    cache.set('a', '1', bytes(10));
    cache.set('b', '1', bytes(10));
    cache.set('c', '1', bytes(10));
    expect(cache.get('a', '1')).toBeDefined(); // a is now the most recent
    cache.set('d', '1', bytes(10));
    expect([...'abcd'].filter((k) => cache.has(k))).toEqual(['a', 'c', 'd']);
    expect(cache.bytes).toBe(30);
    cache.set('e', '1', bytes(25));
    expect([...'abcde'].filter((k) => cache.has(k))).toEqual(['e']);
    cache.set('f', '1', bytes(31)); // larger than the whole cache: not kept
    expect(cache.has('f')).toBe(false);
    expect(cache.size).toBe(1);
    cache.set('e', '2', bytes(5)); // replaced, not counted twice
    expect(cache.bytes).toBe(5);
  });
});
