import { describe, expect, it } from 'vitest';
import { inspectInput } from './input.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('inspectInput', () => {
  it('names every NUL and lone surrogate, in values and keys, by path', () => {
    const value = { a: 'ok', b: ['x', 'y\u0000'], c: { 'k\ud800': 1, d: 'z\udc00' } };
    expect(inspectInput(value, 'body').problems).toEqual([
      { path: 'body.b.1', message: 'must not contain the NUL character (U+0000)' },
      { path: 'body.c.k\\ud800', message: '(a key) must not contain a lone UTF-16 surrogate (invalid Unicode)' },
      { path: 'body.c.d', message: 'must not contain a lone UTF-16 surrogate (invalid Unicode)' },
    ]);
  });

  it('accepts surrogate pairs, U+FFFD and other control characters', () => {
    expect(inspectInput({ a: '📷 \ufffd \t\u0001' }, 'body')).toEqual({ problems: [], tooDeep: false });
  });

  it('counts depth with the value itself as level 1, without recursion', () => {
    expect(inspectInput(nested(3), 'body', 3).tooDeep).toBe(false);
    expect(inspectInput(nested(4), 'body', 3).tooDeep).toBe(true);
    expect(inspectInput(nested(100_000), 'body', 64).tooDeep).toBe(true);
  });

  it('stops after `limit` problems', () => {
    expect(
      inspectInput(
        Array.from({ length: 100 }, () => '\u0000'),
        'body',
        64,
        5,
      ).problems,
    ).toHaveLength(5);
  });
});
