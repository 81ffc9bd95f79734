import { get } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import jpeg from 'jpeg-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isJpeg, jpegSize } from '../../modules/cameras/jpeg.js';
import { MjpegParser, boundaryOf } from '../../modules/cameras/mjpeg.js';
import type { CameraSimulator } from './simulator.js';
import { parseFault, startCameraSimulator } from './simulator.js';
import { pollUntil, sleep } from '../../../test/helpers/poll.js';

// The simulator runs on real time, so these tests count frames and compare the simulator's own
// stamps and the order of events; waits are bounded generously, against a hang only.
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await pollUntil(check, (met) => met, { timeoutMs, intervalMs: 10, what });
}

interface StreamReader {
  status: number;
  headers: IncomingHttpHeaders;
  frames: Buffer[];
  /** 'end' when the body ended cleanly, 'reset' when the connection was cut. */
  outcome: Promise<'end' | 'reset'>;
  ended: () => boolean;
  /** Waits for `count` more frames than have arrived so far. */
  more(count: number, timeoutMs?: number): Promise<Buffer[]>;
  close(): void;
}

/** Opens a stream and reads it with the parser the ingest runtime uses; rejects when no response comes. */
function openStream(url: string): Promise<StreamReader> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      const frames: Buffer[] = [];
      const parser = new MjpegParser({ boundary: boundaryOf(res.headers['content-type'] ?? '') });
      let settled: 'end' | 'reset' | undefined;
      let failed = false;
      const outcome = new Promise<'end' | 'reset'>((settle) => {
        // The body runs until the connection closes, so Node ends the response even after a reset;
        // the reset shows as an error, which comes before the request's 'close' (after the socket's):
        // decided then, whatever order a busy event loop delivers the rest in.
        req.on('error', () => (failed = true));
        res.on('error', () => (failed = true));
        res.on('aborted', () => (failed = true));
        req.on('close', () => {
          settled = failed || !res.complete ? 'reset' : 'end';
          settle(settled);
        });
      });
      res.on('data', (chunk: Buffer) => frames.push(...parser.push(chunk)));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        outcome,
        ended: () => settled !== undefined,
        async more(count, timeoutMs = 10_000) {
          const target = frames.length + count;
          await until(() => frames.length >= target, timeoutMs, `${count} more frames`);
          return frames.slice(target - count, target);
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** One GET: the status and body, or the error code when the connection fails without a response. */
function fetchRaw(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer } | { error: string }> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const comment = (frame: Buffer) => /vigil-sim [^\0]*?t=\S+Z/.exec(frame.subarray(0, 200).toString('latin1'))?.[0];
/** The simulator's tick number and clock when it made the frame, from the frame's comment. */
function stamp(frame: Buffer): { seq: number; t: number } {
  const [, seq, t] = /seq=(\d+) t=(\S+Z)/.exec(comment(frame) ?? '') ?? [];
  return { seq: Number(seq), t: Date.parse(t ?? '') };
}

describe('camera simulator', () => {
  let sim: CameraSimulator;
  const open: StreamReader[] = [];
  const stream = async (camera: number) => {
    const reader = await openStream(sim.streamUrl(camera));
    open.push(reader);
    return reader;
  };

  beforeAll(async () => {
    sim = await startCameraSimulator({ count: 12, fps: 10, port: 0 });
  });
  afterEach(() => {
    for (const reader of open.splice(0)) reader.close();
    sim.setFaultAll({ mode: 'none' });
  });
  afterAll(() => sim.close());

  it('streams valid 320×240 JPEGs at the configured rate, one per tick, each frame different from the last', async () => {
    const reader = await stream(1);
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toMatch(/^multipart\/x-mixed-replace; boundary=\S+$/);
    const frames = await reader.more(15);
    // The rate is the tick's (10 a second): a reader that keeps up gets every tick's frame, one each.
    const seqs = frames.map((frame) => stamp(frame).seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    for (const frame of frames) expect(isJpeg(frame)).toBe(true);
    expect(jpegSize(frames[3]!)).toEqual({ width: 320, height: 240 });
    const decoded = jpeg.decode(frames[3]!, { useTArray: true });
    expect([decoded.width, decoded.height]).toEqual([320, 240]);
    expect(comment(frames[3]!)).toMatch(/^vigil-sim camera=1 seq=\d+ t=\d{4}-\d\d-\d\dT/);
    for (let i = 1; i < frames.length; i += 1) expect(frames[i]!.equals(frames[i - 1]!), `frame ${i}`).toBe(false);
  });

  it('gives two cameras different frames, and a snapshot that is one JPEG of the current frame', async () => {
    const [a, b] = await Promise.all([stream(2), stream(3)]);
    const [frameA] = await a.more(1);
    const [frameB] = await b.more(1);
    expect(frameA!.equals(frameB!)).toBe(false);
    expect(comment(frameA!)).toContain('camera=2');
    expect(comment(frameB!)).toContain('camera=3');

    const snapshot = await fetchRaw(sim.snapshotUrl(2));
    expect(snapshot).toMatchObject({ status: 200, headers: { 'content-type': 'image/jpeg' } });
    const body = (snapshot as { body: Buffer }).body;
    expect(isJpeg(body)).toBe(true);
    expect(jpegSize(body)).toEqual({ width: 320, height: 240 });
    expect(comment(body)).toContain('camera=2');
  });

  it('stall keeps the connection open without frames; none resumes frames on the same connection', async () => {
    const reader = await stream(4);
    await reader.more(2);
    expect(await post(`${sim.url}/cameras/4/fault`, { mode: 'stall' })).toEqual({
      status: 200,
      json: { camera: 4, fault: { mode: 'stall' } },
    });
    // Frames already on the wire still arrive: wait until every frame the simulator sent is here.
    await until(() => reader.frames.length >= sim.stats().cameras[3]!.framesSent, 10_000, 'the frames on the wire');
    const count = reader.frames.length;
    const snapshot = fetchRaw(sim.snapshotUrl(4));
    // A fixed wait on purpose: it shows that nothing arrives (15 ticks' worth) and nothing ends.
    await sleep(1500);
    expect(reader.frames.length).toBe(count);
    expect(reader.ended()).toBe(false);
    expect(await Promise.race([snapshot, sleep(0).then(() => 'still waiting')])).toBe('still waiting');

    await post(`${sim.url}/cameras/4/fault`, { mode: 'none' });
    const [resumed] = await reader.more(2);
    expect(isJpeg(resumed!)).toBe(true);
    expect(await snapshot).toMatchObject({ status: 200, headers: { 'content-type': 'image/jpeg' } });
  });

  it('frozen repeats one frame byte for byte at the normal rate, until the fault is lifted', async () => {
    const reader = await stream(5);
    await reader.more(1);
    sim.setFault(5, { mode: 'frozen' });
    const still = ((await fetchRaw(sim.snapshotUrl(5))) as { body: Buffer }).body;
    // Frames sent before the fault may still be on their way: then five in a row are the frozen one.
    await until(
      () => reader.frames.length >= 5 && reader.frames.slice(-5).every((frame) => frame.equals(still)),
      10_000,
      'five frozen frames in a row',
    );
    const frozen = reader.frames.slice(-5);
    sim.setFault(5, { mode: 'none' });
    const [after] = await reader.more(2);
    expect(after!.equals(frozen[0]!)).toBe(false);
  });

  it('slow sends frames at its own rate', async () => {
    sim.setFault(6, { mode: 'slow', fps: 2 });
    const reader = await stream(6);
    const frames = await reader.more(3);
    // One at once, then one every half second by the simulator's own clock (the time each frame
    // carries), less half a tick of slack: never faster, however late the ticks come.
    const times = frames.map((frame) => stamp(frame).t);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `gap ${i}`).toBeGreaterThanOrEqual(450);
    expect(sim.faults()).toEqual([{ camera: 6, mode: 'slow', fps: 2 }]);
  });

  it('jitter holds frames back at random but keeps them in order, and stops holding them when the mode changes', async () => {
    sim.setFault(10, { mode: 'jitter', jitterMs: 300 });
    const reader = await stream(10);
    const frames = await reader.more(12);
    const seqs = frames.map((frame) => stamp(frame).seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!, `frame ${i}`).toBeGreaterThan(seqs[i - 1]!);
    expect(sim.faults()).toEqual([{ camera: 10, mode: 'jitter', jitterMs: 300 }]);
    sim.setFault(10, { mode: 'none' });
    await reader.more(3);
    reader.close();
  });

  it('refuse resets open streams and new connections without any HTTP response', async () => {
    const reader = await stream(7);
    await reader.more(1);
    const before = sim.stats().cameras[6]!.refused;
    sim.setFault(7, { mode: 'refuse' });
    expect(await reader.outcome).toBe('reset');
    await expect(openStream(sim.streamUrl(7))).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await fetchRaw(sim.snapshotUrl(7))).toEqual({ error: 'ECONNRESET' });
    expect(sim.stats().cameras[6]!.refused).toBe(before + 2);
  });

  it('401 and 500 answer new requests with that status and end open streams', async () => {
    const reader = await stream(8);
    await reader.more(1);
    sim.setFault(8, { mode: '401' });
    expect(await reader.outcome).toBe('end');
    const denied = await fetchRaw(sim.streamUrl(8));
    expect(denied).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Basic realm="vigil-sim"' } });
    expect((denied as { body: Buffer }).body.toString()).toContain('unauthorized');

    sim.setFault(8, { mode: '500' });
    const failed = await fetchRaw(sim.snapshotUrl(8));
    expect(failed).toMatchObject({ status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });

  it('close ends new and open streams cleanly after the given seconds', async () => {
    const already = await stream(9);
    await already.more(1);
    const ended: string[] = [];
    void already.outcome.then(() => ended.push('already'));
    const setAt = Date.now();
    sim.setFault(9, { mode: 'close', afterSeconds: 1 });
    // Spacing, not waiting for something: the second stream opens well after the fault was set.
    await sleep(500);
    const fresh = await stream(9);
    void fresh.outcome.then(() => ended.push('fresh'));
    const openedAt = Date.now();
    expect(await already.outcome).toBe('end');
    // No sooner than the given second after the fault (timers never fire early) ...
    expect(Date.now() - setAt).toBeGreaterThanOrEqual(950);
    expect(await fresh.outcome).toBe('end');
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(900);
    // ... and each stream on its own clock: the one open before the fault ends first (a second
    // after the fault), the one opened half a second later a second after its start.
    expect(ended).toEqual(['already', 'fresh']);
    expect(fresh.frames.length).toBeGreaterThanOrEqual(1);
    expect(fresh.frames.every(isJpeg)).toBe(true);
  });

  it('POST /faults applies one fault to every camera, GET /faults lists them', async () => {
    expect(await post(`${sim.url}/faults`, { mode: '500' })).toEqual({ status: 200, json: { cameras: 12, fault: { mode: '500' } } });
    expect(await fetchRaw(sim.snapshotUrl(1))).toMatchObject({ status: 500 });
    expect(await fetchRaw(sim.streamUrl(12))).toMatchObject({ status: 500 });
    const listed = (await (await fetch(`${sim.url}/faults`)).json()) as { faults: { camera: number; mode: string }[] };
    expect(listed.faults).toHaveLength(12);
    expect(listed.faults.every((f) => f.mode === '500')).toBe(true);
    await post(`${sim.url}/faults`, { mode: 'close' });
    expect(sim.faults()[0]).toEqual({ camera: 1, mode: 'close', afterSeconds: 2 });
    await post(`${sim.url}/faults`, { mode: 'none' });
    expect(await (await fetch(`${sim.url}/faults`)).json()).toEqual({ faults: [] });
  });

  it('refuses an unknown mode, bad JSON and stray fields with 400, unknown cameras and paths with 404', async () => {
    const unknown = await post(`${sim.url}/cameras/1/fault`, { mode: 'explode' });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ code: 'INVALID_FAULT', message: expect.stringContaining('mode must be one of none, stall') });
    expect((await post(`${sim.url}/faults`, '{"mode":')).json.code).toBe('INVALID_JSON');
    expect((await post(`${sim.url}/faults`, { mode: 'stall', seconds: 3 })).json).toMatchObject({
      code: 'INVALID_FAULT',
      message: 'unknown field seconds',
    });
    expect((await post(`${sim.url}/faults`, { mode: 'stall', fps: 3 })).status).toBe(400);
    expect(sim.faults()).toEqual([]);
    expect(await fetchRaw(`${sim.url}/cameras/13/stream.mjpg`)).toMatchObject({ status: 404 });
    expect(await fetchRaw(`${sim.url}/cameras/0/snapshot.jpg`)).toMatchObject({ status: 404 });
    expect(await fetchRaw(`${sim.url}/video`)).toMatchObject({ status: 404 });
    expect(await fetchRaw(`${sim.url}/cameras/1/fault`)).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect(await fetchRaw(`${sim.url}/health`)).toMatchObject({ status: 200 });
    expect(() => sim.setFault(13, { mode: 'none' })).toThrow('camera 13 does not exist (1-12)');
    expect(() => sim.setFaultAll({ mode: 'bogus' as 'none' })).toThrow(RangeError);
  });
});

