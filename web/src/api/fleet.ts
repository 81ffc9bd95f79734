// The fleet as the overview and the camera wall read it: every visible camera (paged through), and
// their runtime statuses in batches of up to 1,000.
import { useQuery } from '@tanstack/react-query';
import { get, post } from './client';
import type { Camera, CameraStatus, Page } from './types';

export interface FleetFilter {
  orgUnitCode?: string;
  state?: string;
  label?: string;
  q?: string;
}

export async function listAllCameras(filter: FleetFilter = {}, signal?: AbortSignal): Promise<Camera[]> {
  const cameras: Camera[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Camera> = await get<Page<Camera>>('/api/v1/cameras', { ...filter, limit: 500, cursor }, signal);
    cameras.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return cameras;
}

export async function statusesOf(ids: readonly string[]): Promise<Map<string, CameraStatus>> {
  const out = new Map<string, CameraStatus>();
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const answer = await post<{ items: CameraStatus[] }>('/api/v1/cameras/batch-status', { cameraIds: batch });
    for (const status of answer.items) out.set(status.cameraId, status);
  }
  return out;
}

export function useCameras(filter: FleetFilter = {}) {
  return useQuery({ queryKey: ['cameras', 'all', filter], queryFn: ({ signal }) => listAllCameras(filter, signal) });
}

/** Statuses of `ids`, refreshed every `intervalMs` while the page is visible. */
export function useStatuses(ids: readonly string[], intervalMs = 5000) {
  return useQuery({
    queryKey: ['cameras', 'statuses', ids],
    queryFn: () => statusesOf(ids),
    enabled: ids.length > 0,
    refetchInterval: intervalMs,
    refetchIntervalInBackground: false,
  });
}
