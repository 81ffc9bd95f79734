// Health checks with a timeout each, so a hung dependency cannot hang the endpoint.
// A failed critical check makes the service unhealthy (503); a failed non-critical one degrades it.

export type CheckStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthCheck {
  name: string;
  /** Critical checks decide readiness; the others only degrade. */
  critical: boolean;
  /** Resolves with an optional message when healthy; rejects (or times out) otherwise. */
  run(): Promise<string | void>;
}

export interface CheckResult {
  name: string;
  status: CheckStatus;
  latencyMs: number;
  message: string;
}

export interface HealthReport {
  status: CheckStatus;
  checks: CheckResult[];
  summary: { total: number; healthy: number; degraded: number; failed: number };
}

class CheckTimeout extends Error {}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const message = await Promise.race([
      check.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: check.name, status: 'healthy', latencyMs: elapsed(started), message: message ?? 'ok' };
  } catch (error) {
    return {
      name: check.name,
      status: check.critical ? 'unhealthy' : 'degraded',
      latencyMs: elapsed(started),
      message: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

export function createHealth(checks: HealthCheck[], timeoutMs: number) {
  return {
    async report(filter: (check: HealthCheck) => boolean = () => true): Promise<HealthReport> {
      const results = await Promise.all(checks.filter(filter).map((check) => runCheck(check, timeoutMs)));
      const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
      const summary = { total: results.length, healthy: count('healthy'), degraded: count('degraded'), failed: count('unhealthy') };
      const status: CheckStatus = summary.failed > 0 ? 'unhealthy' : summary.degraded > 0 ? 'degraded' : 'healthy';
      return { status, checks: results, summary };
    },
  };
}

export type Health = ReturnType<typeof createHealth>;
