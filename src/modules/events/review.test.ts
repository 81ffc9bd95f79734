import { describe, expect, it } from 'vitest';
import { DETECTION_STATUSES, mayMove, nextStatuses } from './review.js';

describe('the review workflow', () => {
  const allowed = new Set(['pending>confirmed', 'pending>false_positive', 'confirmed>resolved', 'false_positive>pending']);

  it('allows exactly the four moves of the workflow, and refuses every other pair, staying put included', () => {
    for (const from of DETECTION_STATUSES) {
      for (const to of DETECTION_STATUSES) {
        expect(mayMove(from, to), `${from} → ${to}`).toBe(allowed.has(`${from}>${to}`));
      }
    }
  });

  it('names where each status may go, and a resolved event goes nowhere', () => {
    expect(nextStatuses('pending')).toEqual(['confirmed', 'false_positive']);
    expect(nextStatuses('resolved')).toEqual([]);
  });
});
