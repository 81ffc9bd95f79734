// Users and their role grants, for the admin API and the `vigil users` command alike: one set of
// rules. Every change is audited in the transaction that makes it; passwords never reach the audit
// trail or the log. A caller is held to the scope policy: an admin whose grants are on units sees and
// manages only people whose grants all lie inside those units (others are "not found"), and grants
// only inside them; the system (the CLI, the first admin) acts everywhere.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { LOCKS, lockTransaction } from '../../platform/db/locks.js';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { Permission, Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { UUID_PATTERN, uuidv7 } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { AuthErrors } from './auth.errors.js';
import { checkPassword } from './password-policy.js';
import { hashPassword } from './passwords.js';
import type { Reach, ScopePolicy } from './scope-policy.js';
import { sessionsRepo } from './sessions.repo.js';
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

/**
 * Who asks: a principal, held to the units its grants reach; or the system itself (the CLI, the
 * first admin), everywhere.
 */
export type UserCaller = { actor: Actor; principal: Principal } | { actor: Actor & { type: 'system' }; principal?: undefined };

/** A grant as callers write it: the role checked against ROLES, no unit meaning everywhere. */
export interface GrantInput {
  role: string;
  orgUnitCode?: string | null;
}

export interface NewUser {
  email: string;
  displayName?: string;
  /** Without one, a strong password is generated and answered once (`generatedPassword`). */
  password?: string;
  grants?: readonly GrantInput[];
}

export interface UserChanges {
  displayName?: string;
  status?: 'active' | 'disabled';
}

