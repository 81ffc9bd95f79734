// The web console (web/, built by Vite into dist/web) served at `/`: hashed assets under /assets/
// cached for a year, index.html for every other page address (the console routes in the browser),
// never cached. Files are read once at start-up and kept with their gzip form: the console is a
// few hundred kilobytes, and a camera wall's page loads it on every visit.
//
// Addresses of the API and the probes (/api, /health, /metrics, /.well-known) are never answered
// with the page: an unknown one gets the unified 404, as does any address asked for as JSON.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlatformErrors } from '../errors.js';
import { packageRoot } from '../paths.js';
import { asPage } from './security-headers.js';
import type { SecurityHeaderSets } from './security-headers.js';

export const webConsoleDir = path.join(packageRoot, 'dist', 'web');

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);
/** The console's top-level pages (web/src/App.tsx). */
const PAGES = ['organization', 'cameras', 'alerts', 'events', 'admin'];
const RESERVED = ['/api/', '/api', '/health', '/metrics', '/.well-known/'];

/** Every file of the built console, by its address (`/assets/index-abc.js`). */
export function loadWebConsole(dir: string = webConsoleDir): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const ext = path.extname(entry.name);
    const body = readFileSync(file);
    const compress = COMPRESSIBLE.has(ext) && body.length > 512;
    assets.set(`/${path.relative(dir, file).split(path.sep).join('/')}`, {
      body,
      gzip: compress ? gzipSync(body, { level: 9 }) : undefined,
      type: TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    });
  }
  return assets;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil</title></head><body>
<main><h1>Vigil</h1><p>The web console is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload.</p>
<p>The API is at <a href="/api/docs">/api/docs</a>.</p></main></body></html>`;

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string) {
  void reply
    .header('content-type', asset.type)
    .header('cache-control', cacheControl)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const accepts = String(request.headers['accept-encoding'] ?? '');
  if (asset.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

export function installWebConsole(app: FastifyInstance, headers: SecurityHeaderSets, assets: Map<string, Asset> = loadWebConsole()): void {
  const index = assets.get('/index.html');
  // Only the console's own addresses: any other unknown address stays unmatched (its 404, metrics label and log are the API's).
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const address = request.url.split('?')[0] ?? '/';
    if (RESERVED.some((prefix) => address === prefix || address.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`))) {
      throw PlatformErrors.routeNotFound(request.method, address);
    }
    const asset = assets.get(address);
    if (asset && address !== '/index.html')
      return send(request, reply, asset, address.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    // A page address is answered with the console only when a browser asks for a page.
    const wantsPage = String(request.headers.accept ?? '').includes('text/html');
    if (!wantsPage || address.startsWith('/assets/')) throw PlatformErrors.routeNotFound(request.method, address);
    // A page: the console runs in it, under the page set of security headers (its CSP allows its own scripts).
    asPage(reply, headers);
    if (!index)
      return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT);
    return send(request, reply, index, 'no-cache');
  };
  for (const url of ['/', '/assets/*', ...PAGES.flatMap((page) => [`/${page}`, `/${page}/*`])]) {
    app.get(url, { schema: { hide: true }, config: { permission: 'public' } }, handler);
  }
}
