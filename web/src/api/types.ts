// The API's shapes as the console reads them (the OpenAPI document at /api/openapi.json is the reference).

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Role = 'admin' | 'operator' | 'viewer' | 'detector';

export interface Grant {
  role: Role;
  orgUnitCode: string | null;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'disabled';
  grants: Grant[];
}

/** `/api/auth/me`: the user and what their grants allow somewhere. */
export interface Me extends User {
  permissions: string[];
}

export type CameraState = 'stopped' | 'starting' | 'running' | 'degraded' | 'reconnecting' | 'error' | 'deactivated';
export const CAMERA_STATES: readonly CameraState[] = ['running', 'degraded', 'starting', 'reconnecting', 'error', 'stopped', 'deactivated'];

export interface Camera {
  id: string;
  orgUnitCode: string;
  name: string;
  sourceUrl: string;
  sourceType: 'mjpeg' | 'snapshot' | 'rtsp';
  expectedFps: number;
  /** Frozen detection in effect (the camera's own setting, else on for streams and off for snapshots). */
  frozenDetection: boolean;
  hasCredentials: boolean;
  labels: string[];
  active: boolean;
  autoStart: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface CameraStatus {
  cameraId: string;
  state: CameraState;
  since: string;
  fps: number | null;
  bytesPerSecond: number | null;
  lastFrameAt: string | null;
  reconnects: number;
  lastError: { code: string; message: string; at: string } | null;
  frameWidth: number | null;
  frameHeight: number | null;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Alert {
  id: string;
  ruleId: string | null;
  fingerprint: string;
  state: 'pending' | 'firing' | 'resolved';
  severity: Severity;
  cameraId: string | null;
  orgUnitCode: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  activeSince: string;
  firedAt: string | null;
  resolvedAt: string | null;
  ackedBy: string | null;
  ackedAt: string | null;
  revision: number;
}

export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type EventStatus = 'pending' | 'confirmed' | 'false_positive' | 'resolved';

export interface DetectionEvent {
  id: string;
  cameraId: string;
  orgUnitCode: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  confidence: number;
  bbox: BoundingBox | null;
  trackId: string | null;
  attributes: Record<string, unknown>;
  idempotencyKey: string | null;
  hasSnapshot: boolean;
  status: EventStatus;
  notes: string | null;
  handledBy: string | null;
  handledAt: string | null;
  reportedBy: string | null;
  revision: number;
}
