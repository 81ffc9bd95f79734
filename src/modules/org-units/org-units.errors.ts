// Every error code of the org-units module, each written once with its status (docs/errors.md lists
// them for clients). The factories below are the only way the module makes them.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';

export type OrgErrorCode =
  // units and their versions
  | 'ORG_UNIT_NOT_FOUND'
  | 'ORG_UNIT_EXISTS'
  | 'UNKNOWN_UNIT_TYPE'
  | 'VERSION_NOT_FOUND'
  | 'TEMPORAL_POINT_CONFLICT'
  | 'CANNOT_DELETE_FIRST_VERSION'
  | 'ORG_UNIT_NOT_IN_FORCE'
  | 'INVALID_DATE_RANGE'
  // the tree
  | 'PARENT_NOT_VALID_AT_DATE'
  | 'HIERARCHY_CYCLE'
  | 'DEPTH_LIMIT_EXCEEDED'
  | 'HAS_ACTIVE_CHILDREN'
  | 'HAS_CHILDREN'
  // import
  | 'IMPORT_INVALID';

export const orgErrors = errorCatalogue<OrgErrorCode>({
  ORG_UNIT_NOT_FOUND: 404,
  ORG_UNIT_EXISTS: 409,
  UNKNOWN_UNIT_TYPE: 400,
  VERSION_NOT_FOUND: 404,
  TEMPORAL_POINT_CONFLICT: 409,
  CANNOT_DELETE_FIRST_VERSION: 409,
  ORG_UNIT_NOT_IN_FORCE: 409,
  INVALID_DATE_RANGE: 400,
  PARENT_NOT_VALID_AT_DATE: 409,
  HIERARCHY_CYCLE: 409,
  DEPTH_LIMIT_EXCEEDED: 409,
  HAS_ACTIVE_CHILDREN: 409,
  HAS_CHILDREN: 409,
  IMPORT_INVALID: 400,
});
const raise = orgErrors.raise;

export const OrgErrors = {
  notFound: (code: string, asOf?: string) =>
    raise('ORG_UNIT_NOT_FOUND', asOf ? `org unit ${code} does not exist on ${asOf}` : `org unit ${code} does not exist`, {
      code,
      ...(asOf ? { asOf } : {}),
    }),
  exists: (code: string) => raise('ORG_UNIT_EXISTS', `org unit ${code} already exists`, { code }),
  badCode: (code: string) =>
    platformErrors.raise(
      'INVALID_ORG_UNIT_CODE',
      `"${code}" is not an org unit code: 1-64 of A-Z a-z 0-9 _ . - , starting with a letter or digit`,
      {
        code,
      },
    ),
  unknownType: (unitType: string, known: readonly string[]) =>
    raise('UNKNOWN_UNIT_TYPE', `unit type must be one of ${known.join(', ')}, got "${unitType}"`, { unitType, known }),
  pointConflict: (code: string, date: string) =>
    raise('TEMPORAL_POINT_CONFLICT', `org unit ${code} already has a version starting on ${date}; correct it with PUT instead`, {
      code,
      effectiveDate: date,
    }),
  versionNotFound: (code: string, date: string) =>
    raise('VERSION_NOT_FOUND', `org unit ${code} has no version starting on ${date}`, { code, effectiveDate: date }),
  firstVersion: (code: string) =>
    raise('CANNOT_DELETE_FIRST_VERSION', `the first version of org unit ${code} cannot be removed while later versions exist`, { code }),
  notInForce: (code: string, date: string, first: string) =>
    raise('ORG_UNIT_NOT_IN_FORCE', `org unit ${code} does not exist yet on ${date}; its first version starts on ${first}`, {
      code,
      date,
      firstEffectiveDate: first,
    }),
  parentNotValid: (code: string, parentCode: string, date: string) =>
    raise('PARENT_NOT_VALID_AT_DATE', `parent ${parentCode} of org unit ${code} does not exist on ${date}`, { code, parentCode, date }),
  cycle: (code: string, date: string, path: string[]) =>
    raise('HIERARCHY_CYCLE', `org unit ${code} would be its own ancestor on ${date} (${path.join(' → ')})`, { code, date, path }),
  tooDeep: (code: string, date: string, depth: number, max: number) =>
    raise('DEPTH_LIMIT_EXCEEDED', `on ${date} the tree under org unit ${code} would reach level ${depth}; the limit is ${max}`, {
      code,
      date,
      depth,
      maxDepth: max,
    }),
  activeChildren: (code: string, date: string, children: string[]) =>
    raise(
      'HAS_ACTIVE_CHILDREN',
      `org unit ${code} has active children on ${date} (${children.slice(0, 10).join(', ')}); suspend them first or pass cascade: true`,
      { code, date, children },
    ),
  hasChildren: (code: string, children: string[]) =>
    raise('HAS_CHILDREN', `org unit ${code} is the parent of ${children.slice(0, 10).join(', ')} on some date; it cannot be removed`, {
      code,
      children,
    }),
  stale: (code: string, expected: number, actual: number) =>
    platformErrors.raise('PRECONDITION_FAILED', `org unit ${code} is at revision ${actual}, not ${expected}; read it again and retry`, {
      code,
      expectedRevision: expected,
      revision: actual,
    }),
  badRange: (from: string, to: string) => raise('INVALID_DATE_RANGE', `from (${from}) must not be after to (${to})`, { from, to }),
  /** The platform's code: a write that would place a unit outside the caller's units. */
  outOfScope: () => platformErrors.raise('FORBIDDEN', 'that place in the tree is outside the units your grants cover'),
} as const;

/** One problem of an import (IMPORT_INVALID lists them). */
export interface ImportProblem {
  /** CSV: the line the row starts on, the header being line 1. JSON: the row's 1-based index in `versions`. */
  line: number;
  /** The field (CSV column) at fault; null when it is the row as a whole. */
  field: string | null;
  message: string;
}

/** At most this many problems are listed (the count says how many there were). */
export const MAX_LISTED_PROBLEMS = 1000;

export const ImportErrors = {
  invalid: (problems: ImportProblem[]) => {
    const sorted = [...problems].sort((a, b) => a.line - b.line);
    const listed = sorted.slice(0, MAX_LISTED_PROBLEMS);
    const first = listed
      .slice(0, 3)
      .map((p) => `line ${p.line}${p.field ? ` ${p.field}` : ''}: ${p.message}`)
      .join('; ');
    return raise(
      'IMPORT_INVALID',
      `nothing was imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${first}${problems.length > 3 ? '; …' : ''})`,
      { errors: listed, total: problems.length, truncated: problems.length > listed.length },
    );
  },
} as const;
