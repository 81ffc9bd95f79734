import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { platformErrors } from '../errors.js';

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

export function encodeCursor(position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor and checks its shape; a bad one is 400 INVALID_CURSOR. */
export function decodeCursor<T>(cursor: string | undefined, isValid: (value: unknown) => value is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isValid(value)) return value;
  } catch {
    // falls through to the error below
  }
  throw platformErrors.raise('INVALID_CURSOR', 'the cursor is not one this list produced; start again without it', { cursor });
}
