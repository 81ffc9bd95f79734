// A camera supervisor for tests that records what its cameras do: the states each went through,
// the frames each brought and the stalls it declared (by kind), with no metrics or database.
import pino from 'pino';
import { createAttemptGate } from '../../src/modules/cameras/runtime/attempt-gate.js';
import { createSupervisor } from '../../src/modules/cameras/runtime/supervisor.js';
import type { CameraState, RuntimeSettings } from '../../src/modules/cameras/runtime/worker.js';

export function recordingSupervisor(settings: RuntimeSettings, options: { watchdogMs?: number } = {}) {
  const states = new Map<string, CameraState[]>();
  const frames = new Map<string, number>();
  const stalls = new Map<string, string[]>();
  const supervisor = createSupervisor({
    log: pino({ level: 'silent' }),
    gate: createAttemptGate({ perSecond: 50 }),
    ...(options.watchdogMs !== undefined ? { watchdogMs: options.watchdogMs } : {}),
    settings,
    hooks: {
      onState: (id, state) => states.set(id, [...(states.get(id) ?? []), state]),
      onFrame: (id) => frames.set(id, (frames.get(id) ?? 0) + 1),
      onBytes: () => undefined,
      onStall: (id, kind) => stalls.set(id, [...(stalls.get(id) ?? []), kind]),
      onReconnect: () => undefined,
    },
  });
  return { supervisor, states, frames, stalls };
}
