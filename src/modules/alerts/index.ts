// Alerts: rules that watch cameras and detection events, the alerts they raise, silences, and the
// notifications sent for them.
// Invariants: one process evaluates at a time (the evaluator's advisory lock), and a restart
// neither fires again nor forgets a pending timer (the state is in the database); a state change
// that notifies is written with its notifications (the outbox) in one transaction; a notification
// is marked sent only after its receiver said so, and every attempt carries the same idempotency
// key (once in effect); silences stop notifications, never an alert's state; channel secrets are
// sealed at rest and never returned; a caller sees only the rules, alerts and silences of its units.
export { createAlerting, ALERTS_CHANGED_CHANNEL, EVALUATOR_JOB } from './alerting.js';
export type { Alerting, AlertingDeps, AlertingSettings } from './alerting.js';
export type { AlertSignals, OrgView } from './evaluator.js';
export type { CameraFact } from './conditions.js';
export type { Target } from './channels.js';
export { SIGNATURE_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER, sign } from './channels.js';
export { alertRoutes } from './alerts.routes.js';
export { AlertView, RuleView, SilenceView } from './alerts.schemas.js';
export { alertErrors } from './alerts.errors.js';
export type { AlertErrorCode } from './alerts.errors.js';
