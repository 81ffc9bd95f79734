// Ops: what engineers who run Vigil look at. Health (with per-check timeouts, degraded vs. unhealthy),
// readiness that turns 503 while shutting down or without a database, liveness, Prometheus metrics,
// service info and the applied migrations. Reads only; nothing here writes business data.
export { createOpsRepo } from './ops.repo.js';
export { createOpsService } from './ops.service.js';
export type { OpsService } from './ops.service.js';
export { metricsRoute, opsRoutes } from './ops.routes.js';
export { opsErrors } from './ops.errors.js';
export type { OpsErrorCode } from './ops.errors.js';