describe('camera simulator, on its own', () => {
  it('counts connection attempts per camera and in total, and open streams', async () => {
    const sim = await startCameraSimulator({ count: 2, fps: 10 });
    try {
      const readers = [await openStream(sim.streamUrl(1)), await openStream(sim.streamUrl(1))];
      await fetchRaw(sim.snapshotUrl(1));
      sim.setFault(2, { mode: 'refuse' });
      await fetchRaw(sim.snapshotUrl(2));
      await readers[0]!.more(2);
      const stats = sim.stats();
      expect(stats.cameras[0]).toMatchObject({ camera: 1, fault: 'none', openStreams: 2, attempts: 3, snapshotsSent: 1, refused: 0 });
      expect(stats.cameras[0]!.framesSent).toBeGreaterThanOrEqual(4);
      expect(stats.cameras[1]).toMatchObject({ camera: 2, fault: 'refuse', openStreams: 0, attempts: 1, refused: 1, framesSent: 0 });
      expect(stats).toMatchObject({ openStreams: 2, attempts: 4, refused: 1, snapshotsSent: 1 });
      expect(stats.connections).toBeGreaterThanOrEqual(4);
      readers.forEach((r) => r.close());
      await until(() => sim.stats().openStreams === 0, 1000, 'the streams to close');
    } finally {
      await sim.close();
    }
  });

  it('close() ends open streams and stalled snapshots, and resolves promptly', async () => {
    const sim = await startCameraSimulator({ count: 2, fps: 10 });
    const reader = await openStream(sim.streamUrl(1));
    await reader.more(1);
    sim.setFault(2, { mode: 'stall' });
    const stalled = await openStream(sim.streamUrl(2));
    const snapshot = fetchRaw(sim.snapshotUrl(2));
    await until(() => sim.stats().cameras[1]!.attempts === 2, 10_000, 'the stalled snapshot to arrive');
    // close() does not wait for the clients to hang up: were it to hang, the test's timeout says so.
    await sim.close();
    expect(await reader.outcome).toBe('end');
    expect(await stalled.outcome).toBe('end');
    expect(await snapshot).toHaveProperty('error');
    await expect(openStream(sim.streamUrl(1))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await sim.close(); // twice is fine
  });

  it('skips frames for a client that does not read instead of buffering them', async () => {
    const sim = await startCameraSimulator({ count: 1, fps: 30, width: 640, height: 480, quality: 100 });
    try {
      const socket = connect(sim.port, '127.0.0.1');
      socket.write('GET /cameras/1/stream.mjpg HTTP/1.1\r\nHost: sim\r\n\r\n');
      socket.pause();
      // Until the socket's buffers are full: on a busy machine the encoder may make only a few
      // frames a second, so this waits for the condition with a generous bound.
      await until(() => sim.stats().framesSkipped > 0, 45_000, 'a skipped frame');
      // Reading again, the client gets whole frames: skipping never cuts one in half.
      const parser = new MjpegParser({ boundary: 'vigilsimframe' });
      const frames: Buffer[] = [];
      let header = true;
      socket.on('data', (chunk: Buffer) => {
        let body = chunk;
        if (header) {
          const at = chunk.indexOf('\r\n\r\n');
          if (at < 0) return;
          header = false;
          body = chunk.subarray(at + 4);
        }
        frames.push(...parser.push(body));
      });
      socket.resume();
      await until(() => frames.length >= 10, 30_000, '10 frames');
      expect(frames.every(isJpeg)).toBe(true);
      socket.destroy();
    } finally {
      await sim.close();
    }
    // Encoding 640×480 frames at 30 a second is heavy work for a loaded machine.
  }, 90_000);
});

describe('parseFault', () => {
  it('fills in the defaults of slow and close', () => {
    expect(parseFault({ mode: 'slow' })).toEqual({ mode: 'slow', fps: 1 });
    expect(parseFault({ mode: 'close' })).toEqual({ mode: 'close', afterSeconds: 2 });
    expect(parseFault({ mode: 'close', afterSeconds: 0.5 })).toEqual({ mode: 'close', afterSeconds: 0.5 });
    expect(parseFault({ mode: 'jitter' })).toEqual({ mode: 'jitter', jitterMs: 800 });
  });

  it('explains what is wrong', () => {
    expect(parseFault([])).toContain('JSON object');
    expect(parseFault({})).toContain('mode must be one of');
    expect(parseFault({ mode: 'slow', fps: 0 })).toBe('fps must be a number above 0 and at most 1000');
    expect(parseFault({ mode: 'close', afterSeconds: -1 })).toBe('afterSeconds must be a number from 0 to 86400');
    expect(parseFault({ mode: 'none', afterSeconds: 1 })).toBe('afterSeconds applies only to mode close');
    expect(parseFault({ mode: 'slow', jitterMs: 100 })).toBe('jitterMs applies only to mode jitter');
    expect(parseFault({ mode: 'jitter', jitterMs: -1 })).toBe('jitterMs must be a number from 0 to 60000');
  });
});
