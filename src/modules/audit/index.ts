// Audit: reading the trail over HTTP. Writing is the platform's (src/platform/audit.ts), in the
// transaction of each change. Invariant: a caller sees only the events of units its grants reach.
export { auditRoutes } from './audit.routes.js';
