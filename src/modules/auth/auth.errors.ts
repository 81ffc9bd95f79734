// Every error code of the auth module, each written once with its status (docs/errors.md lists them
// for clients). The factories below are the only way the module makes them.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';
import type { PolicyViolation } from './password-policy.js';
import { ROLES } from './users.repo.js';

const ROLES_TEXT = ROLES.join(', ');

export type AuthErrorCode =
  // users and grants
  | 'WEAK_PASSWORD'
  | 'INVALID_EMAIL'
  | 'EMAIL_TAKEN'
  | 'USER_NOT_FOUND'
  | 'UNKNOWN_ROLE'
  | 'GRANT_NOT_FOUND'
  | 'CANNOT_DISABLE_SELF'
  | 'CANNOT_REMOVE_OWN_ADMIN'
  // sign-in and sessions
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'INVALID_REFRESH_TOKEN'
  | 'REFRESH_TOKEN_REUSED'
  | 'SESSION_EXPIRED'
  | 'SESSION_NOT_FOUND'
  | 'NO_SESSION'
  | 'NOT_A_USER'
  | 'CSRF_INVALID'
  // access tokens
  | 'ACCESS_TOKEN_EXPIRED'
  | 'ACCESS_TOKEN_INVALID'
  // API keys
  | 'API_KEY_INVALID'
  | 'API_KEY_REVOKED'
  | 'API_KEY_EXPIRED'
  | 'API_KEY_NOT_FOUND'
  | 'API_KEY_NAME_TAKEN'
  | 'INVALID_API_KEY_NAME'
  | 'INVALID_EXPIRY';

export const authErrors = errorCatalogue<AuthErrorCode>({
  WEAK_PASSWORD: 400,
  INVALID_EMAIL: 400,
  EMAIL_TAKEN: 409,
  USER_NOT_FOUND: 404,
  UNKNOWN_ROLE: 400,
  GRANT_NOT_FOUND: 404,
  CANNOT_DISABLE_SELF: 409,
  CANNOT_REMOVE_OWN_ADMIN: 409,
  INVALID_CREDENTIALS: 401,
  TOO_MANY_ATTEMPTS: 429,
  INVALID_REFRESH_TOKEN: 401,
  REFRESH_TOKEN_REUSED: 401,
  SESSION_EXPIRED: 401,
  SESSION_NOT_FOUND: 404,
  NO_SESSION: 400,
  NOT_A_USER: 403,
  CSRF_INVALID: 403,
  ACCESS_TOKEN_EXPIRED: 401,
  ACCESS_TOKEN_INVALID: 401,
  API_KEY_INVALID: 401,
  API_KEY_REVOKED: 401,
  API_KEY_EXPIRED: 401,
  API_KEY_NOT_FOUND: 404,
  API_KEY_NAME_TAKEN: 409,
  INVALID_API_KEY_NAME: 400,
  INVALID_EXPIRY: 400,
});
const raise = authErrors.raise;

export const AuthErrors = {
  weakPassword: (violation: PolicyViolation) => raise('WEAK_PASSWORD', violation.message, { reason: violation.reason }),
  invalidEmail: (email: string) => raise('INVALID_EMAIL', `"${email}" is not an email address`, { email }),
  emailTaken: (email: string) => raise('EMAIL_TAKEN', `a user with email ${email} already exists`, { email }),
  userNotFound: (who: string) => raise('USER_NOT_FOUND', `no user ${who}`, { user: who }),
  unknownRole: (role: string) => raise('UNKNOWN_ROLE', `role must be one of ${ROLES_TEXT}, got "${role}"`, { role }),
  grantNotFound: (email: string, role: string, unit: string | null) =>
    raise('GRANT_NOT_FOUND', `${email} holds no ${role} grant ${unit ? `on ${unit}` : 'globally'}`, {
      email,
      role,
      orgUnitCode: unit,
    }),
  cannotDisableSelf: () => raise('CANNOT_DISABLE_SELF', 'you cannot disable yourself; ask another admin'),
  cannotRemoveOwnAdmin: () =>
    raise('CANNOT_REMOVE_OWN_ADMIN', 'you cannot remove your own last admin grant; keep one, or ask another admin'),
  badUnit: (code: string) =>
    platformErrors.raise('INVALID_ORG_UNIT_CODE', `"${code}" is not an org unit code (letters, digits, _ . -; up to 64)`, {
      orgUnitCode: code,
    }),
  /** The platform's code: a unit-scoped admin granting a role beyond its units (a global grant included). */
  grantOutOfScope: (role: string, unit: string | null) =>
    platformErrors.raise(
      'FORBIDDEN',
      unit === null
        ? `only an admin whose grant is global may grant ${role} globally`
        : `you may only grant roles on the units your grants cover, not on ${unit}`,
      { role, orgUnitCode: unit },
    ),
  /** The platform's code: a unit-scoped admin leaving a person with no grant, hence outside every unit. */
  grantsRequired: () =>
    platformErrors.raise('FORBIDDEN', 'an admin whose grants are on units must give a user at least one grant inside them', {
      grants: [],
    }),
  stale: (id: string, actual: number, expected: number) =>
    platformErrors.raise('PRECONDITION_FAILED', `user ${id} is at revision ${actual}, not ${expected}; read it again and retry`, {
      userId: id,
      expectedRevision: expected,
      revision: actual,
    }),
} as const;

