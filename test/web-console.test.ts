// The web console as the server serves it: the page for page addresses a browser asks for, hashed
// assets with long caching and gzip, and the API's and probes' addresses untouched (the unified 404).
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../src/platform/http/errors.js';
import { securityHeaders } from '../src/platform/http/security-headers.js';
import { installWebConsole, loadWebConsole, pageModules, webConsoleDir } from '../src/platform/http/web-console.js';
import type { ChunkInfo } from '../src/platform/http/web-console.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';

const PAGE = { accept: 'text/html,application/xhtml+xml' };

describe('the web console, served by the app', () => {
  let vigil: TestVigil;
  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(async () => {
    await vigil?.stop();
  });

  it('answers page addresses a browser asks for with the console (or says how to build it), never cached', async () => {
    for (const url of ['/', '/cameras', '/organization/SITE?asOf=2026-01-01']) {
      const res = await vigil.app.inject({ method: 'GET', url, headers: PAGE });
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      if (existsSync(path.join(webConsoleDir, 'index.html'))) {
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain('<div id="root"></div>');
      } else {
        expect(res.statusCode).toBe(503);
        expect(res.body).toContain('npm run build');
      }
      // A page's security headers: the page may run only its own scripts.
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
  });

  it('keeps the API’s and the probes’ addresses: an unknown one is the unified 404, even asked for as a page', async () => {
    for (const url of ['/api/v1/nope', '/api', '/health/nope', '/metrics/x', '/.well-known/nope']) {
      const res = await vigil.app.inject({ method: 'GET', url, headers: PAGE });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    // Known routes still answer as before.
    expect((await vigil.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await vigil.app.inject({ method: 'GET', url: '/api/v1/cameras' })).statusCode).toBe(401);
  });

  it('knows, in the console as built, the modules of every page it preloads', () => {
    const built = path.join(webConsoleDir, 'chunks.json');
    if (!existsSync(built)) return;
    const modules = JSON.parse(readFileSync(built, 'utf8')).flatMap((chunk: ChunkInfo) => chunk.modules) as string[];
    for (const address of ['/', '/organization', '/organization/SITE', '/cameras', '/cameras/abc', '/alerts', '/events', '/admin']) {
      expect(pageModules(address).length, address).toBeGreaterThan(0);
      for (const module of pageModules(address)) expect(modules, `${address}: ${module}`).toContain(module);
    }
  });

  it('answers a page address asked for as JSON (a script, not a browser) with the unified 404', async () => {
    const res = await vigil.app.inject({ method: 'GET', url: '/cameras', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    const missing = await vigil.app.inject({ method: 'GET', url: '/assets/missing-abc.js', headers: PAGE });
    expect(missing.statusCode).toBe(404);
  });
});

describe('the web console’s files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
  const chunks: ChunkInfo[] = [
    { file: 'assets/index-abc123.js', entry: true, modules: ['src/main.tsx'], imports: [], css: ['assets/index-1.css'] },
    { file: 'assets/shared-1.js', entry: false, modules: ['src/api/cameras.ts'], imports: ['assets/index-abc123.js'], css: [] },
    {
      file: 'assets/Cameras-1.js',
      entry: false,
      modules: ['src/pages/Cameras.tsx', 'src/cameras/prefetch.ts'],
      imports: ['assets/index-abc123.js', 'assets/shared-1.js'],
      css: ['assets/Cameras-1.css'],
    },
    { file: 'assets/Camera-1.js', entry: false, modules: ['src/pages/Camera.tsx'], imports: ['assets/shared-1.js'], css: [] },
  ];
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function app() {
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><html><head><title>Vigil</title></head><body><div id="root"></div></body></html>',
    );
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), script);
    writeFileSync(path.join(dir, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(path.join(dir, 'chunks.json'), JSON.stringify(chunks));
    const server = Fastify();
    installErrorHandling(server, 1024);
    server.addHook('onRoute', (route) => void ((route.config as Record<string, unknown> | undefined)?.permission ?? ''));
    installWebConsole(server, securityHeaders({ hsts: false }), loadWebConsole(dir));
    await server.ready();
    return server;
  }

  it('serves hashed assets cached for a year, gzipped when the browser takes it, and answers 304 to a matching ETag', async () => {
    const server = await app();
    const plain = await server.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe(script);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const zipped = await server.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.rawPayload.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(script);
    const again = await server.inject({
      method: 'GET',
      url: '/assets/index-abc123.js',
      headers: { 'if-none-match': plain.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    // Small or binary files are sent as they are.
    const png = await server.inject({ method: 'GET', url: '/assets/logo.png', headers: { 'accept-encoding': 'gzip' } });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers['content-type']).toBe('image/png');
    await server.close();
  });

  it('sends a page address preload links for its page’s own files, not the entry’s, and keeps the chunk map private', async () => {
    const server = await app();
    const page = async (url: string) => (await server.inject({ method: 'GET', url, headers: PAGE })).body;
    const links = (html: string) =>
      [...html.matchAll(/<link rel="(?:modulepreload|preload" as="style)" href="([^"]+)">/g)].map((m) => m[1]);
    const wall = await page('/cameras?state=error');
    expect(links(wall).sort()).toEqual(['/assets/Cameras-1.js', '/assets/Cameras-1.css', '/assets/shared-1.js'].sort());
    expect(wall.indexOf('modulepreload')).toBeLessThan(wall.indexOf('</head>'));
    // A camera's page: its own chunk and the shared one; the entry's files never.
    expect(links(await page('/cameras/abc')).sort()).toEqual(['/assets/Camera-1.js', '/assets/shared-1.js']);
    // Addresses no page answers, and pages the build has no chunk for, get the plain page.
    expect(links(await page('/cameras/a/b'))).toEqual([]);
    expect(links(await page('/admin'))).toEqual([]);
    const map = await server.inject({ method: 'GET', url: '/chunks.json', headers: { accept: 'application/json' } });
    expect(map.statusCode).toBe(404);
    await server.close();
  });

  it('does not serve files outside its folder', async () => {
    const server = await app();
    for (const url of ['/../package.json', '/assets/../../package.json', '/%2e%2e/package.json']) {
      const res = await server.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
      expect(res.statusCode, url).toBe(404);
    }
    await server.close();
  });
});
