// Security headers on every answer, errors included, in two sets:
// - pages (the web console's index.html): helmet's full set, for a document a browser renders and
//   runs scripts in (CSP for the console's own scripts, Cross-Origin-Opener-Policy, ...);
// - everything else (JSON, frames, scripts and styles, errors): the set OWASP's REST Security
//   Cheat Sheet gives for API answers. Nothing in an API answer is rendered as a page, so the CSP
//   allows nothing (`default-src 'none'`) and forbids framing, and the headers that only a document
//   reads (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-XSS-Protection, X-Download-Options,
//   X-Permitted-Cross-Domain-Policies) are left out: six headers and about 440 bytes fewer on every
//   answer, which cost about a fifth of the request's CPU (docs/benchmarks.md).
// Neither set depends on the request: both are worked out once at start-up and copied onto replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

export interface SecurityHeaderOptions {
  /** Send Strict-Transport-Security (only when people reach us over https). */
  hsts: boolean;
}

export interface SecurityHeaderSets {
  /** On every answer unless it is a page. */
  api: Readonly<Record<string, string>>;
  /** On pages (HTML documents) instead of `api`. */
  page: Readonly<Record<string, string>>;
}

const HSTS = 'max-age=31536000; includeSubDomains';

/** helmet's headers for a page, run once against a stand-in response. */
function pageHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  const middleware = helmet({
    hsts: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    // What frame-ancestors 'none' says, for browsers that only know X-Frame-Options.
    xFrameOptions: { action: 'deny' },
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
      },
    },
  });
  middleware({} as IncomingMessage, res as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its options');
  });
  return headers;
}

export function securityHeaders(options: SecurityHeaderOptions): SecurityHeaderSets {
  const api: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
  if (options.hsts) api['strict-transport-security'] = HSTS;
  return { api: Object.freeze(api), page: Object.freeze(pageHeaders(options)) };
}

/** Replaces the API set on a reply by the page set (a page is about to be sent). */
export function asPage(
  reply: { removeHeader(name: string): unknown; headers(values: Record<string, string>): unknown },
  sets: SecurityHeaderSets,
): void {
  for (const name of Object.keys(sets.api)) reply.removeHeader(name);
  reply.headers(sets.page);
}
