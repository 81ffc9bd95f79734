// Validation of values that arrive inside a request but are judged one by one (the items of a
// batch, each answered on its own), with the same JSON Schema engine and the same error wording
// as the request validation of every route (VALIDATION_FAILED, with the offending paths).
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';
import type { AppError } from './errors.js';
import { PlatformErrors } from './errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Ajv's errors as the API words them: `body.items.2.confidence must be <= 1`. */
export function describeErrors(errors: readonly Partial<ErrorObject>[], context: string): ValidationIssue[] {
  // "must match the then/else schema" only repeats, less precisely, the errors of the branch taken.
  return errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      let path = (e.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
      let message = e.message ?? 'is invalid';
      const params = e.params as Record<string, unknown> | undefined;
      if (e.keyword === 'required' && typeof params?.missingProperty === 'string') {
        path = path ? `${path}.${params.missingProperty}` : params.missingProperty;
        message = 'is required';
      } else if (e.keyword === 'additionalProperties' && typeof params?.additionalProperty === 'string') {
        path = path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
        message = 'is not an accepted field';
      } else if (e.keyword === 'enum' && Array.isArray(params?.allowedValues)) {
        message = `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
      }
      return { path: `${context}${path ? `.${path}` : ''}`, message };
    });
}

let shared: Ajv | undefined;

/** A checker for one schema: the value typed, or the 400 VALIDATION_FAILED that says what is wrong where. */
export function createChecker<T extends TSchema>(schema: T, context: string) {
  shared ??= addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false }));
  const validate = shared.compile(schema);
  return (value: unknown, at: string = context): { ok: true; value: Static<T> } | { ok: false; error: AppError } =>
    validate(value)
      ? { ok: true, value: value as Static<T> }
      : { ok: false, error: PlatformErrors.validation(describeErrors(validate.errors ?? [], at), at) };
}
