// The one cursor codec of every list: base64url JSON in, a checked position out, and 400
// INVALID_CURSOR for anything a list did not make.
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { cursorCodec, cursorField, cursorShape } from './pagination.js';

const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '0190f0c4-5d2e-7a00-8000-000000000001';

function refused(decode: () => unknown, cursor: string) {
  let error: unknown;
  try {
    decode();
  } catch (e) {
    error = e;
  }
  expect(error, cursor).toBeInstanceOf(AppError);
  expect(error).toMatchObject({
    status: 400,
    code: 'INVALID_CURSOR',
    message: 'the cursor is not one this list produced; start again without it',
    details: { cursor },
  });
}

describe('cursorCodec', () => {
  const events = cursorCodec('events', cursorShape({ at: cursorField.instant, id: cursorField.uuid }));

  it('round-trips a position through an opaque base64url string', () => {
    const position = { at: '2026-03-01T09:00:00.123Z', id: UUID };
    const cursor = events.encode(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(events.decode(cursor)).toEqual(position);
    expect(events.name).toBe('events');
  });

  it('answers no position for no cursor (the first page)', () => {
    expect(events.decode(undefined)).toBeUndefined();
  });

  it('refuses garbled base64 and text that is not JSON', () => {
    for (const cursor of ['%%%', '!!', 'bm90LWpzb24', '', Buffer.from('{"at":').toString('base64url')])
      refused(() => events.decode(cursor), cursor);
  });

  it('refuses JSON of the wrong shape', () => {
    for (const value of [null, [], 'x', 7, true, {}, { at: '2026-03-01T09:00:00.123Z' }, [UUID], { id: UUID }]) {
      const cursor = forge(value);
      refused(() => events.decode(cursor), cursor);
    }
  });

  it('refuses fields of the wrong type, or values no list makes', () => {
    for (const value of [
      { at: 1, id: UUID },
      { at: '2026-03-01T09:00:00.123Z', id: 7 },
      { at: 'yesterday', id: UUID },
      { at: '2026-13-45T09:00:00.000Z', id: UUID },
      { at: '-271821-04-20T00:00:00.000Z', id: UUID },
      { at: '2026-03-01T09:00:00.123Z', id: 'not-a-uuid' },
      { at: '2026-03-01T09:00:00.123Z', id: null },
    ]) {
      const cursor = forge(value);
      refused(() => events.decode(cursor), cursor);
    }
  });

  it('takes a custom guard as it is', () => {
    const even = cursorCodec('even', (value: unknown): value is number => typeof value === 'number' && value % 2 === 0);
    expect(even.decode(even.encode(4))).toBe(4);
    refused(() => even.decode(even.encode(3)), even.encode(3));
  });
});

describe('cursorField', () => {
  it('text: any string PostgreSQL text can hold', () => {
    expect(cursorField.text('ACME.r-1')).toBe(true);
    expect(cursorField.text('ünïcödé 😀')).toBe(true);
    expect(cursorField.text('a\u0000b')).toBe(false);
    expect(cursorField.text('a\ud800b')).toBe(false);
    expect(cursorField.text(1)).toBe(false);
  });

  it('int4: a whole number a PostgreSQL integer holds', () => {
    expect(cursorField.int4(7)).toBe(true);
    expect(cursorField.int4(2 ** 31 - 1)).toBe(true);
    expect(cursorField.int4(-(2 ** 31))).toBe(true);
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 1e20, 1.5, Number.NaN, '7', null]) expect(cursorField.int4(bad), String(bad)).toBe(false);
  });

  it('instant and instantMicros: ISO 8601 UTC instants a list writes', () => {
    expect(cursorField.instant('2026-03-01T09:00:00.123Z')).toBe(true);
    expect(cursorField.instant('2026-03-01T09:00:00.123456Z')).toBe(true);
    expect(cursorField.instant('2026-03-01')).toBe(false);
    expect(cursorField.instantMicros('2026-03-01T09:00:00.123456Z')).toBe(true);
    expect(cursorField.instantMicros('2026-03-01T09:00:00.123Z')).toBe(false);
  });
});

describe('cursorShape', () => {
  it('needs every field, and keeps extra ones out of its type only', () => {
    const shape = cursorShape({ c: cursorField.text });
    expect(shape({ c: 'A' })).toBe(true);
    expect(shape({ c: 'A', extra: 1 })).toBe(true);
    expect(shape({})).toBe(false);
    expect(shape(Object.create({ c: 'A' }))).toBe(false);
  });
});
