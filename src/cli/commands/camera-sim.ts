import { parseArgs } from 'node:util';
import { FAULT_MODES, startCameraSimulator } from '../../tools/camera-sim/simulator.js';
import type { Command, CommandContext } from '../command.js';

const HELP = `Serves N synthetic cameras until SIGINT or SIGTERM: MJPEG streams and JPEG snapshots of a moving
pattern with the time drawn in, for tests, the demo and benchmarks.
  --count N     number of cameras, 1-100000 (default 10)
  --port P      TCP port, 0 for any free one (default 9400)
  --fps F       frames per second of every stream, above 0 and at most 120 (default 5)
  --host H      address to listen on (default 127.0.0.1)
  --width W     frame width in pixels, 16-4096 (default 320)
  --height H    frame height in pixels, 16-4096 (default 240)
  --quality Q   JPEG quality, 1-100 (default 60)

URLs (n = 1..N):
  GET  /cameras/{n}/stream.mjpg    MJPEG (multipart/x-mixed-replace)
  GET  /cameras/{n}/snapshot.jpg   one JPEG
  POST /cameras/{n}/fault          set one camera's fault
  POST /faults                     set every camera's fault
  GET  /faults                     cameras whose fault is not "none"
  GET  /health

Faults, as JSON {"mode": M} with M one of ${FAULT_MODES.join(', ')}:
  stall     the connection stays open, no more frames (snapshots hang)
  frozen    the same frame, byte for byte, at the normal rate
  slow      frames at "fps" per second (default 1): {"mode":"slow","fps":0.5}
  refuse    connections are reset without an HTTP response, open streams too
  401, 500  that status for new requests; open streams end
  close     streams end "afterSeconds" (default 2) after they start or the fault is set
  none      back to normal; a change applies at once to open streams
Example:
  curl -X POST http://127.0.0.1:9400/cameras/3/fault -d '{"mode":"stall"}'
  curl -X POST http://127.0.0.1:9400/faults -d '{"mode":"none"}'`;

function integerOption(context: CommandContext, name: string, raw: string, min: number, max: number): number | undefined {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  context.err(`vigil camera-sim: --${name} must be an integer ${min}-${max}, got "${raw}"`);
  return undefined;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const cameraSimCommand: Command = {
  name: 'camera-sim',
  summary: 'Serve synthetic MJPEG cameras with injectable faults, for tests, demos and benchmarks',
  usage: 'vigil camera-sim [--count N] [--port P] [--fps F] [--host H] [--width W --height H] [--quality Q]',
  help: HELP,
  async run(context) {
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
  },
};
