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

export interface OrgUnitVersion extends OrgVersionFields {
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
};

/** Every unit in force on `asOf` that the caller may see, through all pages (500 at a time). */
export async function listAllUnits(asOf: string, signal?: AbortSignal): Promise<OrgUnit[]> {
  const units: OrgUnit[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<OrgUnit> = await get<Page<OrgUnit>>(BASE, { asOf, limit: 500, cursor }, signal);
    units.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return units;
}

export const getUnit = (code: string, asOf: string, signal?: AbortSignal) => get<OrgUnit>(unitPath(code), { asOf }, signal);

export async function getVersions(code: string, signal?: AbortSignal): Promise<OrgUnitVersion[]> {
  return (await get<{ items: OrgUnitVersion[] }>(`${unitPath(code)}/versions`, undefined, signal)).items;
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

export function useUnits(asOf: string) {
  return useQuery({
    queryKey: orgKeys.units(asOf),
    queryFn: ({ signal }) => listAllUnits(asOf, signal),
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

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}
