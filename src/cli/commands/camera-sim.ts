import { parseArgs } from 'node:util';
import { startCameraSimulator } from '../../tools/camera-sim/simulator.js';
import { waitForSignal } from '../command.js';
import type { CommandContext } from '../command.js';

function integerOption(context: CommandContext, name: string, raw: string, min: number, max: number): number | undefined {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  context.err(`vigil camera-sim: --${name} must be an integer ${min}-${max}, got "${raw}"`);
  return undefined;
}

export async function run(context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: context.argv,
    strict: true,
    allowPositionals: false,
    options: {
      count: { type: 'string', default: '10' },
      port: { type: 'string', default: '9400' },
      fps: { type: 'string', default: '5' },
      host: { type: 'string', default: '127.0.0.1' },
      width: { type: 'string', default: '320' },
      height: { type: 'string', default: '240' },
      quality: { type: 'string', default: '60' },
    },
  });
  const count = integerOption(context, 'count', values.count, 1, 100_000);
  const port = integerOption(context, 'port', values.port, 0, 65535);
  const width = integerOption(context, 'width', values.width, 16, 4096);
  const height = integerOption(context, 'height', values.height, 16, 4096);
  const quality = integerOption(context, 'quality', values.quality, 1, 100);
  const fps = /^\d+(\.\d+)?$/.test(values.fps) ? Number(values.fps) : NaN;
  if (!(fps > 0 && fps <= 120)) {
    context.err(`vigil camera-sim: --fps must be a number above 0 and at most 120, got "${values.fps}"`);
    return 2;
  }
  if (count === undefined || port === undefined || width === undefined || height === undefined || quality === undefined) return 2;
  if (values.host.trim() === '') {
    context.err('vigil camera-sim: --host must not be empty');
    return 2;
  }

  const simulator = await startCameraSimulator({ count, port, fps, host: values.host, width, height, quality });
  const signal = waitForSignal();
  const last = count > 1 ? ` … ${simulator.streamUrl(count)}` : '';
  context.out(`vigil camera-sim: ${count} camera${count > 1 ? 's' : ''} at ${fps} fps, ${width}x${height}, on ${simulator.url}`);
  context.out(`  stream    ${simulator.streamUrl(1)}${last}`);
  context.out(`  snapshot  ${simulator.snapshotUrl(1)}`);
  context.out(`  fault     curl -X POST ${simulator.url}/cameras/1/fault -d '{"mode":"stall"}'`);
  context.out(`  all       curl -X POST ${simulator.url}/faults -d '{"mode":"none"}'`);
  context.out('Ctrl-C stops it.');
  const received = await signal;
  const stats = simulator.stats();
  await simulator.close();
  context.out(`vigil camera-sim: ${received}, stopped after ${stats.framesSent} frames to ${stats.attempts} requests`);
  return 0;
}
