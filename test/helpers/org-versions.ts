import type { Version } from '../../src/modules/org-units/timeline.js';

/** A plain unit version in force from `from` to `to` (null: open-ended) under `parentCode`, for tests. */
export function versionOf(from: string, to: string | null, parentCode: string | null, name = 'Unit'): Version {
  return {
    from,
    to,
    name,
    unitType: 'SITE',
    parentCode,
    status: 'ACTIVE',
    sortOrder: 0,
    description: null,
    attributes: {},
    changeReason: null,
    changedBy: null,
    changedAt: '2026-01-01T00:00:00.000Z',
  };
}
