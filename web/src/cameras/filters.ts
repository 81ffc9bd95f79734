// The camera wall's filters, kept in the page's address (?unit=&state=&label=&q=) so that a filtered
// wall can be bookmarked, shared and reached from the overview's links. Pure: no React, no router.
import type { CameraState } from '../api/types';
import { CAMERA_STATES } from '../api/types';

export interface WallFilter {
  /** An org unit code: its cameras and those of its subtree. */
  unit: string;
  state: CameraState | '';
  label: string;
  /** Text in the name or source URL. */
  q: string;
}

export const NO_FILTER: WallFilter = { unit: '', state: '', label: '', q: '' };

// The API's own rules (openapi.json: ListQuery), so that a hand-edited address never makes the list fail.
const UNIT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;
const MAX_Q = 200;

export interface ParsedFilter {
  filter: WallFilter;
  /** What was in the address but could not be used, in words. */
  problems: string[];
}

/** The filters an address asks for; values the API would refuse are left out and named in `problems`. */
export function parseWallFilter(search: string | URLSearchParams): ParsedFilter {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const problems: string[] = [];
  const unit = (params.get('unit') ?? '').trim();
  const state = (params.get('state') ?? '').trim();
  const label = (params.get('label') ?? '').trim();
  const q = (params.get('q') ?? '').trim().slice(0, MAX_Q);
  const filter: WallFilter = { ...NO_FILTER, q };
  if (unit && UNIT.test(unit)) filter.unit = unit;
  else if (unit) problems.push(`“${unit}” is not an org unit code (letters, digits, “.”, “_” and “-”).`);
  if ((CAMERA_STATES as readonly string[]).includes(state)) filter.state = state as CameraState;
  else if (state) problems.push(`“${state}” is not a camera state.`);
  if (label && LABEL.test(label)) filter.label = label;
  else if (label) problems.push(`“${label}” is not a label (letters, digits and “_ . : / -”, starting with a letter or digit).`);
  return { filter, problems };
}

/** The address query of a filter ('' for none), keys in a fixed order and empty values left out. */
export function wallSearch(filter: Partial<WallFilter>): string {
  const params = new URLSearchParams();
  for (const key of ['unit', 'state', 'label', 'q'] as const) {
    const value = filter[key]?.trim();
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The list API's query for a filter. */
export function listQuery(filter: WallFilter): { orgUnitCode?: string; state?: CameraState; label?: string; q?: string } {
  return {
    ...(filter.unit ? { orgUnitCode: filter.unit } : {}),
    ...(filter.state ? { state: filter.state } : {}),
    ...(filter.label ? { label: filter.label } : {}),
    ...(filter.q ? { q: filter.q } : {}),
  };
}

export function isFiltered(filter: WallFilter): boolean {
  return Boolean(filter.unit || filter.state || filter.label || filter.q);
}

/** The filter in words, for the count line ("in unit S1, running, labelled gate, matching “door”"). */
export function describeFilter(filter: WallFilter): string {
  const parts: string[] = [];
  if (filter.unit) parts.push(`in unit ${filter.unit} and below`);
  if (filter.state) parts.push(filter.state);
  if (filter.label) parts.push(`labelled ${filter.label}`);
  if (filter.q) parts.push(`matching “${filter.q}”`);
  return parts.join(', ');
}
