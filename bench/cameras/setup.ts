// Shared setup of the cameras benchmark: the API of one Vigil child (signed in as the bench admin),
// registering and starting cameras, waiting until they run, and the simulator's fault routes.
import { ADMIN, BASE, FPS, ORG_UNIT, SETUP_CONCURRENCY } from './settings.js';
import { httpClient, parseMetrics, pool, round2, until } from './tools.js';
import type { HttpClient } from './tools.js';

export interface Status {
  cameraId: string;
  state: string;
  since: string;
  lastFrameAt: string | null;
  reconnects: number;
  /** `cause` and `failures` since issue 14 (a baseline checkout may not have them). */
  lastError: { code: string; message: string; at: string; cause?: { code: string; message: string; at: string }; failures?: number } | null;
}

interface LogEvent {
  at: string;
  kind: string;
  details: { state?: string; previous?: string } | null;
}

/** The API of one Vigil child, signed in as the bench admin; unexpected answers go to `problem`. */
export function vigilApi(url: string, problem: (text: string) => void) {
  const client: HttpClient = httpClient(url, SETUP_CONCURRENCY);
  const metricsClient = httpClient(url, 1);

  async function json<T>(method: 'GET' | 'POST', target: string, body: unknown, expected: number, what: string): Promise<T> {
    const answer = await client.send(method, target, body);
    if (answer.status !== expected) {
      const text = `${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`;
      problem(text);
      throw new Error(text);
    }
    return JSON.parse(answer.body) as T;
  }

  return {
    client,
    async signIn(): Promise<void> {
      const { accessToken } = await json<{ accessToken?: string }>('POST', '/api/auth/login', ADMIN, 200, 'signing in');
      if (typeof accessToken !== 'string') throw new Error('signing in answered no accessToken');
      client.setToken(accessToken);
    },
    createUnit: () =>
      json(
        'POST',
        '/api/v1/organization-units',
        { code: ORG_UNIT, name: 'Camera benchmark', unitType: 'ORGANIZATION', effectiveDate: '2020-01-01' },
        201,
        'creating the org unit',
      ),
    async register(simUrl: string, camera: number): Promise<string> {
      const created = await json<{ id: string }>(
        'POST',
        BASE,
        { orgUnitCode: ORG_UNIT, name: `Bench camera ${camera}`, sourceUrl: `${simUrl}/cameras/${camera}/stream.mjpg`, expectedFps: FPS },
        201,
        `POST ${BASE} (camera ${camera})`,
      );
      return created.id;
    },
    start: (id: string) => json<Status>('POST', `${BASE}/${id}/start`, undefined, 200, `POST ${BASE}/{id}/start`),
    batchStatus: (ids: readonly string[]) =>
      json<{ items: Status[]; notFound: string[] }>('POST', `${BASE}/batch-status`, { cameraIds: ids }, 200, `POST ${BASE}/batch-status`),
    logs: (id: string, from: string) =>
      json<{ items: LogEvent[] }>(
        'GET',
        `${BASE}/${id}/logs?limit=50&from=${encodeURIComponent(from)}`,
        undefined,
        200,
        `GET ${BASE}/{id}/logs`,
      ),
    /** /metrics on its own connection, so that polling it never waits behind other requests. */
    async metrics(): Promise<Map<string, number>> {
      const answer = await metricsClient.send('GET', '/metrics');
      if (answer.status !== 200) {
        const text = `GET /metrics answered ${answer.status}: ${answer.body.slice(0, 300)}`;
        problem(text);
        throw new Error(text);
      }
      return parseMetrics(answer.body);
    },
    close() {
      client.close();
      metricsClient.close();
    },
  };
}
export type VigilApi = ReturnType<typeof vigilApi>;

export const running = (m: Map<string, number>) => m.get('cameras{state="running"}') ?? 0;
export const degraded = (m: Map<string, number>) => m.get('cameras{state="degraded"}') ?? 0;

/** Registers cameras `from`..`to` (simulator numbers, 1-based) and answers their ids in order. */
export async function registerCameras(api: VigilApi, simUrl: string, from: number, to: number): Promise<string[]> {
  const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const ids = new Array<string>(numbers.length);
  await pool(numbers, SETUP_CONCURRENCY, async (camera, index) => {
    ids[index] = await api.register(simUrl, camera);
  });
  return ids;
}

/** Starts the cameras (SETUP_CONCURRENCY calls in flight); answers each call's latency (ms). */
export async function startCameras(api: VigilApi, ids: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  await pool(ids, SETUP_CONCURRENCY, async (id) => {
    const t0 = performance.now();
    await api.start(id);
    times.push(performance.now() - t0);
  });
  return times;
}

/** Polls /metrics until `count` cameras are running; answers the seconds it took, or null. */
export async function waitRunning(api: VigilApi, count: number, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  const reached = await until(
    () => api.metrics(),
    (m) => running(m) >= count,
    timeoutMs,
    250,
  );
  return reached ? round2((performance.now() - started) / 1000) : null;
}

/** The simulator's fault routes (`POST /cameras/{n}/fault`, `POST /faults`). */
export function simClient(url: string) {
  const client = httpClient(url, 4);
  return {
    async fault(target: string, mode: string): Promise<void> {
      const answer = await client.send('POST', target, { mode });
      if (answer.status !== 200) throw new Error(`the simulator answered ${answer.status} to POST ${target}: ${answer.body}`);
    },
    close: () => client.close(),
  };
}
export type SimClient = ReturnType<typeof simClient>;
