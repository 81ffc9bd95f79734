// One autocannon run against a target, in this process (the servers run in their own processes).
import autocannon from 'autocannon';
import { LatencyHistogram } from './histogram.js';
import type { RequestSpec } from './targets.js';

export interface LoadOptions {
  url: string;
  request: RequestSpec;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latency: LatencyHistogram;
  /** Connection errors, timeouts included. */
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** CPU this process (the load generator) used, as a share of one core. */
  loadgenCpu: number;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latency = new LatencyHistogram();
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: new URL(options.request.path, options.url).href,
        method: options.request.method,
        ...(options.request.headers ? { headers: options.request.headers } : {}),
        ...(options.request.body !== undefined ? { body: options.request.body } : {}),
        connections: options.connections,
        duration: options.durationSeconds,
        pipelining: 1,
      },
      (error: unknown, result) => {
        if (error) return reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
        const cpu = process.cpuUsage(cpuBefore);
        const wallMicros = Number(process.hrtime.bigint() - wallBefore) / 1000;
        const statusCodes: Record<string, number> = {};
        for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
        resolve({
          requests: result.requests.total,
          durationSeconds: result.duration,
          requestsPerSecond: result.requests.total / result.duration,
          latency,
          errors: result.errors,
          non2xx: result.non2xx,
          statusCodes,
          loadgenCpu: (cpu.user + cpu.system) / wallMicros,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latency.record(responseTime));
  });
}

/** One request outside the load, to check the target answers what we expect before measuring it. */
export async function probe(url: string, request: RequestSpec): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(request.path, url), {
    method: request.method,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  return { status: response.status, body: await response.text() };
}
