// Login sessions and refresh-token rotation.
//
// A login opens a session: one family of refresh tokens. Each refresh exchanges a token for a
// successor. Presenting a token that was already exchanged is a reuse, which revokes the whole
// family, unless it happens within the grace window AND none of its successors has been used yet:
// two tabs refreshing with the same token at once must not log the user out (docs/security.md).
// Those refreshes all answer the same successor, so the family stays one chain: a token's successor
// is derived from it (an HMAC under a key of the server's), not drawn at random.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Audit } from '../../platform/audit.js';
import type { Counters } from '../../platform/kv/kv.js';
import type { AppError } from '../../platform/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { SessionErrors } from './auth.errors.js';
import { verifyPassword, hashPassword } from './passwords.js';
import { sessionsRepo } from './sessions.repo.js';
import type { TokenKeys } from './tokens.js';
import { usersRepo } from './users.repo.js';
import type { Schema } from '../../platform/db/schema.js';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface SessionSettings {
  refreshTtlS: number;
  refreshIdleTtlS: number;
  graceS: number;
}

export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

/** 5 failures on one account, or 20 from one address, in 15 minutes. */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  sessionId: string;
  userId: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** 256 random bits, with a prefix that tells people (and secret scanners) what it is. */
const newRefreshToken = () => `vgr_${randomBytes(32).toString('base64url')}`;
/** The successor of a refresh token: 256 bits that only a holder of the token and of the key can compute. */
const successorOf = (key: Buffer, token: string) =>
  `vgr_${createHmac('sha256', key).update(`refresh-successor:${token}`).digest('base64url')}`;

/** A row that a foreign key guarantees (a stored token's session): its absence is a bug, not the caller's fault. */
function stored<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`no ${what} where the database guarantees one`);
  return row;
}

