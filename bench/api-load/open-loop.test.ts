import { describe, expect, it } from 'vitest';
import type { Clock, Outcome } from './open-loop.js';
import { RateSearch, dueAt, passes, requestCount, runOpenLoop } from './open-loop.js';

/** A discrete-event clock: time moves only to the next thing scheduled, once every promise settled. */
class FakeClock implements Clock {
  private time = 0;
  private events: { at: number; seq: number; fire: () => void }[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => this.at(at, resolve));
  }

  at(at: number, fire: () => void): void {
    this.events.push({ at: Math.max(at, this.time), seq: this.seq++, fire });
  }

  /** Runs `work` to its end, advancing time from event to event. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const result = work.finally(() => (done = true));
    for (;;) {
      // Let every promise chain settle before time moves on.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      if (done) return result;
      this.events.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const event = this.events.shift();
      if (!event) throw new Error('nothing scheduled and the work is not done');
      this.time = event.at;
      event.fire();
    }
  }
}

/** One server working through requests in arrival order, each taking `serviceMs`. */
function singleQueue(clock: FakeClock, serviceMs: number, status = 200) {
  let freeAt = 0;
  const sentAt: number[] = [];
  return {
    sentAt,
    send: (index: number): Promise<Outcome> => {
      sentAt[index] = clock.now();
      freeAt = Math.max(freeAt, clock.now()) + serviceMs;
      return new Promise((resolve) => clock.at(freeAt, () => resolve({ status })));
    },
  };
}

describe('the schedule', () => {
  it('spaces requests evenly at the rate and sends rate × duration of them', () => {
    expect(dueAt(0, 200)).toBe(0);
    expect(dueAt(1, 200)).toBe(5);
    expect(dueAt(10, 200)).toBe(50);
    expect(requestCount(200, 3_000)).toBe(600);
    expect(requestCount(0.5, 1_000)).toBe(1);
  });

  it('sends each request when it is due, whatever the server does', async () => {
    const clock = new FakeClock();
    const server = singleQueue(clock, 50); // far slower than the rate
    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 1_000, clock, drainMs: 60_000, send: server.send }));
    expect(result.sent).toBe(100);
    expect(server.sentAt).toEqual(Array.from({ length: 100 }, (_, i) => i * 10));
    expect(result.maxSendLagMs).toBe(0);
  });
});

