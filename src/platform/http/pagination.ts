import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { platformErrors } from '../errors.js';
import { UUID_PATTERN } from '../ids.js';
import { isStorableText } from './input.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/** Query parameters every list accepts. */
export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `Items per page (1-${MAX_LIMIT}).` }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: "Opaque cursor from the previous page's `nextCursor`." })),
};

export function Page<T extends TSchema>(item: T) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
    },
    { additionalProperties: false },
  );
}

/**
 * The cursor of one list: a position encoded as base64url JSON, and decoded only when `validate`
 * accepts it. A cursor that is not base64url JSON, has another shape, or holds values no page of
 * this list makes (text SQL cannot take, an id that is no UUID, a number beyond its column) is
 * refused with 400 INVALID_CURSOR before it reaches a query.
 */
export interface CursorCodec<T> {
  /** The list's name, for tests and logs; not part of any answer. */
  readonly name: string;
  encode(position: T): string;
  /** `undefined` for no cursor (the first page); throws 400 INVALID_CURSOR for a bad one. */
  decode(cursor: string | undefined): T | undefined;
}

export function cursorCodec<T>(name: string, validate: (value: unknown) => value is T): CursorCodec<T> {
  return {
    name,
    encode: (position) => Buffer.from(JSON.stringify(position)).toString('base64url'),
    decode(cursor) {
      if (cursor === undefined) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        value = undefined;
      }
      if (value !== undefined && validate(value)) return value;
      throw platformErrors.raise('INVALID_CURSOR', 'the cursor is not one this list produced; start again without it', { cursor });
    },
  };
}

type FieldCheck<V> = (value: unknown) => value is V;

/** Instants as the lists write them: ISO 8601 UTC, four-digit year, up to microseconds. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const INSTANT_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const INT4 = 2 ** 31;

/** Checks for the fields of a cursor: values that a query can take as they are. */
export const cursorField = {
  /** Text without NUL or lone surrogates (PostgreSQL text cannot hold them). */
  text: ((value) => typeof value === 'string' && isStorableText(value)) as FieldCheck<string>,
  uuid: ((value) => typeof value === 'string' && UUID_PATTERN.test(value)) as FieldCheck<string>,
  /** An instant as `Date.toISOString()` writes it (or with microseconds). */
  instant: ((value) => typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(Date.parse(value))) as FieldCheck<string>,
  /** An instant to the microsecond, as PostgreSQL keeps it. */
  instantMicros: ((value) =>
    typeof value === 'string' && INSTANT_MICROS.test(value) && !Number.isNaN(Date.parse(value))) as FieldCheck<string>,
  /** A whole number a PostgreSQL `integer` holds. */
  int4: ((value) => Number.isInteger(value) && (value as number) >= -INT4 && (value as number) < INT4) as FieldCheck<number>,
} as const;

/** A guard for a cursor that is a JSON object with (at least) these fields, each passing its check. */
export function cursorShape<F extends Record<string, FieldCheck<unknown>>>(
  fields: F,
): (value: unknown) => value is { [K in keyof F]: F[K] extends FieldCheck<infer V> ? V : never } {
  const checks = Object.entries(fields);
  return (value: unknown): value is { [K in keyof F]: F[K] extends FieldCheck<infer V> ? V : never } => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    return checks.every(([key, check]) => Object.hasOwn(record, key) && check(record[key]));
  };
}
