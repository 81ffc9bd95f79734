// The cameras pages' calls: the wall's pages of cameras, one camera with its status, history and
// log, and the writes (registry, controls, auto-start). Snapshots are plain <img> addresses.
import { infiniteQueryOptions, keepPreviousData, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import type { HistorySample } from '../cameras/chart';
import type { CameraPatch, NewCameraBody } from '../cameras/form';
import { api, get, post, put } from './client';
import { statusesOf } from './fleet';
import type { Camera, CameraStatus, Page } from './types';

const BASE = '/api/v1/cameras';
const path = (id: string, rest = '') => `${BASE}/${encodeURIComponent(id)}${rest}`;

/** Where an <img> loads a camera's latest frame (`frame` makes each request a new address). */
export const snapshotUrl = (id: string, frame: number) => `${path(id, '/snapshot')}?frame=${frame}`;

/** Cameras per page of the wall (divides evenly into 2, 3, 4, 5 and 6 columns). */
export const WALL_PAGE = 120;

/** The wall's pages of cameras for a filter (`listQuery`): shared by the page and the route's prefetch. */
export const wallPagesQuery = (query: Record<string, string | undefined>) =>
  infiniteQueryOptions({
    queryKey: ['cameras', 'wall', query],
    queryFn: ({ pageParam, signal }) => get<Page<Camera>>(BASE, { ...query, limit: WALL_PAGE, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // A changed filter keeps the tiles shown until the new list is in (no blank wall in between).
    placeholderData: keepPreviousData,
    // A state filter follows the cameras' states: look again now and then.
    refetchInterval: query.state ? 15_000 : 60_000,
    refetchIntervalInBackground: false,
  });

export function useCameraPages(query: Record<string, string | undefined>) {
  return useInfiniteQuery(wallPagesQuery(query));
}

export function useCamera(id: string) {
  return useQuery({ queryKey: ['cameras', 'one', id], queryFn: ({ signal }) => get<Camera>(path(id), undefined, signal) });
}

export function useCameraStatus(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['cameras', 'status', id],
    queryFn: ({ signal }) => get<CameraStatus>(path(id, '/status'), undefined, signal),
    enabled,
    refetchInterval: 2_000,
    refetchIntervalInBackground: false,
  });
}

export interface CameraHistory {
  intervalSeconds: number;
  items: HistorySample[];
}

export function useCameraHistory(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['cameras', 'history', id],
    queryFn: ({ signal }) => get<CameraHistory>(path(id, '/history'), undefined, signal),
    enabled,
    refetchInterval: 10_000,
    refetchIntervalInBackground: false,
  });
}

export interface CameraLogEntry {
  id: string;
  at: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  kind: 'state' | 'error' | 'operator';
  message: string;
  details: Record<string, unknown> | null;
  actorType: string | null;
  actorId: string | null;
}

export const LOG_PAGE = 20;

export function useCameraLogs(id: string, levels: readonly string[], enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ['cameras', 'logs', id, levels],
    queryFn: ({ pageParam, signal }) =>
      get<Page<CameraLogEntry>>(path(id, '/logs'), { limit: LOG_PAGE, cursor: pageParam, level: levels }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    enabled,
    refetchInterval: 15_000,
    refetchIntervalInBackground: false,
  });
}

export interface OrgUnitChoice {
  code: string;
  name: string;
}

/** Org units for the unit fields' suggestions (the first 500; any code may still be typed). */
export function useUnitChoices(enabled: boolean) {
  return useQuery({
    queryKey: ['org-units', 'choices'],
    queryFn: async ({ signal }) =>
      (await get<Page<OrgUnitChoice>>('/api/v1/organization-units', { limit: 500 }, signal)).items.map(({ code, name }) => ({
        code,
        name,
      })),
    enabled,
    staleTime: 5 * 60_000,
  });
}

export type ControlOperation = 'start' | 'stop' | 'restart' | 'activate' | 'deactivate';

export const controlCamera = (id: string, operation: ControlOperation) => post<CameraStatus>(path(id, `/${operation}`));
export const setAutoStart = (id: string, enabled: boolean) => put<Camera>(path(id, '/auto-start'), { enabled });
export const createCamera = (body: NewCameraBody) => post<Camera>(BASE, body);
export const updateCamera = (id: string, patch: CameraPatch, revision: number) =>
  api<Camera>('PATCH', path(id), { body: patch, headers: { 'if-match': `"${revision}"` } });
export const deleteCamera = (id: string, revision: number) =>
  api<undefined>('DELETE', path(id), { headers: { 'if-match': `"${revision}"` } });

/** The wall's statuses: one batch request for every camera listed, every few seconds while the tab is visible; the last answer stays shown while the list changes. */
export const wallStatusesQuery = (ids: readonly string[], intervalMs = 3_000) =>
  queryOptions({
    queryKey: ['cameras', 'wall-statuses', ids],
    queryFn: () => statusesOf(ids),
    enabled: ids.length > 0,
    placeholderData: keepPreviousData,
    refetchInterval: intervalMs,
    refetchIntervalInBackground: false,
  });

export function useWallStatuses(ids: readonly string[], intervalMs = 3_000) {
  return useQuery(wallStatusesQuery(ids, intervalMs));
}

/**
 * Asks for the wall's first page of cameras, then their states, without waiting for the page's code
 * or its first render: started as the console loads on the wall's address, and by the route as the
 * page's code loads; the page finds the answers in the cache under the same keys. What is cached
 * already is not asked for again (the page's own queries refresh it). Failures are left to the
 * page's own queries (they show and retry).
 */
export async function prefetchWall(client: QueryClient, query: Record<string, string | undefined>): Promise<void> {
  const pages = await client.ensureInfiniteQueryData(wallPagesQuery(query));
  const ids = pages.pages.flatMap((page) => page.items.map((camera) => camera.id));
  if (ids.length > 0) await client.ensureQueryData(wallStatusesQuery(ids));
}
