// Auth: the people who sign in and the roles they hold. Invariants: emails are unique whatever
// their case; passwords are stored only as argon2id hashes and must pass the policy; every change
// to a user or a grant is audited in its own transaction; a fresh database gets exactly one first
// admin, even when several processes start together.
export { checkPassword, hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
export { createUsersService, SYSTEM } from './users.service.js';
export type { Actor, Grant, User, UsersService } from './users.service.js';
export { ROLES } from './users.repo.js';
export type { Role, UsersTables } from './users.repo.js';
export { createTokenKeys } from './tokens.js';
export type { TokenKeys, SigningKeysTables } from './tokens.js';
export { createSessionsService } from './sessions.service.js';
export type { SessionsService, SessionsTables } from './sessions.service.js';
export { authRoutes } from './auth.routes.js';
export type { AuthRouteDeps } from './auth.routes.js';
export { createAuthenticator } from './authenticate.js';
