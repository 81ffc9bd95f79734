// Small tools of the cameras benchmark: rounding and percentiles, a pool and a poller, rates from
// samples, a keep-alive HTTP client, the machine's CPU time and the Prometheus text format.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { LatencyStats } from './result.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const round1 = (value: number) => Math.round(value * 10) / 10;
export const round2 = (value: number) => Math.round(value * 100) / 100;
export const round3 = (value: number) => Math.round(value * 1000) / 1000;
export const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** Nearest-rank percentile of sorted values (the rule of histogram.ts and org-units/tools.ts). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

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

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Runs `work` over the items with at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}

/** Polls `read` until `done` holds (answering what was read), or throws after `timeoutMs`. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs: number,
): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/**
 * The shortest span (ms) over which `samples` ([time ms, running total]) grew by at least `count`
 * (null: never). With correct spacing, cap + 1 attempts need more than a second.
 */
export function shortestSpan(samples: readonly (readonly [number, number])[], count: number): number | null {
  let best: number | null = null;
  for (let i = 0, j = 0; j < samples.length; j++) {
    while (i + 1 < j && samples[j]![1] - samples[i + 1]![1] >= count) i++;
    if (samples[j]![1] - samples[i]![1] >= count) {
      const span = samples[j]![0] - samples[i]![0];
      best = best === null ? span : Math.min(best, span);
    }
  }
  return best === null ? null : Math.round(best);
}

/** The most that `samples` ([time ms, running total]) grew within any span of at most `spanMs`. */
export function peakWithin(samples: readonly (readonly [number, number])[], spanMs: number): number {
  let peak = 0;
  for (let i = 0, j = 0; j < samples.length; j++) {
    while (samples[j]![0] - samples[i]![0] > spanMs) i++;
    peak = Math.max(peak, samples[j]![1] - samples[i]![1]);
  }
  return peak;
}

interface Answer {
  status: number;
  body: string;
  /** From sending the request to the last byte of the body. */
  ms: number;
}

/** Keep-alive HTTP/1.1 to one loopback server, at most `maxSockets` requests in flight. */
export function httpClient(baseUrl: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const base = new URL(baseUrl);
  let token: string | undefined;
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
            accept: 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
          );
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
  return {
    send,
    setToken(value: string) {
      token = value;
    },
    close: () => agent.destroy(),
  };
}
export type HttpClient = ReturnType<typeof httpClient>;

/** Busy and total CPU time of the whole machine so far (seconds, summed over CPUs), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: busy / 100, total: (busy + idle + iowait) / 100 };
  } catch {
    return null;
  }
}

/** The series of a Prometheus text exposition, by name with labels as printed (`cameras{state="running"}`). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
