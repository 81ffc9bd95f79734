// Turns a request's credentials into a principal: a bearer access token whose session is still open
// and whose user is active.
import type { FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../../platform/http/access.js';
import { AppError } from '../../platform/errors.js';
import type { SessionsService } from './sessions.service.js';
import type { TokenKeys } from './tokens.js';
import type { UsersService } from './users.service.js';

export function createAuthenticator(deps: { tokens: TokenKeys; sessions: SessionsService; users: UsersService }): Authenticator {
  return async (request: FastifyRequest): Promise<Principal | null> => {
    const header = request.headers.authorization;
    if (header === undefined) return null;
    if (!header.startsWith('Bearer ')) throw new AppError(401, 'UNAUTHORIZED', 'use Authorization: Bearer <token>');
    const claims = await deps.tokens.verify(header.slice(7).trim());
    if (!(await deps.sessions.isSessionActive(claims.sid))) {
      throw new AppError(401, 'SESSION_EXPIRED', 'the session of this token has ended; sign in again');
    }
    const user = await deps.users.getById(claims.sub).catch(() => undefined);
    if (!user || user.status !== 'active') throw new AppError(401, 'SESSION_EXPIRED', 'the session of this token has ended; sign in again');
    return { type: 'user', id: user.id, sessionId: claims.sid, grants: user.grants };
  };
}