export const SessionErrors = {
  invalidCredentials: () => raise('INVALID_CREDENTIALS', 'the email or password is wrong'),
  tooManyAttempts: (retryAfterSeconds: number) =>
    raise('TOO_MANY_ATTEMPTS', `too many failed sign-ins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }),
  invalidRefreshToken: () => raise('INVALID_REFRESH_TOKEN', 'the refresh token is not valid; sign in again'),
  /** Neither a body nor a cookie carried one. */
  noRefreshToken: () => raise('INVALID_REFRESH_TOKEN', 'send refreshToken in the body, or sign in in cookie mode'),
  refreshTokenReused: () =>
    raise('REFRESH_TOKEN_REUSED', 'this refresh token was already used; the session has been ended for safety; sign in again'),
  sessionExpired: () => raise('SESSION_EXPIRED', 'the session has ended; sign in again'),
  /** An access token whose session has ended (logout, expiry, a disabled or removed user). */
  tokenSessionEnded: () => raise('SESSION_EXPIRED', 'the session of this token has ended; sign in again'),
  sessionNotFound: (id: string) => raise('SESSION_NOT_FOUND', `no open session ${id} of yours`, { sessionId: id }),
  noSession: () => raise('NO_SESSION', 'API keys have no session and need no CSRF token'),
  notAUser: () => raise('NOT_A_USER', 'this route is for signed-in people; an API key has no user or sessions'),
} as const;

export const CsrfErrors = {
  invalid: (reason: 'missing' | 'mismatch') =>
    raise(
      'CSRF_INVALID',
      reason === 'missing'
        ? 'a write signed in by cookie needs the X-CSRF-Token header (from the login answer or the vigil_csrf cookie)'
        : 'the X-CSRF-Token header does not belong to this session',
      { reason },
    ),
} as const;

export const TokenErrors = {
  expired: () => raise('ACCESS_TOKEN_EXPIRED', 'the access token has expired; refresh it'),
  invalid: (reason: 'malformed' | 'signature' | 'audience' | 'issuer' | 'unknown_kid' | 'claims') =>
    raise('ACCESS_TOKEN_INVALID', `the access token is not valid (${reason.replace('_', ' ')})`, { reason }),
} as const;

export const ApiKeyErrors = {
  invalid: () => raise('API_KEY_INVALID', 'the API key is not valid'),
  revoked: () => raise('API_KEY_REVOKED', 'the API key has been revoked'),
  expired: () => raise('API_KEY_EXPIRED', 'the API key has expired'),
  notFound: (key: string) => raise('API_KEY_NOT_FOUND', `no API key ${key} in force`, { apiKey: key }),
  nameTaken: (name: string) => raise('API_KEY_NAME_TAKEN', `an API key named "${name}" is already in force`, { name }),
  badName: () => raise('INVALID_API_KEY_NAME', 'an API key name has 1 to 100 characters and is not blank'),
  badUnit: AuthErrors.badUnit,
  badExpiry: () => raise('INVALID_EXPIRY', 'expiresInDays must be a whole number from 1 to 3650'),
  /** The platform's code: a unit-scoped admin making a key beyond its units. */
  outOfScope: (unit: string | null) =>
    platformErrors.raise('FORBIDDEN', 'you may only make keys on the units your grants cover', { orgUnitCode: unit }),
} as const;

/** Not an answer of the API: what `vigil keys rotate` says when the keys come from configuration. */
export const KeyErrors = {
  configured: () =>
    new Error(
      'signing keys come from VIGIL_JWT_PRIVATE_KEY: rotate by putting the new key first there and keeping the old one after it until its tokens have expired',
    ),
} as const;
