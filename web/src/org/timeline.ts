// A unit's timeline for people: each version with its period, whether it is past, in force or
// scheduled, and what it changed from the version before. Pure, so unit tested (timeline.test.ts).
import type { OrgChange, OrgUnitVersion } from '../api/org';

export type VersionState = 'past' | 'current' | 'scheduled';

const FIELDS = ['name', 'unitType', 'parentCode', 'status', 'sortOrder', 'description', 'attributes'] as const;
export type ChangedField = (typeof FIELDS)[number];

export interface FieldChange {
  field: ChangedField;
  from: unknown;
  to: unknown;
}

export interface TimelineEntry {
  version: OrgUnitVersion;
  state: VersionState;
  /** The unit's first version: it was created then. */
  created: boolean;
  changes: FieldChange[];
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

export function stateOf(version: Pick<OrgUnitVersion, 'effectiveDate' | 'endDate'>, today: string): VersionState {
  if (version.effectiveDate > today) return 'scheduled';
  if (version.endDate === null || version.endDate >= today) return 'current';
  return 'past';
}

/** The versions oldest first, each with what it changed. */
export function timelineOf(versions: readonly OrgUnitVersion[], today: string): TimelineEntry[] {
  const sorted = [...versions].sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : a.effectiveDate > b.effectiveDate ? 1 : 0));
  return sorted.map((version, index) => {
    const before = index > 0 ? sorted[index - 1] : undefined;
    const changes: FieldChange[] = before
      ? FIELDS.filter((field) => !same(before[field], version[field])).map((field) => ({ field, from: before[field], to: version[field] }))
      : [];
    return { version, state: stateOf(version, today), created: before === undefined, changes };
  });
}

/** The version in force on `date`, if the unit exists then. */
export function versionOn<T extends Pick<OrgUnitVersion, 'effectiveDate' | 'endDate'>>(
  versions: readonly T[],
  date: string,
): T | undefined {
  return versions.find((v) => v.effectiveDate <= date && (v.endDate === null || v.endDate >= date));
}

/** A field's value in words (the fields compared are strings, numbers, null or a JSON object). */
const text = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
const quote = (value: unknown) => (value === null || value === undefined || value === '' ? 'none' : `“${text(value)}”`);
const parentName = (code: unknown) => (code === null || code === undefined ? 'the top level (a root)' : text(code));

/** One change in words: "renamed from “A” to “B”", "moved from R1 to R2", "suspended". */
export function describeChange(change: FieldChange): string {
  switch (change.field) {
    case 'name':
      return `renamed from ${quote(change.from)} to ${quote(change.to)}`;
    case 'parentCode':
      return `moved from under ${parentName(change.from)} to under ${parentName(change.to)}`;
    case 'status':
      return change.to === 'INACTIVE' ? 'suspended' : 'reactivated';
    case 'unitType':
      return `type changed from ${text(change.from)} to ${text(change.to)}`;
    case 'sortOrder':
      return `sort order changed from ${text(change.from)} to ${text(change.to)}`;
    case 'description':
      return `description changed from ${quote(change.from)} to ${quote(change.to)}`;
    case 'attributes':
      return 'attributes changed';
  }
}

/** What the entry did, in one line. */
export function summarise(entry: TimelineEntry): string {
  const v = entry.version;
  if (entry.created) {
    const where = v.parentCode === null ? 'as a root' : `under ${v.parentCode}`;
    const status = v.status === 'INACTIVE' ? ', suspended' : '';
    return `Created as “${v.name}” (${v.unitType}) ${where}${status}`;
  }
  if (entry.changes.length === 0) return 'No field changed';
  const text = entry.changes.map(describeChange).join('; ');
  return text[0]!.toUpperCase() + text.slice(1);
}

/** A reported change (`/changes`) in one line, as `summarise` says a timeline entry. */
export function summariseChange(item: Pick<OrgChange, 'kind' | 'changes'>): string {
  const to = (field: ChangedField) => item.changes[field]?.to;
  if (item.kind === 'created') {
    const parent = to('parentCode');
    const where = parent === null || parent === undefined ? 'as a root' : `under ${text(parent)}`;
    return `Created as ${quote(to('name'))} (${text(to('unitType'))}) ${where}${to('status') === 'INACTIVE' ? ', suspended' : ''}`;
  }
  const changes = FIELDS.flatMap((field) => {
    const change = item.changes[field];
    return change ? [describeChange({ field, from: change.from, to: change.to })] : [];
  });
  if (changes.length === 0) return 'No field changed';
  const line = changes.join('; ');
  return line[0]!.toUpperCase() + line.slice(1);
}
