// Every error code of the detection-events module, each written once with its status (docs/errors.md
// lists them). A camera that is missing or outside the caller's units is the cameras module's
// CAMERA_NOT_FOUND; a stale revision and a unit outside the caller's grants are the platform's codes.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';
import { CameraErrors } from '../cameras/index.js';
import type { DetectionStatus } from './review.js';

export type EventErrorCode = 'EVENT_NOT_FOUND' | 'INVALID_TRANSITION' | 'INVALID_EVENT' | 'SNAPSHOT_NOT_FOUND';

export const eventErrors = errorCatalogue<EventErrorCode>({
  EVENT_NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  INVALID_EVENT: 400,
  SNAPSHOT_NOT_FOUND: 404,
});
const raise = eventErrors.raise;

export const EventErrors = {
  notFound: (id: string) => raise('EVENT_NOT_FOUND', `event ${id} does not exist`, { eventId: id }),
  invalidTransition: (id: string, from: DetectionStatus, to: DetectionStatus, allowed: readonly DetectionStatus[]) =>
    raise(
      'INVALID_TRANSITION',
      `event ${id} is ${from}: it may move to ${allowed.length > 0 ? allowed.join(' or ') : 'no other status'}, not to ${to}`,
      { eventId: id, from, to, allowed },
    ),
  /** An event that passes the schema but not the rules (a box outside the frame, a snapshot that is no JPEG, ...). */
  invalid: (field: string, reason: string) => raise('INVALID_EVENT', `${field}: ${reason}`, { field }),
  noSnapshot: (id: string) =>
    raise('SNAPSHOT_NOT_FOUND', `event ${id} has no snapshot (none was sent, or retention removed it)`, { eventId: id }),
  cameraNotFound: (id: string) => CameraErrors.notFound(id),
  stale: (id: string, expected: number, actual: number) =>
    platformErrors.raise('PRECONDITION_FAILED', `event ${id} is at revision ${actual}, not ${expected}; read it again and retry`, {
      eventId: id,
      expectedRevision: expected,
      revision: actual,
    }),
  /** A camera the caller may see, but not report events for (or an event it may see but not review). */
  outOfScope: (what: string) => platformErrors.raise('FORBIDDEN', `${what} is in a unit outside those your grants cover for this`),
} as const;
