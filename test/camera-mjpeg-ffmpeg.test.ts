// Stock ffmpeg as an MJPEG camera: ffmpeg serving HTTP itself (`-listen 1`) in its two MJPEG
// formats, `mpjpeg` (multipart, labelled application/octet-stream) and `mjpeg` (bare JPEGs, the
// same label), read by a camera worker like any camera. Without ffmpeg the cases skip and say so;
// .ci/run installs it (Debian's ffmpeg) for this test and the RTSP one.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from './helpers/poll.js';
import { recordingSupervisor } from './helpers/recording-supervisor.js';
import { freePort } from './helpers/process.js';

const ffmpegPresent = spawnSync('ffmpeg', ['-version']).status === 0;
if (!ffmpegPresent) console.warn('ffmpeg is not installed: the ffmpeg MJPEG source tests skip (apt-get install ffmpeg)');

/** ffmpeg serving a 320×240 test pattern at 5 fps on http://127.0.0.1:port/live, to one client. */
async function ffmpegServer(format: 'mpjpeg' | 'mjpeg'): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/live`;
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=5'];
  args.push('-c:v', 'mjpeg', '-q:v', '5', '-f', format, '-listen', '1', url);
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', () => undefined);
  return { url, child };
}

describe('ffmpeg as an MJPEG source', () => {
  const children: ChildProcess[] = [];
  const { supervisor, states, frames } = recordingSupervisor({
    stallTimeoutMs: 5_000,
    // ffmpeg may take a moment to listen: the camera retries quickly until it does.
    backoff: { baseMs: 100, maxMs: 300 },
    connectTimeoutMs: 10_000,
    fpsWindowMs: 5_000,
    maxFrameBytes: 1 << 22,
    ffmpegPath: 'ffmpeg',
  });
  afterEach(async () => {
    for (const id of supervisor.ids()) await supervisor.stop(id);
  });
  afterAll(async () => {
    await supervisor.stopAll();
    for (const child of children) child.kill('SIGKILL');
  });

  it.runIf(ffmpegPresent).each(['mpjpeg', 'mjpeg'] as const)(
    'ingests ffmpeg `-f %s -listen 1` (Content-Type application/octet-stream): running, with its frame size',
    async (format) => {
      const server = await ffmpegServer(format);
      children.push(server.child);
      const id = `ffmpeg-${format}`;
      await supervisor.start({ id, sourceUrl: server.url, sourceType: 'mjpeg', expectedFps: 5, credentials: null });
      // Ten new frames (two seconds of ffmpeg's `-re` pace) on one connection.
      await pollUntil(
        () => frames.get(id) ?? 0,
        (n) => n >= 10,
        { timeoutMs: 60_000, intervalMs: 100, what: `frames from ffmpeg -f ${format}` },
      );
      const status = supervisor.status(id)!;
      expect(status).toMatchObject({ state: 'running', frameWidth: 320, frameHeight: 240 });
      expect(states.get(id)).not.toContain('error');
      // Before ffmpeg listened, a connection may have been refused; nothing else went wrong.
      if (status.lastError !== null) expect(status.lastError.code).toBe('CONNECTION_REFUSED');
      expect(supervisor.latestFrame(id)!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    },
    120_000,
  );
});
