// Users and their role grants. Every change is audited in the transaction that makes it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { LOCKS, lockTransaction } from '../../platform/db/locks.js';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { AuthErrors } from './auth.errors.js';
import { checkPassword } from './password-policy.js';
import { hashPassword } from './passwords.js';
import type { GrantRow, Role, UserRow } from './users.repo.js';
import { ROLES, usersRepo } from './users.repo.js';
import type { Schema } from '../../platform/db/schema.js';

export type { Actor };

export const SYSTEM: Actor & { type: 'system' } = { type: 'system', id: 'vigil' };

export interface Grant {
  role: Role;
  orgUnitCode: string | null;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'disabled';
  revision: number;
  createdAt: string;
  updatedAt: string;
  grants: Grant[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$|^[^\s@]+@[a-z0-9-]+\.local$/i;

function toUser(row: UserRow, grants: GrantRow[]): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    grants: grants.filter((g) => g.user_id === row.id).map((g) => ({ role: g.role, orgUnitCode: g.org_unit_code })),
  };
}

function publicFields(row: UserRow) {
  return { email: row.email, displayName: row.display_name, status: row.status };
}

const userCursor = cursorCodec('users', cursorShape({ e: cursorField.text }));

export interface UsersServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  log: Logger;
}

export function createUsersService({ db, audit, log }: UsersServiceDeps) {
  function auditEvent(actor: Actor, action: string, resourceId: string, before: unknown, after: unknown) {
    return {
      ...byActor(actor),
      action,
      resourceType: 'user',
      resourceId,
      before,
      after,
      result: 'success' as const,
    };
  }

  async function load(tx: Kysely<Schema>, email: string): Promise<UserRow> {
    const row = await usersRepo.findByEmail(tx, email);
    if (!row) throw AuthErrors.userNotFound(email);
    return row;
  }

  async function withGrants(tx: Kysely<Schema>, row: UserRow): Promise<User> {
    return toUser(row, await usersRepo.grantsOf(tx, [row.id]));
  }

  function parseRole(role: string): Role {
    if (!(ROLES as readonly string[]).includes(role)) throw AuthErrors.unknownRole(role);
    return role as Role;
  }

  async function create(
    tx: Kysely<Schema>,
    input: { email: string; displayName?: string; password: string; roles?: Grant[] },
    actor: Actor,
  ): Promise<User> {
    const email = input.email.trim();
    if (!EMAIL.test(email)) throw AuthErrors.invalidEmail(email);
    const violation = checkPassword(input.password, email);
    if (violation) throw AuthErrors.weakPassword(violation);
    if (await usersRepo.findByEmail(tx, email)) throw AuthErrors.emailTaken(email);
    const row = await usersRepo.insert(tx, {
      id: uuidv7(),
      email,
      display_name: input.displayName?.trim() || email.split('@')[0]!,
      password_hash: await hashPassword(input.password),
    });
    await audit.write(tx, auditEvent(actor, 'user.create', row.id, null, publicFields(row)));
    for (const grant of input.roles ?? []) {
      await usersRepo.insertGrant(tx, {
        id: uuidv7(),
        user_id: row.id,
        role: parseRole(grant.role),
        org_unit_code: grant.orgUnitCode,
        created_by: actor.id,
      });
      await audit.write(tx, { ...auditEvent(actor, 'user.grant', row.id, null, grant), orgUnitCode: grant.orgUnitCode });
    }
    return withGrants(tx, row);
  }

  return {
    create: (input: { email: string; displayName?: string; password: string; roles?: Grant[] }, actor: Actor) =>
      db.transaction().execute((tx) => create(tx, input, actor)),

    async get(email: string): Promise<User> {
      return withGrants(db, await load(db, email));
    },

    async getById(id: string): Promise<User> {
      const row = await usersRepo.findById(db, id);
      if (!row) throw AuthErrors.userNotFound(id);
      return withGrants(db, row);
    },

    async list(limit: number, cursor?: string): Promise<{ items: User[]; nextCursor: string | null }> {
      const after = userCursor.decode(cursor)?.e;
      const rows = await usersRepo.list(db, after, limit + 1);
      const page = rows.slice(0, limit);
      const grants = await usersRepo.grantsOf(
        db,
        page.map((r) => r.id),
      );
      const last = page.at(-1);
      return {
        items: page.map((row) => toUser(row, grants)),
        nextCursor: rows.length > limit && last ? userCursor.encode({ e: last.email.toLowerCase() }) : null,
      };
    },

    setStatus: (email: string, status: 'active' | 'disabled', actor: Actor) =>
      db.transaction().execute(async (tx) => {
        const before = await load(tx, email);
        if (before.status === status) return withGrants(tx, before);
        const after = await usersRepo.update(tx, before.id, { status });
        await audit.write(
          tx,
          auditEvent(actor, status === 'disabled' ? 'user.disable' : 'user.enable', before.id, publicFields(before), publicFields(after)),
        );
        return withGrants(tx, after);
      }),

    resetPassword: (email: string, password: string, actor: Actor) =>
      db.transaction().execute(async (tx) => {
        const before = await load(tx, email);
        const violation = checkPassword(password, before.email);
        if (violation) throw AuthErrors.weakPassword(violation);
        const after = await usersRepo.update(tx, before.id, { password_hash: await hashPassword(password), password_changed: true });
        await audit.write(tx, auditEvent(actor, 'user.reset_password', before.id, null, null));
        return withGrants(tx, after);
      }),

    grant: (email: string, role: string, orgUnitCode: string | null, actor: Actor) =>
      db.transaction().execute(async (tx) => {
        const user = await load(tx, email);
        const inserted = await usersRepo.insertGrant(tx, {
          id: uuidv7(),
          user_id: user.id,
          role: parseRole(role),
          org_unit_code: orgUnitCode,
          created_by: actor.id,
        });
        if (inserted) await audit.write(tx, { ...auditEvent(actor, 'user.grant', user.id, null, { role, orgUnitCode }), orgUnitCode });
        return withGrants(tx, user);
      }),

    revoke: (email: string, role: string, orgUnitCode: string | null, actor: Actor) =>
      db.transaction().execute(async (tx) => {
        const user = await load(tx, email);
        const removed = await usersRepo.deleteGrant(tx, user.id, parseRole(role), orgUnitCode);
        if (!removed) throw AuthErrors.grantNotFound(user.email, role, orgUnitCode);
        await audit.write(tx, { ...auditEvent(actor, 'user.revoke', user.id, { role, orgUnitCode }, null), orgUnitCode });
        return withGrants(tx, user);
      }),

    /**
     * On a database with no users, creates the first admin (global admin grant). Without a configured
     * password it generates one into `<dataDir>/initial-admin-password` (mode 0600) and logs only the path.
     * Safe when several processes start at once: they serialize on an advisory lock.
     */
    ensureFirstAdmin: (options: { email: string; password: string | undefined; dataDir: string }) =>
      db.transaction().execute(async (tx) => {
        await lockTransaction(tx, LOCKS.firstAdmin);
        if ((await usersRepo.countUsers(tx)) > 0) return { created: false as const };
        const password = options.password ?? randomBytes(18).toString('base64url');
        const user = await create(
          tx,
          { email: options.email, displayName: 'Administrator', password, roles: [{ role: 'admin', orgUnitCode: null }] },
          SYSTEM,
        );
        let passwordFile: string | undefined;
        if (options.password === undefined) {
          passwordFile = path.join(options.dataDir, 'initial-admin-password');
          mkdirSync(options.dataDir, { recursive: true });
          writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
          chmodSync(passwordFile, 0o600); // mode applies only when the file is new
          log.warn(
            { email: user.email, passwordFile },
            'created the first admin; its generated password is in the file named here: sign in and change it',
          );
        } else {
          log.info({ email: user.email }, 'created the first admin from VIGIL_ADMIN_EMAIL and VIGIL_ADMIN_PASSWORD');
        }
        return { created: true as const, user, passwordFile };
      }),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