/** A user, and the password Vigil generated for them when none was given: its only appearance. */
export interface WithPassword {
  user: User;
  generatedPassword?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$|^[^\s@]+@[a-z0-9-]+\.local$/i;
const UNIT_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_NAME = 200;

function toUser(row: UserRow, grants: readonly GrantRow[]): User {
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

const grantKey = (g: { role: string; orgUnitCode: string | null }) => `${g.role}\u0000${g.orgUnitCode ?? ''}`;
const grantOf = (row: GrantRow): Grant => ({ role: row.role, orgUnitCode: row.org_unit_code });

/** 144 random bits as 24 base64url characters, drawn again in the unlikely case the policy refuses them. */
function generatePassword(email: string): string {
  for (;;) {
    const password = randomBytes(18).toString('base64url');
    if (!checkPassword(password, email)) return password;
  }
}

const userCursor = cursorCodec('users', cursorShape({ e: cursorField.text }));

export interface UsersServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  log: Logger;
  policy: ScopePolicy;
  now?: () => Date;
}

export function createUsersService({ db, audit, log, policy, now = () => new Date() }: UsersServiceDeps) {
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

  const reachOf = (caller: UserCaller, permission: Extract<Permission, 'users:read' | 'users:write'>): Promise<Reach> =>
    caller.principal ? policy.reach(caller.principal, permission) : Promise.resolve('all');

  const isSelf = (caller: UserCaller, userId: string) => caller.principal?.type === 'user' && caller.principal.id === userId;

  /**
   * The user `who` names (an id, or an email whatever its case) with their grants, when the caller's
   * reach covers them; "not found" otherwise, exactly as when there is no such user.
   */
  async function visible(tx: Kysely<Schema>, who: string, reach: Reach, lock = false): Promise<{ row: UserRow; grants: GrantRow[] }> {
    const row = UUID_PATTERN.test(who) ? await usersRepo.findById(tx, who, lock) : await usersRepo.findByEmail(tx, who, lock);
    const grants = row ? await usersRepo.grantsOf(tx, [row.id]) : [];
    if (
      !row ||
      !policy.coversAll(
        reach,
        grants.map((g) => g.org_unit_code),
      )
    )
      throw AuthErrors.userNotFound(who);
    return { row, grants };
  }

  function checkRevision(row: UserRow, expected: number | undefined) {
    if (expected !== undefined && expected !== row.revision) throw AuthErrors.stale(row.id, row.revision, expected);
  }

  function parseRole(role: string): Role {
    if (!(ROLES as readonly string[]).includes(role)) throw AuthErrors.unknownRole(role);
    return role as Role;
  }

  /** Roles and unit codes checked, duplicates dropped. */
  function parseGrants(inputs: readonly GrantInput[]): Grant[] {
    const grants = new Map<string, Grant>();
    for (const input of inputs) {
      const unit = input.orgUnitCode ?? null;
      if (unit !== null && !UNIT_CODE.test(unit)) throw AuthErrors.badUnit(unit);
      const grant = { role: parseRole(input.role), orgUnitCode: unit };
      grants.set(grantKey(grant), grant);
    }
    return [...grants.values()];
  }

  /** A caller on units may leave a person only with grants inside them, and with at least one. */
  function checkGrantsWithin(reach: Reach, grants: readonly Grant[]) {
    if (reach === 'all') return;
    if (grants.length === 0) throw AuthErrors.grantsRequired();
    const outside = grants.find((g) => !policy.covers(reach, g.orgUnitCode));
    if (outside) throw AuthErrors.grantOutOfScope(outside.role, outside.orgUnitCode);
  }

  /** Makes the user's grants `next`: each grant added or removed is audited, and the user's revision moves. */
  async function replaceGrants(tx: Kysely<Schema>, row: UserRow, current: readonly GrantRow[], next: readonly Grant[], caller: UserCaller) {
    if (isSelf(caller, row.id) && !next.some((g) => g.role === 'admin')) throw AuthErrors.cannotRemoveOwnAdmin();
    const wanted = new Set(next.map(grantKey));
    const held = new Set(current.map((g) => grantKey(grantOf(g))));
    const removed = current.map(grantOf).filter((g) => !wanted.has(grantKey(g)));
    const added = next.filter((g) => !held.has(grantKey(g)));
    for (const grant of removed) {
      await usersRepo.deleteGrant(tx, row.id, grant.role, grant.orgUnitCode);
      await audit.write(tx, { ...auditEvent(caller.actor, 'user.revoke', row.id, grant, null), orgUnitCode: grant.orgUnitCode });
    }
    for (const grant of added) {
      await usersRepo.insertGrant(tx, {
        id: uuidv7(),
        user_id: row.id,
        role: grant.role,
        org_unit_code: grant.orgUnitCode,
        created_by: caller.actor.id,
      });
      await audit.write(tx, { ...auditEvent(caller.actor, 'user.grant', row.id, null, grant), orgUnitCode: grant.orgUnitCode });
    }
    const after = removed.length + added.length > 0 ? await usersRepo.update(tx, row.id, {}) : row;
    return toUser(after, await usersRepo.grantsOf(tx, [row.id]));
  }

  /** Inserts a user whose input was checked, with their grants; EMAIL_TAKEN when the email is (even by a racing insert). */
  async function insertUser(
    tx: Kysely<Schema>,
    input: { email: string; displayName: string; passwordHash: string; grants: readonly Grant[] },
    actor: Actor,
  ): Promise<User> {
    const row = await usersRepo.insert(tx, {
      id: uuidv7(),
      email: input.email,
      display_name: input.displayName,
      password_hash: input.passwordHash,
    });
    if (!row) throw AuthErrors.emailTaken(input.email);
    await audit.write(tx, auditEvent(actor, 'user.create', row.id, null, publicFields(row)));
    for (const grant of input.grants) {
      await usersRepo.insertGrant(tx, {
        id: uuidv7(),
        user_id: row.id,
        role: grant.role,
        org_unit_code: grant.orgUnitCode,
        created_by: actor.id,
      });
      await audit.write(tx, { ...auditEvent(actor, 'user.grant', row.id, null, grant), orgUnitCode: grant.orgUnitCode });
    }
    return toUser(row, await usersRepo.grantsOf(tx, [row.id]));
  }

  /** Checks a new user's input; the password hashed before any transaction opens (argon2id takes a while). */
  async function prepare(input: NewUser, reach: Reach) {
    const email = input.email.trim();
    if (!EMAIL.test(email)) throw AuthErrors.invalidEmail(email);
    const grants = parseGrants(input.grants ?? []);
    checkGrantsWithin(reach, grants);
    const generatedPassword = input.password === undefined ? generatePassword(email) : undefined;
    const password = input.password ?? generatedPassword!;
    const violation = checkPassword(password, email);
    if (violation) throw AuthErrors.weakPassword(violation);
    const displayName = input.displayName?.trim() || email.split('@')[0]!.slice(0, MAX_NAME);
    return { email, displayName, grants, passwordHash: await hashPassword(password), generatedPassword };
  }

  return {
    /** Creates a user; a generated password is in the answer, and nowhere else, ever. */
    async create(input: NewUser, caller: UserCaller): Promise<WithPassword> {
      const { generatedPassword, ...prepared } = await prepare(input, await reachOf(caller, 'users:write'));
      const user = await db.transaction().execute((tx) => insertUser(tx, prepared, caller.actor));
      return generatedPassword === undefined ? { user } : { user, generatedPassword };
    },

    /** A user the caller may see, by id or by email. */
    async get(who: string, caller: UserCaller): Promise<User> {
      const { row, grants } = await visible(db, who, await reachOf(caller, 'users:read'));
      return toUser(row, grants);
    },

    /** Any user by id, whoever asks: for sign-in and the caller's own record, never for an admin's request. */
    async getById(id: string): Promise<User> {
      const row = await usersRepo.findById(db, id);
      if (!row) throw AuthErrors.userNotFound(id);
      return toUser(row, await usersRepo.grantsOf(db, [row.id]));
    },

    /** A page in email order of the users the caller may see, optionally those matching `text` or of one status. */
    async list(
      options: { limit: number; cursor?: string; text?: string; status?: 'active' | 'disabled' },
      caller: UserCaller,
    ): Promise<{ items: User[]; nextCursor: string | null }> {
      const reach = await reachOf(caller, 'users:read');
      const after = userCursor.decode(options.cursor)?.e;
      const rows = await usersRepo.list(db, {
        limit: options.limit + 1,
        ...(after !== undefined ? { afterEmail: after } : {}),
        ...(options.text !== undefined && options.text !== '' ? { text: options.text } : {}),
        ...(options.status !== undefined ? { status: options.status } : {}),
        ...(reach === 'all' ? {} : { units: [...reach] }),
      });
      const page = rows.slice(0, options.limit);
      const grants = await usersRepo.grantsOf(
        db,
        page.map((r) => r.id),
      );
      const last = page.at(-1);
      return {
        items: page.map((row) => toUser(row, grants)),
        nextCursor: rows.length > options.limit && last ? userCursor.encode({ e: last.email.toLowerCase() }) : null,
      };
    },

    /**
     * Renames, disables or enables a user. Disabling ends every session of theirs (their refresh and
     * access tokens stop working) and refuses their sign-ins; a caller cannot disable themselves.
     */
    update: (who: string, changes: UserChanges, caller: UserCaller, expectedRevision?: number) =>
      reachOf(caller, 'users:write').then((reach) =>
        db.transaction().execute(async (tx) => {
          const { row, grants } = await visible(tx, who, reach, true);
          checkRevision(row, expectedRevision);
          if (changes.status === 'disabled' && isSelf(caller, row.id)) throw AuthErrors.cannotDisableSelf();
          const displayName = changes.displayName?.trim();
          const rename = displayName !== undefined && displayName !== '' && displayName !== row.display_name;
          const status = changes.status !== undefined && changes.status !== row.status ? changes.status : undefined;
          if (!rename && status === undefined) return toUser(row, grants);
          const after = await usersRepo.update(tx, row.id, {
            ...(rename ? { display_name: displayName } : {}),
            ...(status !== undefined ? { status } : {}),
          });
          if (rename) {
            await audit.write(
              tx,
              auditEvent(caller.actor, 'user.update', row.id, { displayName: row.display_name }, { displayName: after.display_name }),
            );
          }
          if (status === 'disabled') {
            const sessionsEnded = await sessionsRepo.endSessionsOf(tx, row.id, 'disabled', now());
            await audit.write(
              tx,
              auditEvent(caller.actor, 'user.disable', row.id, publicFields(row), { ...publicFields(after), sessionsEnded }),
            );
          } else if (status === 'active') {
            await audit.write(tx, auditEvent(caller.actor, 'user.enable', row.id, publicFields(row), publicFields(after)));
          }
          return toUser(after, grants);
        }),
      ),

    /** Sets a new password, generated (and answered once) when none is given. Open sessions stay open. */
    async resetPassword(who: string, password: string | undefined, caller: UserCaller): Promise<WithPassword> {
      const reach = await reachOf(caller, 'users:write');
      const { row: found } = await visible(db, who, reach);
      const generatedPassword = password === undefined ? generatePassword(found.email) : undefined;
      const chosen = password ?? generatedPassword!;
      const violation = checkPassword(chosen, found.email);
      if (violation) throw AuthErrors.weakPassword(violation);
      const passwordHash = await hashPassword(chosen);
      const user = await db.transaction().execute(async (tx) => {
        const { row, grants } = await visible(tx, found.id, reach, true);
        const after = await usersRepo.update(tx, row.id, { password_hash: passwordHash, password_changed: true });
        await audit.write(tx, auditEvent(caller.actor, 'user.reset_password', row.id, null, { generated: password === undefined }));
        return toUser(after, grants);
      });
      return generatedPassword === undefined ? { user } : { user, generatedPassword };
    },

    /** Replaces the user's grants with `grants` (duplicates dropped); what changed is audited grant by grant. */
    setGrants: (who: string, grants: readonly GrantInput[], caller: UserCaller, expectedRevision?: number) =>
      reachOf(caller, 'users:write').then((reach) =>
        db.transaction().execute(async (tx) => {
          const { row, grants: current } = await visible(tx, who, reach, true);
          checkRevision(row, expectedRevision);
          const next = parseGrants(grants);
          checkGrantsWithin(reach, next);
          return replaceGrants(tx, row, current, next, caller);
        }),
      ),

    /** Adds one grant; one the user holds already changes nothing. */
    grant: (who: string, role: string, orgUnitCode: string | null, caller: UserCaller) =>
      reachOf(caller, 'users:write').then((reach) =>
        db.transaction().execute(async (tx) => {
          const { row, grants: current } = await visible(tx, who, reach, true);
          const next = parseGrants([...current.map(grantOf), { role, orgUnitCode }]);
          checkGrantsWithin(reach, next);
          return replaceGrants(tx, row, current, next, caller);
        }),
      ),

    /** Removes one grant the user holds; GRANT_NOT_FOUND otherwise. */
    revoke: (who: string, role: string, orgUnitCode: string | null, caller: UserCaller) =>
      reachOf(caller, 'users:write').then((reach) =>
        db.transaction().execute(async (tx) => {
          const { row, grants: current } = await visible(tx, who, reach, true);
          const gone = grantKey({ role: parseRole(role), orgUnitCode });
          const next = current.map(grantOf).filter((g) => grantKey(g) !== gone);
          if (next.length === current.length) throw AuthErrors.grantNotFound(row.email, role, orgUnitCode);
          checkGrantsWithin(reach, next);
          return replaceGrants(tx, row, current, next, caller);
        }),
      ),

    /**
     * On a database with no users, creates the first admin (global admin grant). Without a configured
     * password it generates one into `<dataDir>/initial-admin-password` (mode 0600) and logs only the path.
     * Safe when several processes start at once: they serialize on an advisory lock.
     */
    ensureFirstAdmin: async (options: { email: string; password: string | undefined; dataDir: string }) => {
      // Checked again under the lock; this first look spares every later start a password hash.
      if ((await usersRepo.countUsers(db)) > 0) return { created: false as const };
      const prepared = await prepare(
        {
          email: options.email,
          displayName: 'Administrator',
          ...(options.password !== undefined ? { password: options.password } : {}),
          grants: [{ role: 'admin', orgUnitCode: null }],
        },
        'all',
      );
      return db.transaction().execute(async (tx) => {
        await lockTransaction(tx, LOCKS.firstAdmin);
        if ((await usersRepo.countUsers(tx)) > 0) return { created: false as const };
        const { generatedPassword, ...input } = prepared;
        const user = await insertUser(tx, input, SYSTEM);
        let passwordFile: string | undefined;
        if (generatedPassword !== undefined) {
          passwordFile = path.join(options.dataDir, 'initial-admin-password');
          mkdirSync(options.dataDir, { recursive: true });
          writeFileSync(passwordFile, `${generatedPassword}\n`, { mode: 0o600 });
          chmodSync(passwordFile, 0o600); // mode applies only when the file is new
          log.warn(
            { email: user.email, passwordFile },
            'created the first admin; its generated password is in the file named here: sign in and change it',
          );
        } else {
          log.info({ email: user.email }, 'created the first admin from VIGIL_ADMIN_EMAIL and VIGIL_ADMIN_PASSWORD');
        }
        return { created: true as const, user, passwordFile };
      });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
