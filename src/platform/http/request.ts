// What every route reads off a request the same way: who acts (for the audit trail) and the
// revision an If-Match header names.
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../audit.js';
import { platformErrors } from '../errors.js';

const IF_MATCH = /^(?:W\/)?"?(\d{1,9})"?$/;

/** Who is making an authenticated request. */
export function actorOf(request: FastifyRequest): Actor {
  const principal = request.principal;
  if (!principal) throw new Error('actorOf needs an authenticated route');
  return { type: principal.type, id: principal.id, requestId: request.id, ip: request.ip };
}

/** The revision If-Match names (`"3"`, `3`, `W/"3"`); none for an absent header or `*`; 400 INVALID_IF_MATCH otherwise. */
export function ifMatchOf(request: FastifyRequest): number | undefined {
  const value = request.headers['if-match'];
  if (value === undefined || value === '*') return undefined;
  const match = IF_MATCH.exec(value.trim());
  if (!match) {
    throw platformErrors.raise('INVALID_IF_MATCH', `If-Match must be a revision such as "3", got ${JSON.stringify(value)}`, { value });
  }
  return Number(match[1]);
}

/**
 * The headers that authenticate a request (bearer token or API key, session cookies), to make the
 * same call on another Vigil process on the caller's behalf; the other process checks them again.
 */
export function credentialsOf(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.headers.authorization !== undefined) headers.authorization = request.headers.authorization;
  if (request.headers.cookie !== undefined) headers.cookie = request.headers.cookie;
  return headers;
}
