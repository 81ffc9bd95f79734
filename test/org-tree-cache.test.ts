// Tree answers kept by each process (src/modules/org-units/tree-cache.ts) on real PostgreSQL: two
// `vigil serve` processes on one database, without Redis (nothing tells one process of the other's
// writes but the org tree's stamp, migration 0014), writers on both at once. A read after a write
// has committed, on either process, answers the tree with that write: never a kept answer from
// before it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, realDatabaseUrl } from './helpers/databases.js';
import type { TestDatabase } from './helpers/databases.js';
import { freePort, runVigil, signIn } from './helpers/process.js';
import type { VigilProcess } from './helpers/process.js';

const BASE = '/api/v1/organization-units';
const ADMIN = { email: 'tree-admin@example.com', password: 'harbour-lantern-test-42' };
const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
const AS_OF = '2030-01-01';

interface Node {
  code: string;
  name: string;
  parentCode: string | null;
  revision: number;
  children: Node[];
}
const flat = (node: Node): string[] => [
  `${node.code}<${node.parentCode ?? ''}:${node.name}#${node.revision}`,
  ...node.children.flatMap(flat),
];

describe.runIf(realDatabaseUrl)('kept tree answers across processes (PostgreSQL)', () => {
  let database: TestDatabase;
  let dir: string;
  const processes: VigilProcess[] = [];
  const nodes: { url: string; headers: Record<string, string> }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-tree-cache-'));
    for (let i = 0; i < 2; i++) {
      const proc = runVigil(['serve'], {
        DATA_DIR: mkdtempSync(path.join(dir, 'node-')),
        PORT: String(await freePort()),
        DATABASE_URL: database.url!,
        LOG_LEVEL: 'info',
        VIGIL_ADMIN_EMAIL: ADMIN.email,
        VIGIL_ADMIN_PASSWORD: ADMIN.password,
        VIGIL_SECRET_KEY: SECRET_KEY,
        VIGIL_RATE_LIMIT_MAX: '1000000',
        VIGIL_RATE_LIMIT_AUTH_MAX: '1000000',
      });
      processes.push(proc);
      const line = await proc.waitForLog((r) => r.msg === 'vigil is serving', 90_000);
      const url = line.url as string;
      nodes.push({ url, headers: await signIn(url, ADMIN) });
    }
  }, 200_000);
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    if (dir) rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  });

  async function call(node: number, method: 'GET' | 'POST', route: string, body?: object) {
    const { url, headers } = nodes[node]!;
    const res = await fetch(`${url}${route}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${route} on node ${node}: ${res.status} ${text}`);
    return text;
  }
  const tree = async (node: number) => flat(JSON.parse(await call(node, 'GET', `${BASE}/ORG/tree?asOf=${AS_OF}`)) as Node);

  it('answers every committed write, from either process, on both at once', async () => {
    for (const unit of [
      { code: 'ORG', name: 'Org', unitType: 'ORGANIZATION' },
      { code: 'RA', name: 'A', unitType: 'REGION', parentCode: 'ORG' },
      { code: 'RB', name: 'B', unitType: 'REGION', parentCode: 'ORG' },
      { code: 'SX', name: 'X', unitType: 'SITE', parentCode: 'RA' },
    ]) {
      await call(0, 'POST', BASE, { ...unit, effectiveDate: '2026-01-01' });
    }
    const expected = new Map([
      ['ORG', { parent: '', name: 'Org', revision: 1 }],
      ['RA', { parent: 'ORG', name: 'A', revision: 1 }],
      ['RB', { parent: 'ORG', name: 'B', revision: 1 }],
      ['SX', { parent: 'RA', name: 'X', revision: 1 }],
    ]);
    const model = () => {
      const line = (code: string) => {
        const u = expected.get(code)!;
        return `${code}<${u.parent}:${u.name}#${u.revision}`;
      };
      const sx = line('SX');
      return [
        line('ORG'),
        line('RA'),
        ...(expected.get('SX')!.parent === 'RA' ? [sx] : []),
        line('RB'),
        ...(expected.get('SX')!.parent === 'RB' ? [sx] : []),
      ];
    };
    // Both processes read the tree and keep it (a second read is the kept answer).
    for (const node of [0, 1]) for (let i = 0; i < 2; i++) expect(await tree(node)).toEqual(model());

    for (let round = 1; round <= 6; round++) {
      const day = `2027-01-${String(round).padStart(2, '0')}`;
      // Two writers at once, one on each process; in odd rounds the second also moves SX.
      const move = round % 2 === 1 ? (expected.get('SX')!.parent === 'RA' ? 'RB' : 'RA') : undefined;
      await Promise.all([
        call(0, 'POST', `${BASE}/RA/versions`, { effectiveDate: day, name: `A${round}` }),
        call(1, 'POST', `${BASE}/${move ? 'SX' : 'RB'}/versions`, {
          effectiveDate: day,
          ...(move ? { parentCode: move } : { name: `B${round}` }),
        }),
      ]);
      expected.set('RA', { ...expected.get('RA')!, name: `A${round}`, revision: expected.get('RA')!.revision + 1 });
      if (move) expected.set('SX', { ...expected.get('SX')!, parent: move, revision: expected.get('SX')!.revision + 1 });
      else expected.set('RB', { ...expected.get('RB')!, name: `B${round}`, revision: expected.get('RB')!.revision + 1 });
      // Right after the writes answered (committed): both processes answer the new tree, twice.
      for (const node of [1, 0, 1, 0]) expect(await tree(node), `round ${round}, node ${node}`).toEqual(model());
    }
  }, 120_000);
});