export function createSessionsService(deps: {
  db: Kysely<Schema>;
  audit: Audit;
  tokens: TokenKeys;
  settings: SessionSettings;
  /** Failed sign-ins are counted here, per account and per address (shared through Redis when configured). */
  counters: Counters;
  /** Derives each refresh token's successor; the same on every process (from the secrets key). */
  successorKey: Buffer;
  limits?: LoginLimits;
  now?: () => Date;
}) {
  const { db, audit, tokens, settings, counters } = deps;
  const limits = deps.limits ?? DEFAULT_LOGIN_LIMITS;
  const now = deps.now ?? (() => new Date());
  // Verifying against this when the email is unknown keeps failures' timing alike.
  const dummyHash = hashPassword(randomBytes(16).toString('hex'));

  /** Answers `refreshToken` (stored unless it already is) with a new access token. */
  async function issue(
    tx: Kysely<Schema>,
    refreshToken: string,
    sessionId: string,
    userId: string,
    parentId: string | null,
    expiresAt: Date,
  ): Promise<TokenPair> {
    await sessionsRepo.insertRefreshToken(tx, {
      id: uuidv7(),
      session_id: sessionId,
      parent_id: parentId,
      token_hash: hashToken(refreshToken),
      created_at: now(),
      used_at: null,
    });
    const access = await tokens.sign(userId, sessionId);
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: Math.max(0, Math.floor((expiresAt.getTime() - now().getTime()) / 1000)),
      sessionId,
      userId,
    };
  }

  function event(
    action: string,
    client: ClientInfo,
    actorId: string | null,
    resourceId: string | null,
    result: 'success' | 'failure' | 'denied',
    after: unknown = null,
  ) {
    return {
      actorType: actorId ? ('user' as const) : ('anonymous' as const),
      actorId,
      action,
      resourceType: 'session',
      resourceId,
      after,
      result,
      requestId: client.requestId,
      ip: client.ip,
    };
  }

  async function revoke(tx: Kysely<Schema>, sessionId: string, reason: 'logout' | 'reuse' | 'ended') {
    await sessionsRepo.endSession(tx, sessionId, reason, now());
  }

  return {
    async login(email: string, password: string, client: ClientInfo): Promise<TokenPair> {
      const accountKey = `login-fail:account:${email.trim().toLowerCase()}`;
      const addressKey = client.ip ? `login-fail:address:${client.ip}` : undefined;
      // Each attempt takes its unit of both limits before the password is checked, in one atomic step:
      // however many guesses arrive at once, at most the limit of them is ever checked per window.
      const reservation = await counters.reserve(
        [{ key: accountKey, limit: limits.perAccount }, ...(addressKey ? [{ key: addressKey, limit: limits.perAddress }] : [])],
        limits.windowMs,
      );
      if (!reservation.granted) {
        await db
          .transaction()
          .execute((tx) =>
            audit.write(tx, { ...event('auth.login_blocked', client, null, null, 'denied'), resourceType: 'user', after: { email } }),
          );
        throw SessionErrors.tooManyAttempts(Math.max(1, Math.ceil(reservation.resetMs / 1000)));
      }
      // Units are given back only when no guess was checked (the user could not be read) or it was right.
      const giveBack = () => Promise.all([counters.release(accountKey), addressKey ? counters.release(addressKey) : undefined]);
      const user = await usersRepo.findByEmail(db, email.trim()).catch(async (error: unknown) => {
        await giveBack();
        throw error;
      });
      const ok = user
        ? await verifyPassword(user.password_hash, password)
        : await verifyPassword(await dummyHash, password).then(() => false);
      if (!user || !ok || user.status !== 'active') {
        // Failed logins are recorded outside any business transaction: nothing else changes. The
        // failure keeps the units it reserved.
        await db.transaction().execute((tx) =>
          audit.write(tx, {
            ...event('auth.login_failed', client, null, null, 'failure'),
            resourceType: 'user',
            resourceId: user?.id ?? null,
            after: { email },
          }),
        );
        throw SessionErrors.invalidCredentials();
      }
      // A success clears the account's failures and does not count against the address.
      await Promise.all([counters.reset(accountKey), addressKey ? counters.release(addressKey) : undefined]);
      return db.transaction().execute(async (tx) => {
        const sessionId = uuidv7();
        const expiresAt = new Date(now().getTime() + settings.refreshTtlS * 1000);
        await sessionsRepo.insertSession(tx, {
          id: sessionId,
          user_id: user.id,
          created_at: now(),
          last_used_at: now(),
          expires_at: expiresAt,
          ip: client.ip,
          user_agent: client.userAgent,
          revoked_at: null,
          revoked_reason: null,
        });
        await audit.write(tx, event('auth.login', client, user.id, sessionId, 'success'));
        return issue(tx, newRefreshToken(), sessionId, user.id, null, expiresAt);
      });
    },

    async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
      // A reuse must revoke the family even though the request fails: the outcome is decided in the
      // transaction, and the error thrown after it commits.
      const outcome = await db.transaction().execute(async (tx): Promise<{ error: AppError } | { pair: TokenPair }> => {
        const hash = hashToken(refreshToken);
        const sessionId = await sessionsRepo.sessionIdOfToken(tx, hash);
        if (sessionId === undefined) return { error: SessionErrors.invalidRefreshToken() };
        // Racing refreshes of one family queue on the session's row lock (on PostgreSQL); the token is
        // read again once the lock is held, so the second sees what the first did.
        const session = stored(await sessionsRepo.lockSession(tx, sessionId), 'session');
        const token = stored(await sessionsRepo.findToken(tx, hash), 'refresh token');
        const user = await usersRepo.findById(tx, session.user_id);
        const at = now();
        if (session.revoked_at)
          return { error: session.revoked_reason === 'reuse' ? SessionErrors.refreshTokenReused() : SessionErrors.sessionExpired() };
        if (
          !user ||
          user.status !== 'active' ||
          session.expires_at <= at ||
          at.getTime() - session.last_used_at.getTime() > settings.refreshIdleTtlS * 1000
        ) {
          await revoke(tx, session.id, 'ended');
          return { error: SessionErrors.sessionExpired() };
        }
        const fresh = await (async () => {
          if (token.used_at === null) return sessionsRepo.claimToken(tx, token.id, at);
          const withinGrace = at.getTime() - token.used_at.getTime() <= settings.graceS * 1000;
          return withinGrace && !(await sessionsRepo.hasUsedSuccessor(tx, token.id));
        })();
        if (!fresh) {
          await revoke(tx, session.id, 'reuse');
          await audit.write(tx, event('auth.refresh_token_reuse', client, session.user_id, session.id, 'denied'));
          return { error: SessionErrors.refreshTokenReused() };
        }
        await sessionsRepo.touchSession(tx, session.id, at);
        await audit.write(tx, event('auth.refresh', client, session.user_id, session.id, 'success'));
        return {
          pair: await issue(tx, successorOf(deps.successorKey, refreshToken), session.id, session.user_id, token.id, session.expires_at),
        };
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.pair;
    },

    /** The user's open sessions, newest first; `current` marks the caller's own. */
    async listSessions(userId: string, currentSessionId: string | null) {
      const rows = await sessionsRepo.openSessionsOf(db, userId, now(), 500);
      return rows.map((row) => ({
        id: row.id,
        createdAt: row.created_at.toISOString(),
        lastUsedAt: row.last_used_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        ip: row.ip,
        userAgent: row.user_agent,
        current: row.id === currentSessionId,
      }));
    },

    /** Ends one of the user's sessions; another user's session is "not found". */
    async endSession(userId: string, sessionId: string, client: ClientInfo): Promise<void> {
      await db.transaction().execute(async (tx) => {
        if (!(await sessionsRepo.endSession(tx, sessionId, 'logout', now(), userId))) throw SessionErrors.sessionNotFound(sessionId);
        await audit.write(tx, event('auth.session_end', client, userId, sessionId, 'success'));
      });
    },

    /** Ends every session of the user, this one included. */
    async logoutAll(userId: string, client: ClientInfo): Promise<number> {
      return db.transaction().execute(async (tx) => {
        const count = await sessionsRepo.endSessionsOf(tx, userId, 'logout_all', now());
        await audit.write(tx, {
          ...event('auth.logout_all', client, userId, null, 'success'),
          resourceType: 'user',
          resourceId: userId,
          after: { sessionsEnded: count },
        });
        return count;
      });
    },

    /** Ends the session the refresh token belongs to. Unknown tokens end nothing and say so. */
    async logout(refreshToken: string, client: ClientInfo): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const sessionId = await sessionsRepo.sessionIdOfToken(tx, hashToken(refreshToken));
        if (sessionId === undefined) throw SessionErrors.invalidRefreshToken();
        const session = stored(await sessionsRepo.findSession(tx, sessionId), 'session');
        await revoke(tx, session.id, 'logout');
        await audit.write(tx, event('auth.logout', client, session.user_id, session.id, 'success'));
      });
    },

    /** The session a refresh token belongs to (for the CSRF check of cookie-mode refresh and logout). */
    sessionIdOf: (refreshToken: string): Promise<string | undefined> => sessionsRepo.sessionIdOfToken(db, hashToken(refreshToken)),

    /**
     * The user of an access token's session while it is open, undefined once it has ended (logout
     * ends access tokens too, not only refresh).
     */
    openSessionUser: (sessionId: string): Promise<string | undefined> => sessionsRepo.openSessionUser(db, sessionId),
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
