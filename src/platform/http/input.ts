// Text that cannot be stored is refused at the edge, once for every route: PostgreSQL text and
// jsonb cannot hold the NUL character, and a lone UTF-16 surrogate has no UTF-8 encoding. Either,
// in any query parameter, path parameter or JSON string (or key), is a 400 VALIDATION_FAILED naming
// where it is, instead of a database error (500) deep inside a service. JSON bodies are also
// limited in depth when parsed: a body nested thousands of levels deep overflowed the stack later,
// when the value was serialised.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PlatformErrors } from '../errors.js';

/** How deep a JSON body may nest (objects and arrays; the body itself is level 1). */
export const MAX_JSON_DEPTH = 64;

/** NUL, or a surrogate that is not half of a pair (with the `u` flag, a pair is one code point). */
// eslint-disable-next-line no-control-regex -- NUL is the very character looked for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Whether PostgreSQL text can hold `text` (no NUL, no lone surrogate). */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

export interface Unstorable {
  /** Where, as in VALIDATION_FAILED details: `body.attributes.note`, `querystring.q`. */
  path: string;
  message: string;
}

function describe(text: string): string {
  const found = UNSTORABLE.exec(text)?.[0];
  return found === '\u0000' ? 'must not contain the NUL character (U+0000)' : 'must not contain a lone UTF-16 surrogate (invalid Unicode)';
}

/** A key as a path segment, with the characters that cannot be shown escaped. */
const segment = (key: string) =>
  key.replace(new RegExp(UNSTORABLE.source, 'gu'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Every string and key in `value` that cannot be stored, up to `limit` of them; `tooDeep` when the
 * value nests deeper than `maxDepth`. Iterative, so depth costs no stack.
 */
export function inspectInput(
  value: unknown,
  root: string,
  maxDepth = Number.POSITIVE_INFINITY,
  limit = 20,
): { problems: Unstorable[]; tooDeep: boolean } {
  const problems: Unstorable[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 1 }];
  while (stack.length > 0 && problems.length < limit) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (UNSTORABLE.test(item.value)) problems.push({ path: item.path, message: describe(item.value) });
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > maxDepth) return { problems, tooDeep: true };
    if (Array.isArray(item.value)) {
      const items: unknown[] = item.value;
      for (let i = items.length - 1; i >= 0; i--) stack.push({ value: items[i], path: `${item.path}.${i}`, depth: item.depth + 1 });
      continue;
    }
    const record = item.value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (const key of keys)
      if (UNSTORABLE.test(key)) problems.push({ path: `${item.path}.${segment(key)}`, message: `(a key) ${describe(key)}` });
    for (let i = keys.length - 1; i >= 0; i--)
      stack.push({ value: record[keys[i]!], path: `${item.path}.${segment(keys[i]!)}`, depth: item.depth + 1 });
  }
  return { problems, tooDeep: false };
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  for (const _key in value as Record<string, unknown>) return false;
  return true;
}

export function installInputGuards(app: FastifyInstance): void {
  // Fastify's own JSON parser (with its prototype-poisoning checks), then one walk of the result.
  const parseJson = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parseJson(request, body as string, (error, value) => {
      if (error) return done(error, undefined);
      const { problems, tooDeep } = inspectInput(value, 'body', MAX_JSON_DEPTH);
      if (tooDeep) return done(PlatformErrors.jsonTooDeep(MAX_JSON_DEPTH), undefined);
      if (problems.length > 0) return done(PlatformErrors.validation(problems, 'body'), undefined);
      done(null, value);
    });
  });

  // Query and path parameters, and bodies other parsers left as text (CSV).
  app.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    // Most requests carry neither (a plain GET of a collection or a probe): nothing to walk.
    if (isEmpty(request.params) && isEmpty(request.query) && typeof request.body !== 'string') return done();
    for (const [part, where, value] of [
      ['params', 'params', request.params],
      ['querystring', 'query', request.query],
      ...(typeof request.body === 'string' ? [['body', 'body', request.body] as const] : []),
    ] as const) {
      const { problems } = inspectInput(value, part);
      if (problems.length > 0) return done(PlatformErrors.validation(problems, where));
    }
    done();
  });
}
