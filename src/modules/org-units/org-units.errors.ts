import { AppError } from '../../platform/errors.js';

export const OrgErrors = {
  notFound: (code: string, asOf?: string) =>
    new AppError(404, 'ORG_UNIT_NOT_FOUND', asOf ? `org unit ${code} does not exist on ${asOf}` : `org unit ${code} does not exist`, {
      code,
      ...(asOf ? { asOf } : {}),
    }),
  exists: (code: string) => new AppError(409, 'ORG_UNIT_EXISTS', `org unit ${code} already exists`, { code }),
  badCode: (code: string) =>
    new AppError(
      400,
      'INVALID_ORG_UNIT_CODE',
      `"${code}" is not an org unit code: 1-64 of A-Z a-z 0-9 _ . - , starting with a letter or digit`,
      {
        code,
      },
    ),
  unknownType: (unitType: string, known: readonly string[]) =>
    new AppError(400, 'UNKNOWN_UNIT_TYPE', `unit type must be one of ${known.join(', ')}, got "${unitType}"`, { unitType, known }),
  pointConflict: (code: string, date: string) =>
    new AppError(
      409,
      'TEMPORAL_POINT_CONFLICT',
      `org unit ${code} already has a version starting on ${date}; correct it with PUT instead`,
      {
        code,
        effectiveDate: date,
      },
    ),
  versionNotFound: (code: string, date: string) =>
    new AppError(404, 'VERSION_NOT_FOUND', `org unit ${code} has no version starting on ${date}`, { code, effectiveDate: date }),
  firstVersion: (code: string) =>
    new AppError(409, 'CANNOT_DELETE_FIRST_VERSION', `the first version of org unit ${code} cannot be removed while later versions exist`, {
      code,
    }),
  notInForce: (code: string, date: string, first: string) =>
    new AppError(409, 'ORG_UNIT_NOT_IN_FORCE', `org unit ${code} does not exist yet on ${date}; its first version starts on ${first}`, {
      code,
      date,
      firstEffectiveDate: first,
    }),
  parentNotValid: (code: string, parentCode: string, date: string) =>
    new AppError(409, 'PARENT_NOT_VALID_AT_DATE', `parent ${parentCode} of org unit ${code} does not exist on ${date}`, {
      code,
      parentCode,
      date,
    }),
  cycle: (code: string, date: string, path: string[]) =>
    new AppError(409, 'HIERARCHY_CYCLE', `org unit ${code} would be its own ancestor on ${date} (${path.join(' → ')})`, {
      code,
      date,
      path,
    }),
  tooDeep: (code: string, date: string, depth: number, max: number) =>
    new AppError(
      409,
      'DEPTH_LIMIT_EXCEEDED',
      `on ${date} the tree under org unit ${code} would reach level ${depth}; the limit is ${max}`,
      {
        code,
        date,
        depth,
        maxDepth: max,
      },
    ),
  activeChildren: (code: string, date: string, children: string[]) =>
    new AppError(
      409,
      'HAS_ACTIVE_CHILDREN',
      `org unit ${code} has active children on ${date} (${children.slice(0, 10).join(', ')}); suspend them first or pass cascade: true`,
      { code, date, children },
    ),
  hasChildren: (code: string, children: string[]) =>
    new AppError(
      409,
      'HAS_CHILDREN',
      `org unit ${code} is the parent of ${children.slice(0, 10).join(', ')} on some date; it cannot be removed`,
      {
        code,
        children,
      },
    ),
  stale: (code: string, expected: number, actual: number) =>
    new AppError(412, 'PRECONDITION_FAILED', `org unit ${code} is at revision ${actual}, not ${expected}; read it again and retry`, {
      code,
      expectedRevision: expected,
      revision: actual,
    }),
  badRange: (from: string, to: string) =>
    new AppError(400, 'INVALID_DATE_RANGE', `from (${from}) must not be after to (${to})`, { from, to }),
  outOfScope: () => new AppError(403, 'FORBIDDEN', 'that place in the tree is outside the units your grants cover'),
} as const;
