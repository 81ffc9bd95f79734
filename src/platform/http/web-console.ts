// The web console (web/, built by Vite into dist/web) served at `/`: hashed assets under /assets/
// cached for a year, index.html for every other page address (the console routes in the browser),
// never cached. Files are read once at start-up and kept with their gzip form: the console is a
// few hundred kilobytes, and a camera wall's page loads it on every visit.
//
// A page address is answered with index.html plus preload links for the files its page needs (its
// chunks and styles, from Vite's manifest), so that they load beside the console's main script
// instead of after it has run and the router has asked for them.
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

/** The modules the console loads for a page address (web/src/App.tsx's routes), as Vite's manifest names them. */
export function pageModules(address: string): readonly string[] {
  const [top = '', ...rest] = address.split('/').filter(Boolean);
  const one = rest.length === 1;
  if (top === '') return ['src/pages/Overview.tsx'];
  if (top === 'organization' && (rest.length === 0 || one)) return ['src/pages/Organization.tsx'];
  if (top === 'cameras' && rest.length === 0) return ['src/pages/Cameras.tsx', 'src/cameras/prefetch.ts'];
  if (top === 'cameras' && one) return ['src/pages/Camera.tsx'];
  if (['alerts', 'events', 'admin'].includes(top) && rest.length === 0) return [`src/pages/${top[0]!.toUpperCase()}${top.slice(1)}.tsx`];
  return [];
}

/** One script chunk of the build (web/vite.config.ts writes them to chunks.json). */
export interface ChunkInfo {
  file: string;
  entry: boolean;
  /** Source modules in it, relative to web/ (`src/pages/Cameras.tsx`). */
  modules: string[];
  /** Chunks it imports (files). */
  imports: string[];
  css: string[];
}

/** The files (scripts and styles) that `modules` need: their chunks, what those import, their styles. */
function filesOf(chunks: readonly ChunkInfo[], modules: readonly string[]): Set<string> {
  const byFile = new Map(chunks.map((chunk) => [chunk.file, chunk]));
  const files = new Set<string>();
  const visit = (chunk: ChunkInfo | undefined) => {
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css) files.add(css);
    for (const imported of chunk.imports) visit(byFile.get(imported));
  };
  for (const module of modules) visit(chunks.find((chunk) => chunk.modules.includes(module)));
  return files;
}

/**
 * The page for a page's modules (`pageModules`): index.html with preload links for the files those
 * modules need and the entry does not load itself, made on first use and kept. Without a build's
 * chunk map, or for modules it does not have, the plain index.html.
 */
export function pageVariants(index: Asset, chunks: readonly ChunkInfo[]): (modules: readonly string[]) => Asset {
  const entry = filesOf(
    chunks,
    chunks.filter((chunk) => chunk.entry).flatMap((chunk) => chunk.modules),
  );
  const html = index.body.toString('utf8');
  const made = new Map<string, Asset>();
  return (modules) => {
    const key = modules.join(',');
    let page = made.get(key);
    if (!page) {
      const files = [...filesOf(chunks, modules)].filter((file) => !entry.has(file));
      const links = files
        .map((file) =>
          file.endsWith('.css') ? `<link rel="preload" as="style" href="/${file}">` : `<link rel="modulepreload" href="/${file}">`,
        )
        .join('');
      page = links && html.includes('</head>') ? asset(Buffer.from(html.replace('</head>', `${links}</head>`)), '.html') : index;
      made.set(key, page);
    }
    return page;
  };
}

function asset(body: Buffer, ext: string): Asset {
  const compress = COMPRESSIBLE.has(ext) && body.length > 512;
  return {
    body,
    gzip: compress ? gzipSync(body, { level: 9 }) : undefined,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  };
}

/** Every file of the built console, by its address (`/assets/index-abc.js`). */
export function loadWebConsole(dir: string = webConsoleDir): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    assets.set(`/${path.relative(dir, file).split(path.sep).join('/')}`, asset(readFileSync(file), path.extname(entry.name)));
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
  // The build's chunk map (not served: no route answers /chunks.json).
  const chunks = assets.get('/chunks.json');
  const pageFor = index && chunks ? pageVariants(index, JSON.parse(chunks.body.toString('utf8')) as ChunkInfo[]) : undefined;
  // Only the console's own addresses: any other unknown address stays unmatched (its 404, metrics label and log are the API's).
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const address = request.url.split('?')[0] ?? '/';
    if (RESERVED.some((prefix) => address === prefix || address.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`))) {
      throw PlatformErrors.routeNotFound(request.method, address);
    }
    const file = assets.get(address);
    if (file && address !== '/index.html')
      return send(request, reply, file, address.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    // A page address is answered with the console only when a browser asks for a page.
    const wantsPage = String(request.headers.accept ?? '').includes('text/html');
    if (!wantsPage || address.startsWith('/assets/')) throw PlatformErrors.routeNotFound(request.method, address);
    // A page: the console runs in it, under the page set of security headers (its CSP allows its own scripts).
    asPage(reply, headers);
    if (!index)
      return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT);
    return send(request, reply, pageFor?.(pageModules(address)) ?? index, 'no-cache');
  };
  for (const url of ['/', '/assets/*', ...PAGES.flatMap((page) => [`/${page}`, `/${page}/*`])]) {
    app.get(url, { schema: { hide: true }, config: { permission: 'public' } }, handler);
  }
}
