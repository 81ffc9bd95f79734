// A unit's timeline: versions sorted by `from`, each in force over [from, to), contiguous, only the
// last open (to = null). Pure functions that return a new timeline or throw; the service stores it.
import { endDateOf } from '../../platform/dates.js';
import { OrgErrors } from './org-units.errors.js';

export type { OrgUnitStatus as Status } from '../../platform/db/schema.js';
import type { OrgUnitStatus as Status } from '../../platform/db/schema.js';

export interface VersionFields {
  name: string;
  unitType: string;
  parentCode: string | null;
  status: Status;
  sortOrder: number;
  description: string | null;
  attributes: Record<string, unknown>;
}

export interface VersionMeta {
  changeReason: string | null;
  changedBy: string | null;
  /** ISO 8601 instant. */
  changedAt: string;
}

export interface Version extends VersionFields, VersionMeta {
  from: string;
  to: string | null;
}

export type Timeline = readonly Version[];

/** A version's fields as every API shape shows them: a unit, a version, a tree node, an export row. */
export interface ApiVersion extends VersionFields {
  code: string;
  /** First day of the version. */
  effectiveDate: string;
  /** Last day of the version (inclusive); null: open. */
  endDate: string | null;
  changeReason: string | null;
}

/**
 * The one mapper from a stored version (`[from, to)`, as the repository reads it) to its API
 * fields; each API shape adds what is its own (revision, path, change metadata).
 */
export function toApiVersion(
  code: string,
  v: VersionFields & { from: string; to: string | null; changeReason: string | null },
): ApiVersion {
  return {
    code,
    name: v.name,
    unitType: v.unitType,
    parentCode: v.parentCode,
    status: v.status,
    sortOrder: v.sortOrder,
    description: v.description,
    attributes: v.attributes,
    effectiveDate: v.from,
    endDate: endDateOf(v.to),
    changeReason: v.changeReason,
  };
}

export const versionAt = (timeline: Timeline, date: string): Version | undefined =>
  timeline.find((v) => v.from <= date && (v.to === null || date < v.to));

/** A change in force from `from` on: the version in force then is cut there; fields not given are inherited. */
export function insertVersion(
  code: string,
  timeline: Timeline,
  from: string,
  fields: Partial<VersionFields>,
  meta: VersionMeta,
): Version[] {
  if (timeline.some((v) => v.from === from)) throw OrgErrors.pointConflict(code, from);
  const first = timeline[0];
  if (!first || from < first.from) {
    // Before the unit's first version: the new one becomes the first, ending where that one starts.
    const base = first ?? undefined;
    if (!base) throw new Error('insertVersion needs a timeline with at least one version');
    return [{ ...pick(base), ...fields, ...meta, from, to: base.from }, ...timeline];
  }
  const current = versionAt(timeline, from)!;
  return timeline.flatMap((v) =>
    v === current
      ? [
          { ...v, to: from },
          { ...pick(v), ...fields, ...meta, from, to: v.to },
        ]
      : [v],
  );
}

/** Corrects the fields of the version starting on `from`, without moving any date. */
export function correctVersion(
  code: string,
  timeline: Timeline,
  from: string,
  fields: Partial<VersionFields>,
  meta: VersionMeta,
): Version[] {
  if (!timeline.some((v) => v.from === from)) throw OrgErrors.versionNotFound(code, from);
  return timeline.map((v) => (v.from === from ? { ...v, ...fields, ...meta } : v));
}

/** Removes the version starting on `from`; the one before it extends over the gap. */
export function removeVersion(code: string, timeline: Timeline, from: string): Version[] {
  const index = timeline.findIndex((v) => v.from === from);
  if (index === -1) throw OrgErrors.versionNotFound(code, from);
  if (index === 0) {
    if (timeline.length > 1) throw OrgErrors.firstVersion(code);
    return [];
  }
  const removed = timeline[index]!;
  return timeline.flatMap((v, i) => (i === index ? [] : i === index - 1 ? [{ ...v, to: removed.to }] : [v]));
}

/**
 * The status from `from` on: the version in force then is cut there if it does not start on that
 * date, and every version from that date on takes the status. Unchanged when it already holds.
 */
export function setStatusFrom(code: string, timeline: Timeline, from: string, status: Status, meta: VersionMeta): Version[] {
  const first = timeline[0];
  if (!first || from < first.from) throw OrgErrors.notInForce(code, from, first?.from ?? from);
  if (timeline.every((v) => (v.to !== null && v.to <= from ? true : v.status === status))) return [...timeline];
  const cut = timeline.some((v) => v.from === from) ? [...timeline] : insertVersion(code, timeline, from, {}, meta);
  return cut.map((v) => (v.from >= from && v.status !== status ? { ...v, ...(v.from === from ? meta : {}), status } : v));
}

function pick(v: Version): VersionFields {
  return {
    name: v.name,
    unitType: v.unitType,
    parentCode: v.parentCode,
    status: v.status,
    sortOrder: v.sortOrder,
    description: v.description,
    attributes: v.attributes,
  };
}

/** The fields that differ between two versions, for audit records and change reports. */
export function diff(before: VersionFields, after: VersionFields): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of ['name', 'unitType', 'parentCode', 'status', 'sortOrder', 'description', 'attributes'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key], to: after[key] };
  }
  return changes;
}
