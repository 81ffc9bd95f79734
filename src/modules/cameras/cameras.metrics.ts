// The camera module's metrics, registered on the service's registry.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { CameraState } from './runtime/worker.js';
import { CAMERA_STATES } from './runtime/worker.js';

/** Why camera log events were not written (`camera_log_events_dropped_total{reason}`). */
export const EVENT_DROP_REASONS = ['camera_deleted', 'rejected', 'write_failed', 'buffer_full'] as const;
export type EventDropReason = (typeof EVENT_DROP_REASONS)[number];

export function createCameraMetrics(registry: Registry, countByState: () => Record<CameraState, number>) {
  const eventsDropped = new Counter({
    name: 'camera_log_events_dropped_total',
    help: 'Camera log events not written, by reason: camera_deleted (its camera was deleted before the write), rejected (the database refused the row), write_failed (the database could not be reached), buffer_full (too many events waiting).',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of EVENT_DROP_REASONS) eventsDropped.inc({ reason }, 0);
  // New frames and bytes are counted per frame and per read: plain numbers there (a counter's inc
  // costs more than the addition), added to the counters whenever they are read.
  const ingested = { frames: 0, bytes: 0 };
  return {
    ingested,
    eventsDropped,
    operations: new Counter({
      name: 'camera_operations_total',
      help: 'Camera control operations, by operation and status (success, rejected: 4xx, error: 5xx).',
      labelNames: ['operation', 'status'],
      registers: [registry],
    }),
    states: new Gauge({
      name: 'cameras',
      help: 'Cameras by state: those this process runs, and, in one process of the fleet, those no process runs (stopped, deactivated, starting until a process picks them up). Summed over the processes, each camera counts once.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = countByState();
        for (const state of CAMERA_STATES) this.set({ state }, counts[state]);
      },
    }),
    frames: new Counter({
      name: 'camera_frames_total',
      help: 'New frames ingested (repeated frames not counted).',
      registers: [registry],
      collect() {
        this.inc(ingested.frames);
        ingested.frames = 0;
      },
    }),
    bytes: new Counter({
      name: 'camera_ingest_bytes_total',
      help: 'Bytes read from cameras.',
      registers: [registry],
      collect() {
        this.inc(ingested.bytes);
        ingested.bytes = 0;
      },
    }),
    attempts: new Counter({
      name: 'camera_connect_attempts_total',
      help: 'Connection attempts to cameras (capped per process by VIGIL_CAMERA_CONNECT_RATE per second).',
      registers: [registry],
    }),
    reconnects: new Counter({
      name: 'camera_reconnects_total',
      help: 'Connections to cameras lost or refused, each followed by a reconnect.',
      registers: [registry],
    }),
    stalls: new Counter({
      name: 'camera_stalls_total',
      help: 'Streams that stayed connected without new frames (STALLED) or with the same frame (FROZEN), by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    crashes: new Counter({
      name: 'camera_worker_crashes_total',
      help: 'Camera workers that threw (a bug, not a camera fault) and were restarted by the supervisor.',
      registers: [registry],
    }),
    offlineDetection: new Histogram({
      name: 'camera_offline_detection_seconds',
      help: 'Time from the last new frame to the stream being declared down.',
      buckets: [0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 30],
      registers: [registry],
    }),
  };
}

export type CameraMetrics = ReturnType<typeof createCameraMetrics>;
