// Background jobs that must run once across every process sharing the database (retention today;
// the alert evaluator and the outbox next). Each round, every process wakes on its own timer, with
// jitter so that they do not all knock at once, and tries the job's advisory lock inside a
// transaction: the one that gets it runs, the others skip the round. The lock is released by the
// commit, a rollback or a dropped connection, so a process that dies mid-run leaves nothing behind
// and the next round runs elsewhere (takeover). A round that is still running when the next is due
// is not started twice in one process.
import type { Transaction } from 'kysely';
import type { Database } from './db/database.js';
import { tryLockTransaction } from './db/locks.js';
import type { Schema } from './db/schema.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** A round that did not run: another process held the lock, or (`idle`) there was nothing to do. */
export type JobOutcome<R> = { ran: true; result: R } | { ran: false; idle?: true };

export interface SingletonJob<R> {
  readonly name: string;
  /** Schedules the rounds: the first after `initialDelayMs`, then every `intervalMs` (± jitter). */
  start(): void;
  /** Cancels the schedule and waits for a round under way. */
  stop(): Promise<void>;
  /** One round now, as the schedule would run it (tests, and a manual run). */
  runOnce(): Promise<JobOutcome<R>>;
}

export interface SingletonJobOptions<R, P = undefined> {
  /** Lower-case, dashed: `audit-retention`. Names the lock (`job:<name>`), the log lines and the metrics' `job` label. */
  name: string;
  database: Database;
  log: Logger;
  metrics: Metrics;
  intervalMs: number;
  /** Wait before the first round, so that start-up is not slowed by it. */
  initialDelayMs: number;
  /** Each wait is stretched or shrunk by up to this fraction (0.1: ±10 %). */
  jitter?: number;
  /**
   * Read before the round opens its transaction, in every process whose timer fires (cheap, cached
   * reads only: on PGlite a read through the database handle cannot run while the round holds the
   * one connection).
   */
  prepare?: () => Promise<P>;
  /** Whether there is nothing to do this round (no transaction is opened: counted as `idle`). */
  idle?: (prepared: P) => boolean;
  /** The round's work, in the transaction that holds the job's lock. */
  run: (tx: Transaction<Schema>, prepared: P) => Promise<R>;
  /** Called after a round that ran has committed, with its result. */
  after?: (result: R) => void;
  /** The level of the line a round that ran logs (a job that runs every second logs at debug). */
  logLevel?: 'info' | 'debug';
  /** What the log line of a round that ran says of its result. */
  describe?: (result: R) => Record<string, unknown>;
  random?: () => number;
}

const NAME = /^[a-z][a-z0-9-]*$/;

export function createSingletonJob<R, P = undefined>(options: SingletonJobOptions<R, P>): SingletonJob<R> {
  const { name, database, log, metrics } = options;
  if (!NAME.test(name)) throw new Error(`a job's name is lower-case and dashed, got "${name}"`);
  const jitter = options.jitter ?? 0.1;
  const random = options.random ?? Math.random;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const spread = (ms: number) => Math.max(0, Math.round(ms * (1 + jitter * (2 * random() - 1))));

  async function runOnce(): Promise<JobOutcome<R>> {
    const end = metrics.jobDuration.startTimer({ job: name });
    try {
      const prepared = (options.prepare ? await options.prepare() : undefined) as P;
      if (options.idle?.(prepared)) {
        end();
        metrics.jobRuns.inc({ job: name, outcome: 'idle' });
        return { ran: false, idle: true };
      }
      const outcome = await database.db.transaction().execute(async (tx): Promise<JobOutcome<R>> => {
        if (!(await tryLockTransaction(tx, `job:${name}`))) return { ran: false };
        return { ran: true, result: await options.run(tx, prepared) };
      });
      end();
      metrics.jobRuns.inc({ job: name, outcome: outcome.ran ? 'ran' : 'skipped' });
      if (outcome.ran) {
        metrics.jobLastSuccess.set({ job: name }, Date.now() / 1000);
        log[options.logLevel ?? 'info']({ job: name, ...options.describe?.(outcome.result) }, 'job ran');
        options.after?.(outcome.result);
      } else log.debug({ job: name }, 'job skipped: another process holds its lock');
      return outcome;
    } catch (error) {
      end();
      metrics.jobRuns.inc({ job: name, outcome: 'failed' });
      throw error;
    }
  }

  function round(): void {
    if (!running) {
      running = runOnce()
        .catch((error: unknown) => log.error({ err: error, job: name }, 'job failed'))
        .finally(() => {
          running = undefined;
        });
    }
    schedule(options.intervalMs);
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(round, spread(ms));
    timer.unref();
  }

  return {
    name,
    runOnce,
    start() {
      if (timer || stopped) return;
      schedule(options.initialDelayMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
