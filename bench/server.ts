// Child process entry: starts one target (argv[2]) and, when run.ts started it (IPC channel),
// reports its URL, answers CPU-usage queries and exits when the parent goes away. Started by hand
// (to profile a target, say), it prints its URL and request headers on stdout and runs until
// SIGINT or SIGTERM.
import type { ChildMessage, ParentMessage } from './protocol.js';
import { isTargetName, targets } from './targets.js';

const managed = process.send !== undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  if (!isTargetName(name)) throw new Error(`unknown target "${name}"; known: ${Object.keys(targets).join(', ')}`);

  // Until the target is up, SIGTERM's default action (exit) is what we want.
  const started = await targets[name]();
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    // A target that hangs while closing must not keep the process alive.
    setTimeout(() => process.exit(code), 5_000).unref();
    void started.close().finally(() => process.exit(code));
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));

  if (!managed) {
    // The URL, then one `name: value` line per header the load must send (a bearer token, say).
    const headers = Object.entries(started.request.headers ?? {}).map(([name, value]) => `${name}: ${value}\n`);
    process.stdout.write(`${new URL(started.request.path, started.url).href}\n${headers.join('')}`);
    return;
  }
  // The parent died or closed the channel (maybe while we were starting): nobody would stop us.
  if (!process.connected) return stop(1);
  process.once('disconnect', () => stop(1));
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'usage') {
      const cpu = process.cpuUsage();
      send({ type: 'usage', cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() });
    }
  });
  send({ type: 'ready', url: started.url, request: started.request });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'failed', message });
  process.stderr.write(`bench server: ${message}\n`);
  process.exitCode = 1;
  if (managed) process.disconnect();
});
