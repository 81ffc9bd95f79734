// fast-check arbitraries from the JSON Schemas of the published OpenAPI document: values that fit
// the schema, and, at a chosen rate, values that break it in the ways that have broken services
// before (wrong types, missing and unknown fields, NUL characters, lone surrogates, huge strings,
// deep nesting, numbers at the edges). The fuzzer (test/api-fuzz.test.ts) sends them.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
};

/** Strings that PostgreSQL, JSON encoders, parsers and path handling have choked on. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'a\ud800b',
  '\udfff',
  '😀'.repeat(40),
  'x'.repeat(10_000),
  '../../etc/passwd',
  '..\\..\\package.json',
  "'; drop table cameras; --",
  '${jndi:ldap://127.0.0.1/a}',
  '__proto__',
  'constructor',
  '%00',
  '%ZZ',
  '\r\nX-Injected: 1',
  '<script>alert(1)</script>',
  '1e309',
  '-0',
  'null',
  'true',
  '2026-02-30',
  '0000-00-00',
  '9999-12-31T23:59:60Z',
] as const;

const HOSTILE_NUMBERS = [0, -1, -0, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MIN_VALUE] as const;

function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

/** A value of the wrong kind for anything. */
export const hostileValue: Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, false, [], {}, [null], { '': '' }, { __proto__: { polluted: true } }),
  fc.constantFrom(deep(64), deep(2_000)),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

export interface ArbitraryOptions {
  /** Resolves `#/components/schemas/X`. */
  resolve: (ref: string) => JsonSchema;
  /** Values to prefer for properties of these names (ids and codes that exist). */
  known?: Record<string, readonly unknown[]>;
  /** Generators that replace the schema's for properties of these names (e.g. URLs that must stay on loopback). */
  overrides?: Record<string, Arbitrary<unknown>>;
  /** Chance, at each node, of a hostile value instead of a fitting one (0 for valid only). */
  hostility: number;
}

const knownOrNot = (name: string | undefined, options: ArbitraryOptions, fitting: Arbitrary<unknown>): Arbitrary<unknown> => {
  const known = name === undefined ? undefined : options.known?.[name];
  return known && known.length > 0
    ? fc.oneof({ arbitrary: fc.constantFrom(...known), weight: 2 }, { arbitrary: fitting, weight: 1 })
    : fitting;
};

function stringFor(schema: JsonSchema): Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time')
    return fc.date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === 'date')
    return fc
      .date({ min: new Date('1900-01-01'), max: new Date('2999-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.pattern !== undefined) {
    const re = new RegExp(schema.pattern);
    const max = schema.maxLength ?? 80;
    return fc.stringMatching(re).filter((s) => s.length <= max && s.length >= (schema.minLength ?? 0));
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 200) });
}

function numberFor(schema: JsonSchema, integer: boolean): Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : undefined);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - (integer ? 1 : 1e-6) : undefined);
  if (integer) return fc.integer({ min: Math.ceil(min ?? -1_000_000), max: Math.floor(max ?? 1_000_000) });
  return fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true, noDefaultInfinity: true });
}

/** A fitting string with a character that text columns, encoders or paths cannot take, somewhere in it. */
const poisoned = (fitting: Arbitrary<unknown>) =>
  fc.tuple(fitting, fc.constantFrom('\u0000', '\ud800', '\udc00', '/', '\\', '%', '\n'), fc.nat()).map(([value, char, at]) => {
    const text = typeof value === 'string' ? value : String(value);
    const i = text.length === 0 ? 0 : at % (text.length + 1);
    return `${text.slice(0, i)}${char}${text.slice(i)}`;
  });

export function arbitraryFor(schema: JsonSchema, options: ArbitraryOptions, name?: string, depth = 0): Arbitrary<unknown> {
  const fitting = fittingFor(schema, options, name, depth);
  if (options.hostility <= 0) return fitting;
  const weight = Math.max(1, Math.round(options.hostility * 100));
  return fc.oneof({ arbitrary: fitting, weight: 100 - weight }, { arbitrary: hostileFor(schema, options, name), weight });
}

