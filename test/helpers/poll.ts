// Bounded polling for tests that wait on something asynchronous (a reconnect, a log line), instead
// of sleeping for a fixed time.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `intervalMs` until it returns a value for which `done` is true, and returns
 * that value; throws, with the last value or error, when `timeoutMs` passes first.
 */
export async function pollUntil<T>(
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) {
      const seen = last === undefined ? 'nothing' : 'error' in last ? String(last.error) : JSON.stringify(last.value);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw ${seen}`);
    }
    await sleep(intervalMs);
  }
}
