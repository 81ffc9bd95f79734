// Audit: reading the trail over HTTP. Writing is the platform's (src/platform/audit.ts), in the
// transaction of each change. Invariant: a caller sees only the events of units its grants reach,
// as the auth module's scope policy decides (in the service; the route never holds the database).
export { auditRoutes } from './audit.routes.js';
export { createAuditLog } from './audit.service.js';
export type { AuditLog, AuditQuery } from './audit.service.js';