/** Only values that break the schema, or that fit its type but not what lies behind it. */
export function hostileFor(schema: JsonSchema, options: ArbitraryOptions, name?: string): Arbitrary<unknown> {
  if (schema.$ref !== undefined) return hostileFor(options.resolve(schema.$ref), options, name);
  const fitting = fittingFor(schema, { ...options, hostility: 0 }, name, 0);
  // Values of the right type get past schema validation and so reach deeper than wrong types do.
  return isType(schema, 'string')
    ? fc.oneof(
        { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 3 },
        { arbitrary: poisoned(fitting), weight: 3 },
        { arbitrary: hostileValue, weight: 1 },
      )
    : isType(schema, 'integer') || isType(schema, 'number')
      ? fc.oneof({ arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 3 }, { arbitrary: hostileValue, weight: 1 })
      : hostileValue;
}

const isType = (schema: JsonSchema, type: string) => schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

function fittingFor(schema: JsonSchema, options: ArbitraryOptions, name: string | undefined, depth: number): Arbitrary<unknown> {
  const override = name === undefined ? undefined : options.overrides?.[name];
  if (override) return override;
  if (schema.$ref !== undefined) return arbitraryFor(options.resolve(schema.$ref), options, name, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union !== undefined) return fc.oneof(...union.map((s) => arbitraryFor(s, options, name, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? undefined : [schema.type];
  if (type !== undefined && type.length > 1) return fc.oneof(...type.map((t) => fittingFor({ ...schema, type: t }, options, name, depth)));
  switch (type?.[0]) {
    case 'string':
      return knownOrNot(name, options, stringFor(schema));
    case 'integer':
      return knownOrNot(name, options, numberFor(schema, true));
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 6) return fc.constant([]);
      const items = arbitraryFor(schema.items ?? {}, options, name, depth + 1);
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 8) });
    }
    case 'object':
      return objectFor(schema, options, depth);
    case undefined:
    default:
      // No type (or one JSON Schema has no generator for here): anything JSON.
      return depth > 4 ? fc.constant(null) : fc.jsonValue({ maxDepth: 3 });
  }
}

function objectFor(schema: JsonSchema, options: ArbitraryOptions, depth: number): Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) model[key] = arbitraryFor(sub, options, key, depth + 1);
  let record: Arbitrary<Record<string, unknown>> = fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
  if (typeof schema.additionalProperties === 'object' && depth < 6) {
    const extra = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 20 }),
      arbitraryFor(schema.additionalProperties, options, undefined, depth + 1),
      {
        maxKeys: 4,
      },
    );
    record = fc.tuple(record, extra).map(([known, more]) => ({ ...more, ...known }));
  }
  if (options.hostility <= 0) return record;
  // Breaking the object itself: a required field missing, or one it does not know.
  const weight = Math.max(1, Math.round(options.hostility * 100));
  return fc.oneof(
    { arbitrary: record, weight: 100 - weight },
    {
      arbitrary: fc.tuple(record, fc.constantFrom(...(required.size > 0 ? [...required] : ['']))).map(([value, drop]) => {
        const copy = { ...value };
        delete copy[drop];
        return copy;
      }),
      weight: Math.ceil(weight / 2),
    },
    {
      // JSON.parse makes `__proto__` an own field, as a client's JSON would.
      arbitrary: fc.tuple(record, fc.constantFrom('unexpected', '__proto__', 'constructor', '')).map(([value, key]) => {
        const rest = JSON.stringify(value).slice(1, -1);
        return JSON.parse(`{${JSON.stringify(key)}:1${rest ? `,${rest}` : ''}}`) as unknown;
      }),
      weight: Math.ceil(weight / 2),
    },
  );
}
