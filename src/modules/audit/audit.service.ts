// Reading the audit trail: the filters a caller asks for, narrowed by the scope policy to the units
// its audit:read grants reach. Global grants see every event; others only events of their units.
import type { Kysely } from 'kysely';
import type { ScopePolicy } from '../auth/index.js';
import type { Audit, AuditListFilters, AuditPage } from '../../platform/audit.js';
import type { Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';

/** What a caller may ask for: the trail's filters, with at most one unit instead of a set. */
export type AuditQuery = Omit<AuditListFilters, 'orgUnitCodes'> & { orgUnitCode?: string };

export function createAuditLog(deps: { db: Kysely<Schema>; audit: Audit; policy: ScopePolicy }) {
  const { db, audit, policy } = deps;
  return {
    /** Newest first; only events of the units the principal reaches (events without a unit: global grants only). */
    async list(principal: Principal, query: AuditQuery): Promise<AuditPage> {
      const { orgUnitCode, ...filters } = query;
      const reach = await policy.reach(principal, 'audit:read');
      let orgUnitCodes: string[] | undefined = reach === 'all' ? undefined : [...reach];
      if (orgUnitCode !== undefined) orgUnitCodes = orgUnitCodes ? orgUnitCodes.filter((c) => c === orgUnitCode) : [orgUnitCode];
      return audit.list(db, { ...filters, ...(orgUnitCodes !== undefined ? { orgUnitCodes } : {}) });
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
