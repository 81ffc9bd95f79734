// Detection events: what detectors report about cameras, and the review of it.
// Invariants: an event belongs to the unit of its camera when it was stored, and only callers whose
// grants reach that unit see it (others get 404); a detector reports only for cameras of its units;
// a repeated idempotency key for a camera is the same event, never a second one (a unique index
// decides between racing requests); a status moves only as the review workflow allows; every write
// is audited in its transaction; snapshots live in the database, so every process serves them.
export { createEventService } from './events.service.js';
export type { EventService, EventCaller, DetectionEvent, CameraPlace } from './events.service.js';
export { eventRoutes } from './events.routes.js';
export { EventView } from './events.schemas.js';
export { createEventMetrics } from './events.metrics.js';
export type { EventMetrics } from './events.metrics.js';
export { eventErrors } from './events.errors.js';
export type { EventErrorCode } from './events.errors.js';
export { createEventRetention } from './retention.js';
export { DETECTION_STATUSES, mayMove } from './review.js';
