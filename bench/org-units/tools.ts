// Small tools of the org-units benchmark: percentiles, a seeded random generator, one keep-alive
// HTTP connection, and reading and comparing trees.
import http from 'node:http';
import type { RawTreeRow } from './data.js';
import type { LatencyStats } from './result.js';

/** Nearest-rank percentile of sorted values (the same rank rule as histogram.ts). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
export const round2 = (value: number) => Math.round(value * 100) / 100;

export function stats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: round3(percentile(sorted, 50)),
    p95: round3(percentile(sorted, 95)),
    p99: round3(percentile(sorted, 99)),
    max: round3(sorted.at(-1) ?? 0),
    mean: round3(sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length)),
  };
}

/** mulberry32 (seeded), so both backends get the same codes and dates. */
export { seeded as random } from '../../test/helpers/seeded.js';

export interface Answer {
  status: number;
  body: string;
  /** From sending the request to the last byte of the body. */
  ms: number;
}

/** One keep-alive connection (maxSockets 1), requests one at a time. */
export function httpClient(baseUrl: string, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(baseUrl);
  function send(method: 'GET' | 'POST', target: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path: target,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const ms = performance.now() - started;
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms });
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
  return { send, close: () => agent.destroy() };
}

export interface TreeNode {
  code: string;
  parentCode: string | null;
  children: TreeNode[];
}

/** code → parent code of every node of an API tree. */
export function flatten(root: TreeNode): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.set(node.code, node.parentCode);
    stack.push(...node.children);
  }
  return out;
}

/** Nodes in a tree's JSON text: every node, and nothing else here, has a `hasScheduledChanges` member. */
export function countNodes(body: string): number {
  let count = 0;
  for (let at = body.indexOf('"hasScheduledChanges":'); at !== -1; at = body.indexOf('"hasScheduledChanges":', at + 1)) count++;
  return count;
}

/** Problems found comparing the API's tree with the raw query's rows (empty: same units, same parents). */
export function compareTrees(api: Map<string, string | null>, raw: readonly RawTreeRow[], root: string): string[] {
  const problems: string[] = [];
  const rawParents = new Map(raw.map((r) => [r.code, r.parent_code]));
  const missing = [...rawParents.keys()].filter((code) => !api.has(code));
  const extra = [...api.keys()].filter((code) => !rawParents.has(code));
  const moved = [...api].filter(([code, parent]) => code !== root && rawParents.has(code) && rawParents.get(code) !== parent);
  if (missing.length > 0)
    problems.push(`${missing.length} units of the raw query are missing from the API tree (${missing.slice(0, 3).join(', ')})`);
  if (extra.length > 0) problems.push(`${extra.length} units of the API tree are not in the raw query (${extra.slice(0, 3).join(', ')})`);
  if (moved.length > 0) problems.push(`${moved.length} units have another parent in the API tree than in the raw query`);
  return problems;
}
