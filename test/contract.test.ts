// Contract and docs kept in step with the code: the committed OpenAPI snapshot and the README's
// configuration table are both generated; a change to either must be deliberate.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import type { RouteShorthandOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { authErrors } from '../src/modules/auth/index.js';
import { opsErrors } from '../src/modules/ops/index.js';
import { orgErrors } from '../src/modules/org-units/index.js';
import { cameraErrors } from '../src/modules/cameras/index.js';
import { eventErrors } from '../src/modules/events/index.js';
import { alertErrors } from '../src/modules/alerts/index.js';
import { agentErrors } from '../src/modules/agents/index.js';
import { platformErrors } from '../src/platform/errors.js';
import { installConformance } from './helpers/openapi-conformance.js';
import { generateOpenApi, snapshotPath } from '../scripts/openapi.js';
import { readmePath, withConfigTable } from '../scripts/readme.js';

describe('OpenAPI', () => {
  it('matches the committed snapshot (run `npm run openapi:update` after a deliberate change)', async () => {
    const generated = await generateOpenApi();
    expect(generated, 'the API contract changed: review it, then run npm run openapi:update').toBe(readFileSync(snapshotPath, 'utf8'));
  });

  it('is OpenAPI 3.1 and describes every operation with a summary and its error shape', async () => {
    const spec = JSON.parse(await generateOpenApi()) as {
      openapi: string;
      paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>>;
    };
    expect(spec.openapi).toBe('3.1.0');
    const operations = Object.entries(spec.paths).flatMap(([p, methods]) =>
      Object.entries(methods).map(([m, op]) => ({ id: `${m} ${p}`, op })),
    );
    expect(operations.length).toBeGreaterThan(5);
    for (const { id, op } of operations) {
      expect(op.summary, id).toBeTruthy();
      expect(Object.keys(op.responses ?? {}), id).toEqual(expect.arrayContaining(['4XX', '5XX']));
    }
  });
});

describe('OpenAPI, checked by tools we did not write', () => {
  it('is a valid OpenAPI 3.1 document for @readme/openapi-parser (refs resolve, schemas are well-formed)', async () => {
    const spec = JSON.parse(readFileSync(snapshotPath, 'utf8')) as Parameters<typeof validate>[0];
    const result = await validate(spec);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('declares bearer tokens, API keys and the access cookie, and marks every operation with its security', () => {
    const spec = JSON.parse(readFileSync(snapshotPath, 'utf8')) as {
      components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
      paths: Record<string, Record<string, { security?: Record<string, string[]>[]; 'x-vigil-permission'?: string }>>;
    };
    expect(spec.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      apiKeyAuth: { type: 'http', scheme: 'bearer' },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'vigil_access' },
    });
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.security, `${method} ${path}`).toBeDefined();
        if (op.security!.length > 0) expect(op['x-vigil-permission'], `${method} ${path}`).toBeTruthy();
      }
    }
    // Public probes and sign-in need nothing; domain routes need a credential.
    expect(spec.paths['/health']!.get!.security).toEqual([]);
    expect(spec.paths['/api/auth/login']!.post!.security).toEqual([]);
    expect(spec.paths['/api/v1/cameras']!.get!.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }, { cookieAuth: [] }]);
    expect(spec.paths['/api/v1/cameras']!.get!['x-vigil-permission']).toBe('cameras:read');
  });
});

describe('the conformance check that API tests run on every answer', () => {
  it('reports an undocumented status, a wrong content type, a body outside its schema and a missing request id', async () => {
    const app = Fastify();
    await app.register((await import('@fastify/swagger')).default, { openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } } });
    const Thing = Type.Object({ n: Type.Integer() }, { additionalProperties: false });
    app.get('/thing/:id', { schema: { response: { 200: Thing } } } as RouteShorthandOptions, async (request, reply) => {
      const id = (request.params as { id: string }).id;
      void reply.header('x-request-id', 'r1');
      if (id === 'bad-body') return reply.type('application/json').serializer(JSON.stringify).send({ n: 'one' });
      if (id === 'teapot') return reply.code(418).send({ n: 1 });
      if (id === 'text') return reply.type('text/plain').send('hi');
      if (id === 'no-id') return reply.removeHeader('x-request-id').send({ n: 1 });
      return { n: 1 };
    });
    const conformance = installConformance(app);
    await app.ready();
    for (const id of ['good', 'bad-body', 'teapot', 'text', 'no-id']) await app.inject(`/thing/${id}`);
    await app.close();
    expect(conformance.checked).toBe(5);
    expect(conformance.violations).toEqual([
      expect.stringMatching(/GET \/thing\/:id → 200: the body does not match its schema: \/n must be integer/),
      expect.stringMatching(/→ 418: status not documented/),
      expect.stringMatching(/→ 200: content type text\/plain is not documented/),
      expect.stringMatching(/→ 200: no X-Request-Id/),
    ]);
  });
});

/** Every module's error catalogue (`errorCatalogue`): code → status, each code once. */
const CATALOGUES: Record<string, Readonly<Record<string, number>>> = {
  platform: platformErrors.statuses,
  auth: authErrors.statuses,
  'org-units': orgErrors.statuses,
  ops: opsErrors.statuses,
  cameras: cameraErrors.statuses,
  events: eventErrors.statuses,
  alerts: alertErrors.statuses,
  agents: agentErrors.statuses,
};

/**
 * Every code the service can answer, as `status CODE`: the catalogues, and any `new AppError(status,
 * 'CODE', …)` still written out in the sources.
 */
function codesInSources(): Set<string> {
  const found = new Set<string>();
  for (const statuses of Object.values(CATALOGUES)) for (const [code, status] of Object.entries(statuses)) found.add(`${status} ${code}`);
  const root = path.join(import.meta.dirname, '..', 'src');
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/new AppError\(\s*(\d{3}),\s*['`]([A-Z][A-Z0-9_]+)['`]/g)) found.add(`${m[1]} ${m[2]}`);
  }
  return found;
}

describe('error catalogues', () => {
  it('define each code once: a code shared by modules is a platform code', () => {
    const owners = new Map<string, string[]>();
    for (const [name, statuses] of Object.entries(CATALOGUES))
      for (const code of Object.keys(statuses)) owners.set(code, [...(owners.get(code) ?? []), name]);
    expect([...owners].filter(([, names]) => names.length > 1)).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(path.join(import.meta.dirname, '..', 'docs', 'errors.md'), 'utf8');
  const listed = new Set([...doc.matchAll(/^\|\s*(\d{3})\s*\|\s*`([A-Z][A-Z0-9_]+)`/gm)].map((m) => `${m[1]} ${m[2]}`));

  it('lists every code the service can answer, with its status', () => {
    const sources = codesInSources();
    expect(sources.size).toBeGreaterThan(40);
    expect([...sources].filter((c) => !listed.has(c)).sort(), 'codes answered but not in docs/errors.md').toEqual([]);
  });

  it('lists no code that the service never answers', () => {
    const sources = codesInSources();
    expect([...listed].filter((c) => !sources.has(c)).sort(), 'codes in docs/errors.md that no source answers').toEqual([]);
  });
});

describe('README', () => {
  it('has the configuration table generated from src/config.ts (run `npm run docs:config`)', () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme, 'README configuration table is stale: run npm run docs:config').toBe(withConfigTable(readme));
  });
});
