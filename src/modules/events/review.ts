// The review workflow of a detection event, as a pure table: which status may follow which.
// pending → confirmed | false_positive; confirmed → resolved; false_positive → pending (reopened).
// Anything else, staying put included, is refused (409 INVALID_TRANSITION).
import type { DetectionStatus } from '../../platform/db/schema.js';

export type { DetectionStatus };

export const DETECTION_STATUSES = ['pending', 'confirmed', 'false_positive', 'resolved'] as const satisfies readonly DetectionStatus[];

const NEXT: Readonly<Record<DetectionStatus, readonly DetectionStatus[]>> = {
  pending: ['confirmed', 'false_positive'],
  confirmed: ['resolved'],
  false_positive: ['pending'],
  resolved: [],
};

/** Whether a review may move an event from `from` to `to`. */
export function mayMove(from: DetectionStatus, to: DetectionStatus): boolean {
  return NEXT[from].includes(to);
}

/** The statuses an event in `from` may move to (for the error that refuses a move). */
export function nextStatuses(from: DetectionStatus): readonly DetectionStatus[] {
  return NEXT[from];
}
