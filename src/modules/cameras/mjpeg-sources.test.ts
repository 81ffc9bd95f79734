// Real-world MJPEG answers (test/fixtures/mjpeg/: two recorded from ffmpeg, the others written the
// ways cameras and restreamers are loose), served byte for byte by a loopback TCP server in pieces
// of random sizes, and read as Vigil reads a camera: the raw-socket client and the parser chosen by
// the answer's headers (mjpegParserFor), then a camera worker, end to end. Each accepted answer
// gives its four frames exactly and a running camera; each refused one NOT_MJPEG, in state error.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../test/helpers/poll.js';
import { recordingSupervisor } from '../../../test/helpers/recording-supervisor.js';
import type { FixtureEntry } from '../../../test/fixtures/mjpeg/record.js';
import { streamGet } from './http-stream.js';
import { MjpegError, mjpegParserFor } from './mjpeg.js';
import type { MjpegParser } from './mjpeg.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/mjpeg');
const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as FixtureEntry[];
const accepted = manifest.filter((f) => f.frames !== undefined);
const refused = manifest.filter((f) => f.refused !== undefined);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Serves /<fixture> as recorded, in pieces of 1-700 bytes (a seeded sequence), then closes. */
async function fixtureServer(): Promise<{ url: (file: string) => string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let seed = 1;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const file = /^GET \/([\w.-]+) /.exec(head)?.[1] ?? '';
      const bytes = readFileSync(path.join(DIR, path.basename(file)));
      let state = seed++;
      let at = 0;
      const next = () => {
        if (socket.destroyed) return;
        if (at >= bytes.length) return void socket.end();
        state = (state * 1103515245 + 12345) % 2 ** 31;
        const n = 1 + (state % 700);
        socket.write(bytes.subarray(at, at + n));
        at += n;
        // A pause between pieces, so that they reach the client as reads of their own.
        setTimeout(next, 1);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (file) => `http://127.0.0.1:${port}/${file}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One GET through the raw-socket client, the parser chosen by the answer's headers: the frames, or the error. */
async function read(url: string): Promise<{ frames: Buffer[]; error?: unknown }> {
  const frames: Buffer[] = [];
  let parser: MjpegParser | undefined;
  try {
    await streamGet({
      url: new URL(url),
      headers: {},
      signal: new AbortController().signal,
      timeoutMs: 10_000,
      onResponse: (response) => {
        parser = mjpegParserFor(response.headers);
      },
      onBody: (bytes, start, end) => {
        frames.push(...parser!.push(bytes.subarray(start, end)));
      },
    });
    parser?.finish();
    return { frames };
  } catch (error) {
    return { frames, error };
  }
}

describe('real-world MJPEG answers (test/fixtures/mjpeg)', () => {
  let server: Awaited<ReturnType<typeof fixtureServer>>;
  const { supervisor, states, frames } = recordingSupervisor({
    stallTimeoutMs: 3_000,
    backoff: { baseMs: 100, maxMs: 500 },
    connectTimeoutMs: 5_000,
    fpsWindowMs: 5_000,
    maxFrameBytes: 1 << 20,
    ffmpegPath: 'ffmpeg',
  });

  beforeAll(async () => {
    server = await fixtureServer();
  });
  afterAll(async () => {
    await supervisor.stopAll();
    await server.close();
  });

  it('has fixtures of every kind', () => {
    expect(accepted.length).toBeGreaterThanOrEqual(10);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(accepted.map((f) => f.file)).toEqual(expect.arrayContaining(['ffmpeg-mpjpeg.http', 'ffmpeg-mjpeg.http']));
  });

  describe.each(accepted.map((f) => [f.file, f] as const))('accepts %s', (file, fixture) => {
    it('gives its frames, byte for byte, through the raw-socket client', async () => {
      for (let round = 0; round < 3; round++) {
        const { frames: got, error } = await read(server.url(file));
        expect(error, fixture.description).toBeUndefined();
        expect(got.map(sha256)).toEqual(fixture.frames);
      }
    });

    it('makes a camera run, with its frames and their size', async () => {
      const id = `cam-${file}`;
      await supervisor.start({ id, sourceUrl: server.url(file), sourceType: 'mjpeg', expectedFps: 5, credentials: null });
      await pollUntil(
        () => frames.get(id) ?? 0,
        (n) => n >= fixture.frames!.length,
        { timeoutMs: 10_000, what: `${file}'s frames` },
      );
      expect(states.get(id)).toContain('running');
      expect(states.get(id)).not.toContain('error');
      const status = supervisor.status(id)!;
      expect(status).toMatchObject({ frameWidth: fixture.width, frameHeight: fixture.height });
      // The answers end after their frames: the stream ended, nothing else went wrong.
      if (status.lastError !== null) expect(status.lastError.code).toBe('STREAM_ENDED');
      expect(fixture.frames).toContain(sha256(supervisor.latestFrame(id)!));
      await supervisor.stop(id);
    });
  });

  describe.each(refused.map((f) => [f.file, f] as const))('refuses %s', (file, fixture) => {
    it('as not MJPEG, through the raw-socket client', async () => {
      const { frames: got, error } = await read(server.url(file));
      expect(error).toBeInstanceOf(MjpegError);
      expect(error).toMatchObject({ reason: 'not-mjpeg', singleJpeg: fixture.refused!.singleJpeg });
      expect(got).toEqual([]);
    });

    it('with NOT_MJPEG, the camera in state error, having shown no frame', async () => {
      const id = `cam-${file}`;
      await supervisor.start({ id, sourceUrl: server.url(file), sourceType: 'mjpeg', expectedFps: 5, credentials: null });
      const status = await pollUntil(
        () => supervisor.status(id),
        (s) => s?.state === 'error',
        { timeoutMs: 10_000, what: `${file} refused` },
      );
      expect(status!.lastError).toMatchObject({ code: fixture.refused!.code });
      expect(status!.lastError!.message.includes('single JPEG')).toBe(fixture.refused!.singleJpeg);
      expect(frames.get(id) ?? 0).toBe(0);
      expect(states.get(id)).not.toContain('running');
      await supervisor.stop(id);
    });
  });
});
