// (4) Drop and return: every running camera refused at once, then back; the time until all run
// again and the peak connection attempts per second, at the simulator and in Vigil's metrics.
import type { CameraChild } from './children.js';
import { METRICS_POLL_MS, SIM_SAMPLE_MS } from './settings.js';
import { degraded, running } from './setup.js';
import type { SimClient, VigilApi } from './setup.js';
import { peakWithin, round2, shortestSpan, sleep } from './tools.js';

export async function measureDropReturn(api: VigilApi, simChild: CameraChild, sim: SimClient, cameras: number, cap: number) {
  const vigilSamples: [number, number][] = [];
  let latest = await api.metrics();
  let sampling = true;
  const sampleVigil = async () => {
    while (sampling) {
      const t = performance.now();
      latest = await api.metrics();
      vigilSamples.push([t, latest.get('camera_connect_attempts_total') ?? 0]);
      await sleep(Math.max(0, METRICS_POLL_MS - (performance.now() - t)));
    }
  };
  const simBefore = await simChild.stats();
  await simChild.startSampling(SIM_SAMPLE_MS);
  const sampler = sampleVigil();
  const waitFor = async (done: () => boolean, timeoutMs: number) => {
    const t0 = performance.now();
    while (!done()) {
      if (performance.now() - t0 > timeoutMs) return null;
      await sleep(50);
    }
    return round2((performance.now() - t0) / 1000);
  };
  let allDownSeconds: number | null = null;
  let recoverySeconds: number | null = null;
  try {
    const tDrop = performance.now();
    await sim.fault('/faults', 'refuse');
    const down = await waitFor(() => running(latest) === 0 && degraded(latest) === 0, 60_000);
    allDownSeconds = down === null ? null : round2((performance.now() - tDrop) / 1000);
    await sim.fault('/faults', 'none');
    recoverySeconds = await waitFor(() => running(latest) >= cameras, 180_000);
    await sleep(1_000); // a last second of samples
  } finally {
    sampling = false;
    await sampler;
  }
  const simSamples = await simChild.samples();
  const simAfter = await simChild.stats();
  const vigilAttempts = vigilSamples.length > 0 ? vigilSamples.at(-1)![1] - vigilSamples[0]![1] : 0;
  return {
    allDownSeconds,
    recoverySeconds,
    peakPerSecond: { simulator: peakWithin(simSamples, 1_000), vigil: peakWithin(vigilSamples, 1_000) },
    capPlusOneSpanMs: shortestSpan(simSamples, cap + 1),
    attempts: { simulator: simAfter.attempts - simBefore.attempts, vigil: vigilAttempts, refused: simAfter.refused - simBefore.refused },
  };
}
