// Org units: the organization's structure with its full effective-dated history. Invariants: a
// unit's versions never overlap and leave no gap from its first day on (also enforced by
// PostgreSQL); on every date, every parent exists, no unit is its own ancestor and no branch is
// deeper than VIGIL_ORG_MAX_DEPTH; every write is one transaction with its audit record. "Today" is
// the date in VIGIL_TIMEZONE; grants are scoped by today's tree (scope.ts).
export { createOrgService } from './org-units.service.js';
export type { OrgService, OrgServiceDeps, OrgUnit } from './org-units.service.js';
export { orgUnitRoutes } from './org-units.routes.js';
export { createOrgImportExport } from './import-export.service.js';
export type { OrgImportExport, OrgImportExportDeps } from './import-export.service.js';
export { orgImportExportRoutes } from './import-export.routes.js';
export { OrgUnitView, TreeNodeView as OrgUnitTreeView, VersionView as OrgUnitVersionView } from './org-units.schemas.js';
export { createOrgScope, ORG_CHANGED_CHANNEL } from './scope.js';
export type { OrgScope, OrgSnapshot } from './scope.js';
export { orgErrors } from './org-units.errors.js';
export type { OrgErrorCode } from './org-units.errors.js';
