// API keys for machines. A key is `vgl_` + 256 random bits, shown once when created and stored
// only as its SHA-256 hash; it carries one role, globally or on an org unit's subtree, and is
// sent as `Authorization: Bearer vgl_…`. Revoking or expiry stops it (within PRINCIPAL_TTL_MS on
// other processes, at once on this one). Creation and revocation are audited. A caller holding its
// grant on a unit sees and manages only the keys inside that unit's subtree, as the scope policy says.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { Permission, Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { uuidv7, UUID_PATTERN } from '../../platform/ids.js';
import { ApiKeyErrors, AuthErrors } from './auth.errors.js';
import type { ApiKeyRow } from './api-keys.repo.js';
import { apiKeysRepo } from './api-keys.repo.js';
import type { Reach, ScopePolicy } from './scope-policy.js';
import type { Actor } from './users.service.js';
import type { Role } from './users.repo.js';
import { ROLES } from './users.repo.js';
import type { Schema } from '../../platform/db/schema.js';

export const API_KEY_PREFIX = 'vgl_';
const API_KEY_FORMAT = /^vgl_[A-Za-z0-9_-]{43}$/;
/** How often one process records a key's last use: at most once a minute, not on every request. */
const TOUCH_EVERY_MS = 60_000;
const UNIT_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  orgUnitCode: string | null;
  /** The first characters of the key, to tell keys apart; never enough to use it. */
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * Who asks: a principal, held to the units its grants reach; or the system itself (the CLI, whose
 * actor is the system), everywhere.
 */
export type ApiKeyCaller = { actor: Actor; principal: Principal } | { actor: Actor & { type: 'system' }; principal?: undefined };

export interface NewApiKey {
  name: string;
  role: string;
  orgUnitCode?: string | null;
  expiresInDays?: number | null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    orgUnitCode: row.org_unit_code,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

const keyCursor = cursorCodec('api keys', cursorShape({ at: cursorField.instant, id: cursorField.uuid }));

export function createApiKeysService(deps: { db: Kysely<Schema>; audit: Audit; policy: ScopePolicy; now?: () => Date }) {
  const { db, audit, policy } = deps;
  const now = deps.now ?? (() => new Date());
  const touched = new Map<string, number>();

  function event(actor: Actor, action: string, row: ApiKeyRow, before: unknown, after: unknown) {
    return {
      ...byActor(actor),
      action,
      resourceType: 'api_key',
      resourceId: row.id,
      orgUnitCode: row.org_unit_code,
      before,
      after,
      result: 'success' as const,
    };
  }

  /** Where the caller may see (users:read) or manage (users:write) keys. */
  async function reachOf(caller: ApiKeyCaller, permission: Extract<Permission, 'users:read' | 'users:write'>): Promise<Reach> {
    return caller.principal ? policy.reach(caller.principal, permission) : 'all';
  }

  /** Finds a key by id, or by name among those in force. */
  async function find(tx: Kysely<Schema>, idOrName: string) {
    return UUID_PATTERN.test(idOrName) ? apiKeysRepo.findById(tx, idOrName) : apiKeysRepo.findActiveByName(tx, idOrName);
  }

  return {
    /** Creates a key; the returned `key` is the only time it is ever shown. */
    async create(input: NewApiKey, caller: ApiKeyCaller): Promise<{ key: string; apiKey: ApiKey }> {
      const { actor } = caller;
      const unit = input.orgUnitCode ?? null;
      if (!policy.covers(await reachOf(caller, 'users:write'), unit)) throw ApiKeyErrors.outOfScope(unit);
      const name = input.name.trim();
      if (name.length < 1 || name.length > 100) throw ApiKeyErrors.badName();
      if (!(ROLES as readonly string[]).includes(input.role)) throw AuthErrors.unknownRole(input.role);
      if (unit !== null && !UNIT_CODE.test(unit)) throw ApiKeyErrors.badUnit(unit);
      const days = input.expiresInDays ?? null;
      if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) throw ApiKeyErrors.badExpiry();
      const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      return db.transaction().execute(async (tx) => {
        if (await apiKeysRepo.findActiveByName(tx, name)) throw ApiKeyErrors.nameTaken(name);
        const row = await apiKeysRepo.insert(tx, {
          id: uuidv7(),
          name,
          role: input.role as Role,
          org_unit_code: unit,
          key_hash: hashKey(key),
          prefix: key.slice(0, 12),
          created_by: actor.id,
          expires_at: days === null ? null : new Date(now().getTime() + days * 86_400_000),
        });
        const apiKey = toApiKey(row);
        await audit.write(tx, event(actor, 'api_key.create', row, null, apiKey));
        return { key, apiKey };
      });
    },

    /** A page of keys, those outside the caller's units left out (the cursor still moves past them). */
    async list(
      options: { limit: number; cursor?: string; includeRevoked?: boolean },
      caller: ApiKeyCaller,
    ): Promise<{ items: ApiKey[]; nextCursor: string | null }> {
      const reach = await reachOf(caller, 'users:read');
      const position = keyCursor.decode(options.cursor);
      const rows = await apiKeysRepo.list(db, {
        limit: options.limit + 1,
        includeRevoked: options.includeRevoked ?? false,
        ...(position ? { after: { at: new Date(position.at), id: position.id } } : {}),
      });
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        items: page.filter((row) => policy.covers(reach, row.org_unit_code)).map(toApiKey),
        nextCursor: rows.length > options.limit && last ? keyCursor.encode({ at: last.created_at.toISOString(), id: last.id }) : null,
      };
    },

    /** Revokes a key in force, named by id or by name; one outside the caller's units is "not found". */
    async revoke(idOrName: string, caller: ApiKeyCaller): Promise<ApiKey> {
      const { actor } = caller;
      const reach = await reachOf(caller, 'users:write');
      return db.transaction().execute(async (tx) => {
        const found = await find(tx, idOrName);
        const row = found && policy.covers(reach, found.org_unit_code) ? found : undefined;
        const revoked = row ? await apiKeysRepo.revoke(tx, row.id, now()) : undefined;
        if (!row || !revoked) throw ApiKeyErrors.notFound(idOrName);
        await audit.write(tx, event(actor, 'api_key.revoke', revoked, toApiKey(row), toApiKey(revoked)));
        touched.delete(row.id);
        return toApiKey(revoked);
      });
    },

    /** The principal of a presented key; throws 401 API_KEY_* for a bad one. */
    async principalFor(key: string): Promise<Principal> {
      if (!API_KEY_FORMAT.test(key)) throw ApiKeyErrors.invalid();
      const row = await apiKeysRepo.findByHash(db, hashKey(key));
      if (!row) throw ApiKeyErrors.invalid();
      if (row.revoked_at) throw ApiKeyErrors.revoked();
      const at = now();
      if (row.expires_at && row.expires_at <= at) throw ApiKeyErrors.expired();
      if (at.getTime() - (touched.get(row.id) ?? 0) >= TOUCH_EVERY_MS) {
        touched.set(row.id, at.getTime());
        await apiKeysRepo.touch(db, row.id, at);
      }
      return { type: 'api_key', id: row.id, sessionId: null, grants: [{ role: row.role, orgUnitCode: row.org_unit_code }] };
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
