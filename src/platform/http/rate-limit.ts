// Rate limits on every route, through @fastify/rate-limit with a store over the kv's counters:
// - signed-in requests count per principal (user or API key), anonymous ones per address;
// - /api/auth/* (sign-in, refresh, logout, ...) has a stricter bucket of its own, per address;
// - the probes and /metrics are exempt: throttling a readiness probe takes a healthy node out.
// With REDIS_URL the counters are shared, so a limit holds across processes; while Redis is down
// each process counts alone: the limit fails open to per-process limits, never to no limit
// (docs/platform.md). Over the limit: 429 RATE_LIMITED in the unified shape, with Retry-After and
// the RateLimit-Limit / -Remaining / -Reset headers of the IETF draft.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { platformErrors } from '../errors.js';
import type { Counters } from '../kv/kv.js';
import { MemoryCounters } from '../kv/memory.js';
import type { Metrics } from '../metrics.js';
import type { PrincipalResolver } from './access.js';

export interface RateLimitSettings {
  /** Requests per window per principal (or per address when anonymous). */
  max: number;
  /** Requests per window per address to /api/auth/*. */
  authMax: number;
  windowMs: number;
}

export const RateLimitErrors = {
  limited: (limit: number, windowMs: number, retryAfterSeconds: number) =>
    platformErrors.raise('RATE_LIMITED', `too many requests: at most ${limit} per ${windowMs / 1000} s; retry in ${retryAfterSeconds} s`, {
      limit,
      windowSeconds: windowMs / 1000,
      retryAfterSeconds,
    }),
} as const;

const AUTH_PREFIX = '/api/auth/';
const isExempt = (url: string) => url === '/metrics' || url === '/health' || url.startsWith('/health/') || url.startsWith('/health?');

/** The key a request counts under; authenticating here is shared with access control (one verification). */
function keyOf(request: FastifyRequest, principalOf: PrincipalResolver): string | Promise<string> {
  if (request.routeOptions.url?.startsWith(AUTH_PREFIX)) return `auth:${request.ip}`;
  const access = request.routeOptions.config.permission;
  if (access === undefined || access === 'public') return `ip:${request.ip}`;
  return principalOf(request).then(
    (principal) => (principal ? `${principal.type}:${principal.id}` : `ip:${request.ip}`),
    // Bad credentials count against the address; access control answers the 401 right after.
    () => `ip:${request.ip}`,
  );
}

export async function installRateLimits(
  app: FastifyInstance,
  deps: { counters: Counters; settings: RateLimitSettings; principalOf: PrincipalResolver; metrics: Pick<Metrics, 'rateLimited'> },
): Promise<void> {
  const { counters, settings, principalOf, metrics } = deps;
  // In-process counters answer synchronously: no promise per request on the hot path.
  const local = counters instanceof MemoryCounters ? counters : undefined;
  class CountersStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      if (local) {
        const hit = local.hitSync(`rate:${key}`, timeWindow);
        callback(null, { current: hit.count, ttl: hit.resetMs });
        return;
      }
      counters.hit(`rate:${key}`, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: hit.resetMs }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(): CountersStore {
      return this;
    }
  }
  await app.register(rateLimit, { global: false, store: CountersStore, enableDraftSpec: true });
  app.addHook(
    'onRequest',
    app.rateLimit({
      keyGenerator: (request) => keyOf(request, principalOf),
      max: (_request, key) => (key.startsWith('auth:') ? settings.authMax : settings.max),
      timeWindow: settings.windowMs,
      allowList: (request) => isExempt(request.url),
      onExceeded: (request) => metrics.rateLimited.inc({ route: request.routeOptions.url ?? 'unmatched' }),
      errorResponseBuilder: (_request, context) =>
        RateLimitErrors.limited(context.max, settings.windowMs, Math.max(1, Math.ceil(context.ttl / 1000))),
    }),
  );
}
