// Detection events as the review page reads and reviews them, and their counts.
import { api, get, post } from './client';
import type { DetectionEvent, EventStatus, Page } from './types';

const BASE = '/api/v1/events';

export interface EventFilter {
  status?: EventStatus | '';
  type?: string;
  orgUnitCode?: string;
  cameraId?: string;
  /** 0..1, as text from the input. */
  minConfidence?: string;
}

function query(filter: EventFilter) {
  const min = filter.minConfidence?.trim() ? Number(filter.minConfidence) : undefined;
  return {
    type: filter.type?.trim() || undefined,
    orgUnitCode: filter.orgUnitCode?.trim() || undefined,
    cameraId: filter.cameraId || undefined,
    minConfidence: min !== undefined && Number.isFinite(min) ? Math.min(1, Math.max(0, min)) : undefined,
  };
}

export const listEvents = (filter: EventFilter, cursor: string | null, signal?: AbortSignal) =>
  get<Page<DetectionEvent>>(BASE, { ...query(filter), status: filter.status || undefined, limit: 50, cursor }, signal);

export const snapshotUrl = (id: string) => `${BASE}/${id}/snapshot`;

/** Reviews one event; the revision guards against a review made meanwhile by someone else (412). */
export const reviewEvent = (event: Pick<DetectionEvent, 'id' | 'revision'>, body: { status?: EventStatus; notes?: string | null }) =>
  api<DetectionEvent>('PATCH', `${BASE}/${event.id}`, { body, headers: { 'if-match': `"${event.revision}"` } });

export interface BulkReviewResult {
  items: {
    id: string;
    result: 'updated' | 'rejected';
    event?: DetectionEvent;
    error?: { code: string; message: string; details: Record<string, unknown> };
  }[];
  updated: number;
  rejected: number;
}
export const reviewMany = (ids: string[], status: EventStatus) => post<BulkReviewResult>(`${BASE}/review`, { ids, status });

export interface StatsItem {
  key: string;
  total: number;
  pending: number;
  confirmed: number;
  falsePositive: number;
  resolved: number;
}
export const eventStats = (groupBy: 'type' | 'day', filter: EventFilter, range: { from?: string } = {}, signal?: AbortSignal) =>
  get<{ groupBy: string; items: StatsItem[] }>(`${BASE}/stats`, { groupBy, ...query(filter), ...range }, signal);
