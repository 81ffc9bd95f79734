import { describe, expect, it } from 'vitest';
import { NO_FILTER, describeFilter, isFiltered, listQuery, parseWallFilter, wallSearch } from './filters';

describe('camera wall filters in the address', () => {
  it('reads what the overview links ask for', () => {
    expect(parseWallFilter('?unit=S1&state=running')).toEqual({ filter: { ...NO_FILTER, unit: 'S1', state: 'running' }, problems: [] });
    expect(parseWallFilter('')).toEqual({ filter: NO_FILTER, problems: [] });
    expect(parseWallFilter(new URLSearchParams({ label: 'gate', q: '  front door ' })).filter).toEqual({
      ...NO_FILTER,
      label: 'gate',
      q: 'front door',
    });
  });

  it('leaves out what the API would refuse, and says why', () => {
    const parsed = parseWallFilter('?unit=no%20spaces&state=asleep&label=-x&q=ok');
    expect(parsed.filter).toEqual({ ...NO_FILTER, q: 'ok' });
    expect(parsed.problems).toHaveLength(3);
    expect(parsed.problems[0]).toContain('no spaces');
    expect(parsed.problems[1]).toContain('asleep');
    expect(parseWallFilter(`?q=${'x'.repeat(300)}`).filter.q).toHaveLength(200);
  });

  it('writes a filter back in a fixed order without empty keys, and round-trips', () => {
    expect(wallSearch({ q: 'door', unit: 'S1' })).toBe('?unit=S1&q=door');
    expect(wallSearch(NO_FILTER)).toBe('');
    expect(wallSearch({ label: 'a/b:c', q: 'x & y' })).toBe('?label=a%2Fb%3Ac&q=x+%26+y');
    const filter = { unit: 'R1.north', state: 'degraded' as const, label: 'gate', q: 'x & y' };
    expect(parseWallFilter(wallSearch(filter)).filter).toEqual(filter);
  });

  it('turns a filter into the list API’s query and into words', () => {
    expect(listQuery({ ...NO_FILTER, unit: 'S1', q: 'door' })).toEqual({ orgUnitCode: 'S1', q: 'door' });
    expect(listQuery(NO_FILTER)).toEqual({});
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, label: 'gate' })).toBe(true);
    expect(describeFilter({ unit: 'S1', state: 'running', label: 'gate', q: 'door' })).toBe(
      'in unit S1 and below, running, labelled gate, matching “door”',
    );
  });
});
