// (2) POST /api/v1/cameras/batch-status with all the registered ids, sequentially, after a warm-up.
import { BASE, BATCH_WARMUP } from './settings.js';
import type { Status, VigilApi } from './setup.js';
import { stats } from './tools.js';

export async function measureBatchStatus(api: VigilApi, ids: readonly string[], samples: number, problem: (text: string) => void) {
  let last: { items: Status[]; notFound: string[] } | undefined;
  const once = async () => {
    const answer = await api.client.send('POST', `${BASE}/batch-status`, { cameraIds: ids });
    if (answer.status !== 200) {
      problem(`POST ${BASE}/batch-status answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      return answer.ms;
    }
    last = JSON.parse(answer.body) as { items: Status[]; notFound: string[] };
    if (last.items.length !== ids.length || last.notFound.length > 0)
      problem(
        `POST ${BASE}/batch-status answered ${last.items.length} statuses and ${last.notFound.length} not found for ${ids.length} ids`,
      );
    return answer.ms;
  };
  for (let i = 0; i < BATCH_WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await once());
  const runningNow = last?.items.filter((s) => s.state === 'running').length ?? 0;
  return { ids: ids.length, running: runningNow, notRunning: ids.length - runningNow, latencyMs: stats(times) };
}
