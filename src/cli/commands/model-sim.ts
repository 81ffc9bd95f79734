import { parseArgs } from 'node:util';
import { MODEL_SIM_MODEL, startModelSimulator } from '../../tools/model-sim/simulator.js';
import { waitForSignal } from '../command.js';
import type { CommandContext } from '../command.js';

export async function run(context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: context.argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string', default: '9500' },
      host: { type: 'string', default: '127.0.0.1' },
      rate: { type: 'string', default: '50' },
      'api-key': { type: 'string' },
    },
  });
  const port = /^\d+$/.test(values.port) ? Number(values.port) : NaN;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    context.err(`vigil model-sim: --port must be an integer 0-65535, got "${values.port}"`);
    return 2;
  }
  const rate = /^\d+(\.\d+)?$/.test(values.rate) ? Number(values.rate) : NaN;
  if (!(rate > 0 && rate <= 100_000)) {
    context.err(`vigil model-sim: --rate must be a number above 0 and at most 100000, got "${values.rate}"`);
    return 2;
  }
  if (values.host.trim() === '') {
    context.err('vigil model-sim: --host must not be empty');
    return 2;
  }
  const sim = await startModelSimulator({
    port,
    host: values.host,
    deltasPerSecond: rate,
    ...(values['api-key'] !== undefined ? { apiKey: values['api-key'] } : {}),
  });
  const signal = waitForSignal();
  context.out(`vigil model-sim: the chat-completions API on ${sim.baseUrl} (model "${MODEL_SIM_MODEL}", ${rate} deltas a second)`);
  context.out(`  an agent: {"provider": {"type": "openai-compatible", "baseUrl": "${sim.baseUrl}", "model": "${MODEL_SIM_MODEL}"}}`);
  context.out('Ctrl-C stops it.');
  const received = await signal;
  await sim.close();
  context.out(`vigil model-sim: ${received}, stopped after ${sim.requests.length} requests`);
  return 0;
}
