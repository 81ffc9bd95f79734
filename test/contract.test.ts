// Contract and docs kept in step with the code: the committed OpenAPI snapshot and the README's
// configuration table are both generated; a change to either must be deliberate.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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

describe('README', () => {
  it('has the configuration table generated from src/config.ts (run `npm run docs:config`)', () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(readme, 'README configuration table is stale: run npm run docs:config').toBe(withConfigTable(readme));
  });
});