describe('latency from the due time', () => {
  it('is the service time when the server keeps up', async () => {
    const clock = new FakeClock();
    const server = singleQueue(clock, 4);
    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 2_000, clock, drainMs: 1_000, send: server.send }));
    expect(result.ok).toBe(200);
    expect(result.errors).toBe(0);
    expect(result.latency.percentile(50)).toBeCloseTo(4, 1);
    expect(result.latency.percentile(99)).toBeCloseTo(4, 1);
    expect(passes(result, { p99Ms: 50 })).toBe(true);
  });

  it('keeps each kind of request apart as well', async () => {
    const clock = new FakeClock();
    // Even requests take 2 ms, odd ones 8 ms; each is alone in the server.
    const send = (index: number): Promise<Outcome> =>
      new Promise((resolve) => clock.at(clock.now() + (index % 2 === 0 ? 2 : 8), () => resolve({ status: 200 })));
    const kindOf = (index: number) => (index % 2 === 0 ? 'fast' : 'slow');
    const result = await clock.run(runOpenLoop({ rate: 50, durationMs: 1_000, clock, drainMs: 1_000, send, kindOf }));
    expect(result.byKind.get('fast')!.count).toBe(25);
    expect(result.byKind.get('fast')!.percentile(99)).toBeCloseTo(2, 1);
    expect(result.byKind.get('slow')!.percentile(50)).toBeCloseTo(8, 1);
    expect(result.latency.count).toBe(50);
  });

  it('counts the time queued behind a slow server (no coordinated omission)', async () => {
    const clock = new FakeClock();
    // Capacity 50/s against 100/s: request i is due at 10·i ms and answered at 20·(i + 1) ms.
    const server = singleQueue(clock, 20);
    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 1_000, clock, drainMs: 60_000, send: server.send }));
    expect(result.ok).toBe(100);
    // A closed-model generator would report 20 ms for every request; from the due time the last
    // one waited 20·100 − 10·99 = 1010 ms.
    expect(result.latency.percentile(100)).toBeCloseTo(1010, 0);
    expect(result.latency.percentile(50)).toBeCloseTo(10 * 49 + 20, 0);
    expect(passes(result, { p99Ms: 50 })).toBe(false);
  });

  it('counts a stall against every request due during it', async () => {
    const clock = new FakeClock();
    let stalled = false;
    const send = (index: number): Promise<Outcome> => {
      // Request 10 takes 200 ms; the server does one thing at a time, so the ones due meanwhile wait.
      const takes = index === 10 ? 200 : 1;
      const start = Math.max(clock.now(), stalledUntil);
      if (index === 10) stalled = true;
      stalledUntil = start + takes;
      return new Promise((resolve) => clock.at(start + takes, () => resolve({ status: 200 })));
    };
    let stalledUntil = 0;
    const result = await clock.run(runOpenLoop({ rate: 100, durationMs: 1_000, clock, drainMs: 10_000, send }));
    expect(stalled).toBe(true);
    // Requests 11..29 were due during the stall (110 ms .. 290 ms) and waited for its end at 300 ms.
    expect(result.latency.percentile(99)).toBeGreaterThan(150);
    expect(result.latency.percentile(50)).toBeLessThan(5);
  });

  it('counts non-2xx answers and unanswered requests as failures', async () => {
    const clock = new FakeClock();
    let abandoned = false;
    const send = (index: number): Promise<Outcome> => {
      if (index === 3) return Promise.resolve({ status: 503 });
      if (index === 4) return Promise.resolve({ error: 'ECONNRESET' });
      if (index === 5) return new Promise(() => undefined); // never answers
      return new Promise((resolve) => clock.at(clock.now() + 1, () => resolve({ status: 200 })));
    };
    const result = await clock.run(
      runOpenLoop({ rate: 10, durationMs: 1_000, clock, drainMs: 2_000, send, onAbandon: () => (abandoned = true) }),
    );
    expect(result.sent).toBe(10);
    expect(result.ok).toBe(7);
    expect(result.statuses).toEqual({ 503: 1 });
    expect(result.errors).toBe(2);
    expect(abandoned).toBe(true);
    expect(passes(result, { p99Ms: 50 })).toBe(false);
  });
});

describe('the rate search', () => {
  function search(capacity: number, options: Partial<ConstructorParameters<typeof RateSearch>[0]> = {}) {
    const s = new RateSearch({ start: 50, growth: 2, precision: 0.05, maxTrials: 20, maxRate: 100_000, ...options });
    for (let rate = s.next(); rate !== undefined; rate = s.next()) s.report(rate <= capacity);
    return s;
  }

  it('steps up until a rate fails, then bisects to the highest that passes', () => {
    const s = search(437);
    expect(s.trials.slice(0, 5).map((t) => t.rate)).toEqual([50, 100, 200, 400, 800]);
    expect(s.trials[4]!.passed).toBe(false);
    expect(s.best).toBeLessThanOrEqual(437);
    expect(s.best).toBeGreaterThanOrEqual(437 * 0.95);
  });

  it('bisects below the start rate when the start already fails', () => {
    const s = search(30);
    expect(s.trials[0]).toEqual({ rate: 50, passed: false });
    expect(s.best).toBeLessThanOrEqual(30);
    expect(s.best).toBeGreaterThanOrEqual(25);
  });

  it('stops after maxTrials and at maxRate', () => {
    expect(search(10_000, { maxTrials: 3 }).trials.map((t) => t.rate)).toEqual([50, 100, 200]);
    const capped = search(10_000, { maxRate: 300 });
    expect(capped.trials.map((t) => t.rate)).toEqual([50, 100, 200, 300]);
    expect(capped.best).toBe(300);
  });

  it('reports 0 when no rate passes', () => {
    expect(search(0).best).toBe(0);
  });

  it('refuses a report without a rate asked for', () => {
    expect(() => new RateSearch({ start: 1, growth: 2, precision: 0.1, maxTrials: 1, maxRate: 10 }).report(true)).toThrow();
  });
});
