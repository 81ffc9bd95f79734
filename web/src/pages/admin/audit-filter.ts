// The audit log's filter, kept in the page address so a filtered view can be reloaded, shared and
// gone back to: read from and written to URL query parameters, checked, and turned into the query
// of GET /api/v1/audit. Pure, unit tested in audit-filter.test.ts.

export const AUDIT_RESULTS = ['success', 'failure', 'denied'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** Every field a string as the form holds it; empty means "any". `from`/`to` are local `YYYY-MM-DDTHH:mm`. */
export interface AuditFilter {
  actor: string;
  action: string;
  resource: string;
  resourceId: string;
  unit: string;
  result: AuditResult | '';
  from: string;
  to: string;
}

export type AuditField = keyof AuditFilter;
export const AUDIT_FIELDS: readonly AuditField[] = ['actor', 'action', 'resource', 'resourceId', 'unit', 'result', 'from', 'to'];

export const EMPTY_FILTER: AuditFilter = { actor: '', action: '', resource: '', resourceId: '', unit: '', result: '', from: '', to: '' };

/** The API's pattern: an exact action (`api_key.create`) or a family (`auth.*`). */
export const ACTION_PATTERN = /^[a-z0-9_.]+(\.\*)?$/;
/** What a `datetime-local` input holds (seconds optional). */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

const isResult = (value: string): value is AuditResult => (AUDIT_RESULTS as readonly string[]).includes(value);

/** The filter an address names; values that cannot be a filter (an unknown result, a malformed time) are left out. */
export function filterFromParams(params: URLSearchParams): AuditFilter {
  const text = (name: AuditField) => (params.get(name) ?? '').trim();
  const result = text('result');
  const time = (name: 'from' | 'to') => (LOCAL_TIME.test(text(name)) && localToIso(text(name)) !== undefined ? text(name) : '');
  return {
    actor: text('actor'),
    action: text('action'),
    resource: text('resource'),
    resourceId: text('resourceId'),
    unit: text('unit'),
    result: isResult(result) ? result : '',
    from: time('from'),
    to: time('to'),
  };
}

/** `params` with the filter's fields replaced by `filter` (empty ones removed); other parameters are kept. */
export function paramsWithFilter(params: URLSearchParams, filter: AuditFilter): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const field of AUDIT_FIELDS) {
    const value = filter[field].trim();
    if (value === '') next.delete(field);
    else next.set(field, value);
  }
  return next;
}

/** A local date and time (`2026-03-01T14:30`, the viewer's time zone) as an ISO instant; undefined when not one. */
export function localToIso(local: string): string | undefined {
  if (!LOCAL_TIME.test(local)) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** What is wrong with the filter, per field, in words; empty when it may be asked. */
export function filterProblems(filter: AuditFilter): Partial<Record<AuditField, string>> {
  const problems: Partial<Record<AuditField, string>> = {};
  const action = filter.action.trim();
  if (action !== '' && !ACTION_PATTERN.test(action)) {
    problems.action = 'An action is lower-case words joined by dots, such as api_key.create, or a family such as auth.*';
  }
  const from = localToIso(filter.from);
  const to = localToIso(filter.to);
  if (filter.from !== '' && !from) problems.from = 'Enter a date and time.';
  if (filter.to !== '' && !to) problems.to = 'Enter a date and time.';
  if (from && to && from >= to) problems.to = 'The end must come after the start.';
  return problems;
}

/** The query of GET /api/v1/audit for a filter (only the fields that are set). */
export function toAuditQuery(filter: AuditFilter): Record<string, string> {
  const query: Record<string, string> = {};
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') query[name] = value.trim();
  };
  set('actorId', filter.actor);
  set('action', filter.action);
  set('resourceType', filter.resource);
  set('resourceId', filter.resourceId);
  set('orgUnitCode', filter.unit);
  set('result', filter.result);
  set('from', localToIso(filter.from));
  set('to', localToIso(filter.to));
  return query;
}

/** How many fields narrow the log. */
export function activeFilterCount(filter: AuditFilter): number {
  return AUDIT_FIELDS.filter((field) => filter[field].trim() !== '').length;
}

/** The top-level fields whose values differ between a record's `before` and `after` (objects only). */
export function changedFields(before: unknown, after: unknown): string[] {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(before) || !isObject(after)) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}
