// Org units as the organization page reads and writes them (docs/org-units.md; the OpenAPI
// document's `org-units` tag is the reference). Every call goes through api/client.ts.
import { useQuery } from '@tanstack/react-query';
import { api, buildUrl, get, post } from './client';
import type { Page } from './types';

export type OrgStatus = 'ACTIVE' | 'INACTIVE';

/** The fields every version carries; `endDate` is inclusive, null for the last (open) version. */
export interface OrgVersionFields {
  code: string;
  name: string;
  unitType: string;
  parentCode: string | null;
  status: OrgStatus;
  sortOrder: number;
  description: string | null;
  attributes: Record<string, unknown>;
  effectiveDate: string;
  endDate: string | null;
  changeReason: string | null;
  /** The unit's revision (for If-Match), the same on each of its versions. */
  revision: number;
}

/** A unit as of a date: the version in force then, with its place in the tree then. */
export interface OrgUnit extends OrgVersionFields {
  codePath: string[];
  namePath: string[];
  level: number;
  hasScheduledChanges: boolean;
}

/** A unit with its subtree, as `GET /{code}/tree` answers. */
export interface OrgTreeNode extends OrgUnit {
  children: OrgTreeNode[];
}

/** The units of a subtree answer, each without its children. */
export function flattenSubtree(root: OrgTreeNode): OrgUnit[] {
  const out: OrgUnit[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const { children, ...unit } = stack.pop()!;
    out.push(unit);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}

export interface OrgUnitVersion extends OrgVersionFields {
  changedBy: string | null;
  changedAt: string;
}

/** One version starting in a period, from `GET /{code}/changes`. */
export interface OrgChange {
  code: string;
  effectiveDate: string;
  kind: 'created' | 'changed';
  changes: Record<string, { from: unknown; to: unknown }>;
  changeReason: string | null;
  changedBy: string | null;
  changedAt: string;
}

export interface CreateUnitInput {
  code?: string;
  name: string;
  unitType: string;
  parentCode: string | null;
  effectiveDate: string;
  changeReason?: string;
}

/** A change from a date; fields left out carry over from the version in force then. */
export interface VersionInput {
  effectiveDate: string;
  name?: string;
  unitType?: string;
  parentCode?: string | null;
  changeReason?: string;
}

export interface StatusInput {
  effectiveDate: string;
  reason: string;
  cascade: boolean;
}

export interface ImportSummary {
  dryRun: boolean;
  units: number;
  versions: number;
  codes: string[];
}

/** One problem of a refused import (`details.errors` of 400 IMPORT_INVALID). */
export interface ImportProblem {
  line: number;
  field: string | null;
  message: string;
}

const BASE = '/api/v1/organization-units';
const unitPath = (code: string) => `${BASE}/${encodeURIComponent(code)}`;
const ifMatch = (revision: number | undefined): Record<string, string> => (revision === undefined ? {} : { 'if-match': `"${revision}"` });

/** The query keys of this page: one prefix, so a write refreshes everything it could have changed. */
export const orgKeys = {
  all: ['org'] as const,
  units: (asOf: string) => ['org', 'units', asOf] as const,
  unit: (code: string, asOf: string) => ['org', 'unit', code, asOf] as const,
  versions: (code: string) => ['org', 'versions', code] as const,
  changes: (code: string, from: string, to: string) => ['org', 'changes', code, from, to] as const,
};

type Query = Record<string, string | number | boolean | null | undefined>;

async function allPages(query: Query, signal?: AbortSignal, first?: Page<OrgUnit>): Promise<OrgUnit[]> {
  const units: OrgUnit[] = [];
  let page: Page<OrgUnit> = first ?? (await get<Page<OrgUnit>>(BASE, { ...query, limit: 500 }, signal));
  units.push(...page.items);
  while (page.nextCursor) {
    page = await get<Page<OrgUnit>>(BASE, { ...query, limit: 500, cursor: page.nextCursor }, signal);
    units.push(...page.items);
  }
  return units;
}

/**
 * Every unit in force on `asOf` that the caller may see. Up to 500 is one page of the list. Beyond
 * that, a caller who sees every unit (a global grant) gets each root's subtree in one answer (the
 * subtree route reads the day's tree in one scan: about four times quicker than paging through
 * 3,000 units, measured); a caller held to some units pages through the list, which keeps to them.
 */
export async function listAllUnits(asOf: string, seesAll: boolean, signal?: AbortSignal): Promise<OrgUnit[]> {
  const first = await get<Page<OrgUnit>>(BASE, { asOf, limit: 500 }, signal);
  if (!first.nextCursor) return first.items;
  if (!seesAll) return allPages({ asOf }, signal, first);
  const roots = await allPages({ asOf, roots: true }, signal);
  const trees = await Promise.all(roots.map((root) => get<OrgTreeNode>(`${unitPath(root.code)}/tree`, { asOf }, signal)));
  return trees.flatMap(flattenSubtree);
}
export const getUnit = (code: string, asOf: string, signal?: AbortSignal) => get<OrgUnit>(unitPath(code), { asOf }, signal);

export async function getVersions(code: string, signal?: AbortSignal): Promise<OrgUnitVersion[]> {
  return (await get<{ items: OrgUnitVersion[] }>(`${unitPath(code)}/versions`, undefined, signal)).items;
}

/** What changed in the unit and its subtree between two dates (inclusive), oldest first. */
export async function getChanges(code: string, from: string, to: string, signal?: AbortSignal): Promise<OrgChange[]> {
  return (await get<{ items: OrgChange[] }>(`${unitPath(code)}/changes`, { from, to }, signal)).items;
}

export const createUnit = (input: CreateUnitInput) => post<OrgUnit>(BASE, input);

export const addVersion = (code: string, input: VersionInput, revision?: number) =>
  post<OrgUnit>(`${unitPath(code)}/versions`, input, { headers: ifMatch(revision) });

/** Corrects the version starting on `effectiveDate` (its dates stay). */
export function correctVersion(code: string, effectiveDate: string, fields: Omit<VersionInput, 'effectiveDate'>, revision?: number) {
  return api<OrgUnit>('PUT', `${unitPath(code)}/versions/${effectiveDate}`, { body: fields, headers: ifMatch(revision) });
}

export const setStatus = (code: string, action: 'suspend' | 'reactivate', input: StatusInput, revision?: number) =>
  post<OrgUnit>(`${unitPath(code)}/${action}`, input, { headers: ifMatch(revision) });

/** Sends a CSV or JSON file as it is; `dryRun` checks it without writing anything. */
export const importUnits = (file: Blob, contentType: string, dryRun: boolean) =>
  post<ImportSummary>(`${BASE}/import`, undefined, { query: { dryRun }, raw: { body: file, contentType } });

/** The export's address, for a plain download link (the session's cookies ride along). */
export const exportUrl = (format: 'csv' | 'json', asOf?: string) => buildUrl(`${BASE}/export`, { format, asOf });

/** `seesAll`: the caller holds org:read on every unit (a global grant). */
export function useUnits(asOf: string, seesAll: boolean) {
  return useQuery({
    queryKey: orgKeys.units(asOf),
    queryFn: ({ signal }) => listAllUnits(asOf, seesAll, signal),
    // Moving the date keeps the tree on screen until the new one arrives.
    placeholderData: (previous) => previous,
  });
}

export function useUnit(code: string, asOf: string) {
  return useQuery({
    queryKey: orgKeys.unit(code, asOf),
    queryFn: ({ signal }) => getUnit(code, asOf, signal),
    retry: (count, error) => !isNotFound(error) && count < 2,
  });
}

export function useVersions(code: string) {
  return useQuery({
    queryKey: orgKeys.versions(code),
    queryFn: ({ signal }) => getVersions(code, signal),
    retry: (count, error) => !isNotFound(error) && count < 2,
  });
}

export function useChanges(code: string, from: string, to: string, enabled: boolean) {
  return useQuery({
    queryKey: orgKeys.changes(code, from, to),
    queryFn: ({ signal }) => getChanges(code, from, to, signal),
    enabled,
  });
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}
