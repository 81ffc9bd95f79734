// Turns a request's credentials into a principal:
// - `Authorization: Bearer <JWT>`: an access token whose session is still open and is its subject's,
//   and whose user is active;
// - `Authorization: Bearer vgl_…`: an API key in force;
// - the `vigil_access` cookie (cookie mode), where writes must also carry a valid X-CSRF-Token.
//
// Every authenticated request would otherwise verify an EdDSA signature and read the session, the
// user and their grants. Two small in-process caches keep that off the hot path:
// - verified tokens, until their own expiry (a token's claims cannot change);
// - principals per session, for PRINCIPAL_TTL_MS. This process clears an entry at once when it ends
//   a session or changes a user; another process's change is seen within PRINCIPAL_TTL_MS
//   (documented in docs/security.md).
import type { FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../../platform/http/access.js';
import { AppError, PlatformErrors } from '../../platform/errors.js';
import type { ApiKeysService } from './api-keys.service.js';
import { SessionErrors, TokenErrors } from './auth.errors.js';
import type { AuthErrorCode } from './auth.errors.js';
import { API_KEY_PREFIX } from './api-keys.service.js';
import { COOKIE, CSRF_HEADER, isSafeMethod } from './cookies.js';
import type { Csrf } from './cookies.js';
import type { SessionsService } from './sessions.service.js';
import type { AccessClaims, TokenKeys } from './tokens.js';
import type { UsersService } from './users.service.js';

export const PRINCIPAL_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/** A Map bounded in size: the oldest insertion goes first. */
function bounded<K, V>() {
  const map = new Map<K, V>();
  return {
    get: (key: K) => map.get(key),
    set(key: K, value: V) {
      if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as K);
      map.set(key, value);
    },
    delete: (key: K) => map.delete(key),
    clear: () => map.clear(),
  };
}

export function createAuthenticator(deps: {
  tokens: TokenKeys;
  sessions: SessionsService;
  users: UsersService;
  apiKeys: ApiKeysService;
  csrf: Csrf;
  now?: () => number;
}): Authenticator & { forget(): void } {
  const now = deps.now ?? (() => Date.now());
  const verified = bounded<string, AccessClaims>();
  const principals = bounded<string, { principal: Principal; until: number }>();
  const keyPrincipals = bounded<string, { principal: Principal; until: number }>();

  async function claimsOf(token: string): Promise<AccessClaims> {
    const known = verified.get(token);
    // Expiry is still enforced on cached tokens (jose allowed the configured skew at verification).
    if (known && known.exp * 1000 > now()) return known;
    if (known) verified.delete(token);
    const claims = await deps.tokens.verify(token);
    verified.set(token, claims);
    return claims;
  }

  async function principalOf(claims: AccessClaims): Promise<Principal> {
    const cached = principals.get(claims.sid);
    if (cached && cached.until > now() && cached.principal.id === claims.sub) return cached.principal;
    const sessionUser = await deps.sessions.openSessionUser(claims.sid);
    if (sessionUser === undefined) throw SessionErrors.tokenSessionEnded();
    // Signed by us, yet naming someone else's session: never act as either user.
    if (sessionUser !== claims.sub) throw TokenErrors.invalid('claims');
    // Only "no such user" ends the session: any other failure (the database busy or away) is not the
    // credential's fault and goes to the error handler (503 DATABASE_UNAVAILABLE), never a 401.
    const user = await deps.users.getById(claims.sub).catch((error: unknown) => {
      if (error instanceof AppError && error.code === ('USER_NOT_FOUND' satisfies AuthErrorCode)) return undefined;
      throw error;
    });
    if (!user || user.status !== 'active') throw SessionErrors.tokenSessionEnded();
    const principal: Principal = { type: 'user', id: user.id, sessionId: claims.sid, grants: user.grants };
    principals.set(claims.sid, { principal, until: now() + PRINCIPAL_TTL_MS });
    return principal;
  }

  async function apiKeyPrincipal(key: string): Promise<Principal> {
    const cached = keyPrincipals.get(key);
    if (cached && cached.until > now()) return cached.principal;
    const principal = await deps.apiKeys.principalFor(key);
    keyPrincipals.set(key, { principal, until: now() + PRINCIPAL_TTL_MS });
    return principal;
  }

  const authenticate = async (request: FastifyRequest): Promise<Principal | null> => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      if (!header.startsWith('Bearer ')) throw PlatformErrors.unauthorized('use Authorization: Bearer <token>');
      const token = header.slice(7).trim();
      return token.startsWith(API_KEY_PREFIX) ? apiKeyPrincipal(token) : principalOf(await claimsOf(token));
    }
    const cookie = request.cookies[COOKIE.access];
    if (cookie === undefined || cookie === '') return null;
    const principal = await principalOf(await claimsOf(cookie));
    if (!isSafeMethod(request.method)) deps.csrf.check(principal.sessionId!, request.headers[CSRF_HEADER]);
    return principal;
  };
  return Object.assign(authenticate, {
    /** Drops every cached principal (after a session ends, a user changes or a key is revoked in this process). */
    forget: () => {
      principals.clear();
      keyPrincipals.clear();
    },
  });
}
