// RTSP sources go through an ffmpeg child. Without ffmpeg the camera says so (FFMPEG_NOT_AVAILABLE)
// instead of failing silently; with it, a real RTSP stream (GStreamer's RTSP server publishing a
// test pattern, test/fixtures/rtsp-server.py) is ingested like any other. .ci/run installs both.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createAttemptGate, createSupervisor } from '../src/modules/cameras/index.js';
import type { Supervisor } from '../src/modules/cameras/index.js';
import { freePort } from './helpers/process.js';

const SYSTEM_PYTHON = '/usr/bin/python3';
const RTSP_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/rtsp-server.py');
const ffmpegPresent = spawnSync('ffmpeg', ['-version']).status === 0;
const rtspServerPresent =
  spawnSync(SYSTEM_PYTHON, ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
    .status === 0;

function supervisorWith(ffmpegPath: string): Supervisor {
  return createSupervisor({
    log: pino({ level: 'silent' }),
    gate: createAttemptGate({ perSecond: 50 }),
    settings: {
      stallTimeoutMs: 3_000,
      backoff: { baseMs: 200, maxMs: 1_000 },
      connectTimeoutMs: 5_000,
      fpsWindowMs: 5_000,
      maxFrameBytes: 1 << 22,
      ffmpegPath,
    },
    hooks: {
      onState: () => undefined,
      onFrame: () => undefined,
      onBytes: () => undefined,
      onStall: () => undefined,
      onReconnect: () => undefined,
    },
  });
}

describe('RTSP sources', () => {
  let supervisor: Supervisor | undefined;
  let live: Supervisor | undefined;
  let server: ChildProcess | undefined;
  afterAll(async () => {
    await supervisor?.stopAll();
    await live?.stopAll();
    server?.kill('SIGKILL');
  });

  it.runIf(ffmpegPresent && rtspServerPresent)(
    'ingests a real RTSP stream through ffmpeg',
    async () => {
      const port = await freePort();
      server = spawn(SYSTEM_PYTHON, [RTSP_SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        server!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        server!.on('exit', (code) => reject(new Error(`the RTSP server exited with ${code}`)));
      });
      live = supervisorWith('ffmpeg');
      await live.start({
        id: 'rtsp-live',
        sourceUrl: `rtsp://127.0.0.1:${port}/live`,
        sourceType: 'rtsp',
        expectedFps: 10,
        credentials: null,
      });
      const t0 = Date.now();
      while (Date.now() - t0 < 20_000) {
        const status = live.status('rtsp-live');
        if (status?.state === 'running' && status.frameWidth !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(live.status('rtsp-live')).toMatchObject({ state: 'running', frameWidth: 320, frameHeight: 240 });
      expect(live.latestFrame('rtsp-live')!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    },
    40_000,
  );

  it('says FFMPEG_NOT_AVAILABLE, in state error, when ffmpeg is not installed', async () => {
    supervisor = createSupervisor({
      log: pino({ level: 'silent' }),
      gate: createAttemptGate({ perSecond: 50 }),
      settings: {
        stallTimeoutMs: 3_000,
        backoff: { baseMs: 200, maxMs: 1_000 },
        connectTimeoutMs: 5_000,
        fpsWindowMs: 5_000,
        maxFrameBytes: 1 << 22,
        ffmpegPath: '/nonexistent/ffmpeg',
      },
      hooks: {
        onState: () => undefined,
        onFrame: () => undefined,
        onBytes: () => undefined,
        onStall: () => undefined,
        onReconnect: () => undefined,
      },
    });
    await supervisor.start({ id: 'rtsp-1', sourceUrl: 'rtsp://127.0.0.1:1/none', sourceType: 'rtsp', expectedFps: 5, credentials: null });
    const t0 = Date.now();
    while (supervisor.status('rtsp-1')?.state !== 'error' && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50));
    const status = supervisor.status('rtsp-1')!;
    expect(status.state).toBe('error');
    expect(status.lastError).toMatchObject({ code: 'FFMPEG_NOT_AVAILABLE' });
    expect(status.lastError?.message).toContain('VIGIL_FFMPEG_PATH');
  });
});
