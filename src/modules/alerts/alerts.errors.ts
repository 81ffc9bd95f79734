// Every error code of the alerts module, each written once with its status (docs/errors.md lists
// them). A stale revision and a unit outside the caller's grants are the platform's codes.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';

export type AlertErrorCode = 'ALERT_RULE_NOT_FOUND' | 'INVALID_ALERT_RULE' | 'ALERT_NOT_FOUND' | 'SILENCE_NOT_FOUND' | 'INVALID_SILENCE';

export const alertErrors = errorCatalogue<AlertErrorCode>({
  ALERT_RULE_NOT_FOUND: 404,
  INVALID_ALERT_RULE: 400,
  ALERT_NOT_FOUND: 404,
  SILENCE_NOT_FOUND: 404,
  INVALID_SILENCE: 400,
});
const raise = alertErrors.raise;

export const AlertErrors = {
  ruleNotFound: (id: string) => raise('ALERT_RULE_NOT_FOUND', `alert rule ${id} does not exist`, { ruleId: id }),
  /** A rule that passes the schema but not the rules: a duration, a unit, a camera, a template, a channel. */
  invalidRule: (field: string, reason: string) => raise('INVALID_ALERT_RULE', `${field}: ${reason}`, { field }),
  alertNotFound: (id: string) => raise('ALERT_NOT_FOUND', `alert ${id} does not exist`, { alertId: id }),
  silenceNotFound: (id: string) => raise('SILENCE_NOT_FOUND', `silence ${id} does not exist`, { silenceId: id }),
  invalidSilence: (field: string, reason: string) => raise('INVALID_SILENCE', `${field}: ${reason}`, { field }),
  stale: (what: string, id: string, expected: number, actual: number) =>
    platformErrors.raise('PRECONDITION_FAILED', `${what} ${id} is at revision ${actual}, not ${expected}; read it again and retry`, {
      id,
      expectedRevision: expected,
      revision: actual,
    }),
  outOfScope: () => platformErrors.raise('FORBIDDEN', 'that org unit (or camera) is outside the units your grants cover for alerts'),
} as const;
