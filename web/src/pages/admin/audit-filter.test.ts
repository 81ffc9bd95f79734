import { describe, expect, it } from 'vitest';
import {
  EMPTY_FILTER,
  activeFilterCount,
  changedFields,
  filterFromParams,
  filterProblems,
  localToIso,
  paramsWithFilter,
  toAuditQuery,
} from './audit-filter';

describe('the audit filter and the page address', () => {
  it('reads every field from the address, trimmed', () => {
    const params = new URLSearchParams(
      'section=audit&actor=u1&action=%20auth.*%20&resource=api_key&resourceId=k1&unit=SITE&result=denied&from=2026-03-01T10:00&to=2026-03-02T00:00',
    );
    expect(filterFromParams(params)).toEqual({
      actor: 'u1',
      action: 'auth.*',
      resource: 'api_key',
      resourceId: 'k1',
      unit: 'SITE',
      result: 'denied',
      from: '2026-03-01T10:00',
      to: '2026-03-02T00:00',
    });
  });

  it('leaves out what cannot be a filter: an unknown result, a malformed time', () => {
    const filter = filterFromParams(new URLSearchParams('result=maybe&from=yesterday&to=2026-13-45T99:99'));
    expect(filter).toEqual(EMPTY_FILTER);
  });

  it('writes the filter back, keeping the other parameters and dropping empty fields', () => {
    const params = new URLSearchParams('section=audit&action=old.thing&unit=X');
    const next = paramsWithFilter(params, { ...EMPTY_FILTER, action: 'api_key.create', result: 'success' });
    expect(next.toString()).toBe('section=audit&action=api_key.create&result=success');
    expect(params.toString()).toBe('section=audit&action=old.thing&unit=X');
  });

  it('survives a round trip through the address', () => {
    const filter = { ...EMPTY_FILTER, actor: 'a b', action: 'user.*', unit: 'NORTH', from: '2026-01-01T00:00' };
    expect(filterFromParams(paramsWithFilter(new URLSearchParams(), filter))).toEqual(filter);
  });

  it('asks the API with its parameter names, times as instants of the viewer’s time zone', () => {
    const query = toAuditQuery({ ...EMPTY_FILTER, actor: 'u1', resource: 'user', unit: 'S', from: '2026-03-01T10:00', result: 'failure' });
    expect(query).toEqual({
      actorId: 'u1',
      resourceType: 'user',
      orgUnitCode: 'S',
      result: 'failure',
      from: new Date(2026, 2, 1, 10, 0).toISOString(),
    });
    expect(toAuditQuery(EMPTY_FILTER)).toEqual({});
  });

  it('converts only well-formed local times', () => {
    expect(localToIso('2026-03-01T10:00')).toBe(new Date(2026, 2, 1, 10, 0).toISOString());
    expect(localToIso('2026-03-01T10:00:30')).toBe(new Date(2026, 2, 1, 10, 0, 30).toISOString());
    expect(localToIso('2026-03-01')).toBeUndefined();
    expect(localToIso('')).toBeUndefined();
  });

  it('says what is wrong: an action the API would refuse, an end before the start', () => {
    expect(filterProblems({ ...EMPTY_FILTER, action: 'Auth Login' }).action).toMatch(/lower-case/);
    expect(filterProblems({ ...EMPTY_FILTER, action: 'auth.*' })).toEqual({});
    expect(filterProblems({ ...EMPTY_FILTER, from: '2026-03-02T00:00', to: '2026-03-01T00:00' }).to).toMatch(/after the start/);
    expect(filterProblems({ ...EMPTY_FILTER, from: '2026-03-01T00:00', to: '2026-03-02T00:00' })).toEqual({});
  });

  it('counts the fields that narrow the log', () => {
    expect(activeFilterCount(EMPTY_FILTER)).toBe(0);
    expect(activeFilterCount({ ...EMPTY_FILTER, action: 'x', unit: ' ' })).toBe(1);
  });
});

describe('changedFields', () => {
  it('names the top-level fields that differ', () => {
    expect(changedFields({ name: 'a', status: 'active', grants: [1] }, { name: 'b', status: 'active', grants: [1], revision: 2 })).toEqual([
      'name',
      'revision',
    ]);
  });
  it('is empty for a creation, a deletion or non-objects', () => {
    expect(changedFields(null, { a: 1 })).toEqual([]);
    expect(changedFields({ a: 1 }, null)).toEqual([]);
    expect(changedFields('x', 'y')).toEqual([]);
  });
});
