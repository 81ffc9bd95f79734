// Auth: the people who sign in and the roles they hold. Invariants: emails are unique whatever
// their case; passwords are stored only as argon2id hashes and must pass the policy; every change
// to a user or a grant is audited in its own transaction; a fresh database gets exactly one first
// admin, even when several processes start together. An admin whose grants are on units manages only
// the users whose grants all lie inside them (the others are not found), and grants only inside
// them; disabling a user ends their sessions. API keys and refresh tokens are stored only as hashes;
// a write authenticated by cookie needs the session's CSRF token.
export { hashPassword, verifyPassword } from './passwords.js';
export { checkPassword, MIN_PASSWORD_LENGTH } from './password-policy.js';
export { createUsersService, SYSTEM } from './users.service.js';
export type { Actor, Grant, GrantInput, User, UserCaller, UsersService, WithPassword } from './users.service.js';
export { userRoutes } from './users.routes.js';
export type { UserRouteDeps } from './users.routes.js';
export { UserRecord } from './users.schemas.js';
export { ROLES } from './users.repo.js';
export type { Role } from './users.repo.js';
export { createTokenKeys } from './tokens.js';
export type { TokenKeys } from './tokens.js';
export { createSessionsService } from './sessions.service.js';
export type { SessionsService } from './sessions.service.js';
export { authRoutes, actorOf } from './auth.routes.js';
export { apiKeyRoutes } from './api-keys.routes.js';
export { createApiKeysService, API_KEY_PREFIX } from './api-keys.service.js';
export type { ApiKey, ApiKeysService } from './api-keys.service.js';
export { createCsrf, COOKIE, CSRF_HEADER } from './cookies.js';
export type { AuthRouteDeps } from './auth.routes.js';
export { createAuthenticator } from './authenticate.js';
export { UserView } from './auth.schemas.js';
export { ROLE_PERMISSIONS, can, createScopePolicy } from './scope-policy.js';
export { authErrors } from './auth.errors.js';
export type { AuthErrorCode } from './auth.errors.js';
export type { Reach, ScopePolicy } from './scope-policy.js';
