// Cameras: the registry of cameras at org units and their live ingest in this process.
// Invariants: credentials are sealed at rest and never returned or logged; a deactivated camera
// never runs; every registry change and operator action is audited (and in the camera's log);
// one worker per running camera, restarted if it crashes, never crashing the process; connection
// attempts per second are capped per process; every connection goes to an address the camera network
// rules allow, checked after resolution (never Vigil's own endpoints, link-local or cloud metadata),
// and what a camera's failure says is never what the other side sent.
// The runtime of a process (service, supervisor, fleet, event log, retention) is built by
// createCameraRuntime and started by main.ts; its parts are not exported one by one (the supervisor
// and the attempt gate are, for tests that drive real streams without a service).
export { createCameraRuntime, CAMERAS_CHANGED_CHANNEL } from './runtime.js';
export type { CameraRuntime, CameraRuntimeDeps, CameraRuntimeSettings } from './runtime.js';
export type { CameraService, Camera } from './cameras.service.js';
export { cameraRoutes } from './cameras.routes.js';
export { CameraView, CameraStatusView } from './cameras.schemas.js';
export { cameraErrors, CameraErrors } from './cameras.errors.js';
export type { CameraErrorCode } from './cameras.errors.js';
export { createSupervisor } from './runtime/supervisor.js';
export type { Supervisor } from './runtime/supervisor.js';
export { createAttemptGate } from './runtime/attempt-gate.js';
export type { RuntimeSettings, CameraState, CameraStatus } from './runtime/worker.js';
export type { SourceGuard, Resolver, ProtectedEndpoint } from './source-guard.js';
export type { Fleet } from './runtime/fleet.js';
export { isJpeg } from './jpeg.js';
