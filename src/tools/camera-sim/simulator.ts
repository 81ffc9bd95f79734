// Synthetic cameras for tests, the demo and benchmarks: MJPEG streams and JPEG snapshots over plain
// node:http, with faults injected per camera or for all of them.
//
// Cheap per camera, so that one process can serve hundreds: a single timer renders and encodes ONE
// shared frame per tick; each camera's frame is that shared JPEG with a small COM segment spliced in
// after SOI (camera number, sequence, time), so bytes differ per camera and per tick while the
// expensive part (the encode) happens once. The camera number is therefore in the comment, not in
// the pixels: drawing it would mean one encode per camera per tick.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jpeg from 'jpeg-js';

export const FAULT_MODES = ['none', 'stall', 'frozen', 'slow', 'jitter', 'refuse', '401', '500', 'close'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface Fault {
  mode: FaultMode;
  /** Frames per second in `slow` mode; default 1. */
  fps?: number;
  /**
   * In `jitter` mode, each frame is held back a random 0 to `jitterMs` (default 800) and frames stay in
   * order, as a network that delays and then bunches them: gaps between frames of up to the frame
   * interval plus `jitterMs`, then bursts.
   */
  jitterMs?: number;
  /** Seconds after which `close` ends a stream (counted from its start or from when the fault was set); default 2. */
  afterSeconds?: number;
}

export interface CameraSimulatorOptions {
  count: number;
  fps: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  width?: number;
  height?: number;
  /** JPEG quality 1-100; default 60. */
  quality?: number;
}

export interface CameraStats {
  camera: number;
  fault: FaultMode;
  openStreams: number;
  framesSent: number;
  /** Frames not sent to a stream whose client was not reading fast enough. */
  framesSkipped: number;
  snapshotsSent: number;
  /** Requests for this camera's stream or snapshot, whatever the answer. */
  attempts: number;
  /** Of those, the ones answered by resetting the connection (`refuse`). */
  refused: number;
}

export interface SimulatorStats {
  cameras: CameraStats[];
  openStreams: number;
  framesSent: number;
  framesSkipped: number;
  snapshotsSent: number;
  attempts: number;
  refused: number;
  /** TCP connections accepted, for any path. */
  connections: number;
}

export interface CameraSimulator {
  /** Base URL, e.g. http://127.0.0.1:9400 */
  url: string;
  port: number;
  streamUrl(camera: number): string;
  snapshotUrl(camera: number): string;
  setFault(camera: number, fault: Fault): void;
  setFaultAll(fault: Fault): void;
  /** The cameras whose fault is not `none`. */
  faults(): ({ camera: number } & Fault)[];
  stats(): SimulatorStats;
  /** Ends every open stream and closes the server; connections that do not close within a second are destroyed. */
  close(): Promise<void>;
}

const BOUNDARY = 'vigilsimframe';
const CRLF = Buffer.from('\r\n', 'latin1');
const MAX_BODY_BYTES = 4096;
const CLOSE_GRACE_MS = 1000;

/** Validates and completes a fault (defaults for fps and afterSeconds); a string is the reason it is refused. */
export function parseFault(value: unknown): Fault | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the body must be a JSON object like {"mode":"stall"}';
  const body = value as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => key !== 'mode' && key !== 'fps' && key !== 'afterSeconds' && key !== 'jitterMs');
  if (unknown.length > 0) return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`;
  const mode = body.mode;
  if (typeof mode !== 'string' || !(FAULT_MODES as readonly string[]).includes(mode)) {
    return `mode must be one of ${FAULT_MODES.join(', ')}, got ${JSON.stringify(mode ?? null)}`;
  }
  const fault: Fault = { mode: mode as FaultMode };
  if (body.fps !== undefined) {
    if (fault.mode !== 'slow') return 'fps applies only to mode slow';
    if (typeof body.fps !== 'number' || !Number.isFinite(body.fps) || body.fps <= 0 || body.fps > 1000)
      return 'fps must be a number above 0 and at most 1000';
  }
  if (body.afterSeconds !== undefined) {
    if (fault.mode !== 'close') return 'afterSeconds applies only to mode close';
    const after = body.afterSeconds;
    if (typeof after !== 'number' || !Number.isFinite(after) || after < 0 || after > 86400)
      return 'afterSeconds must be a number from 0 to 86400';
  }
  if (body.jitterMs !== undefined) {
    if (fault.mode !== 'jitter') return 'jitterMs applies only to mode jitter';
    const jitter = body.jitterMs;
    if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter > 60_000)
      return 'jitterMs must be a number from 0 to 60000';
  }
  if (fault.mode === 'slow') fault.fps = body.fps ?? 1;
  if (fault.mode === 'jitter') fault.jitterMs = (body.jitterMs as number | undefined) ?? 800;
  if (fault.mode === 'close') fault.afterSeconds = (body.afterSeconds as number | undefined) ?? 2;
  return fault;
}

// A 5×7 font, one number per row, the high bit of five on the left.
const GLYPHS: Record<string, number[]> = {
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  ':': [0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00],
  '.': [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
  '-': [0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00],
};

/** Draws the shared picture into one reused RGBA buffer: a scrolling gradient, a moving bar and band, the time. */
function createPainter(width: number, height: number) {
  const data = Buffer.alloc(width * height * 4, 0xff);
  const row = Buffer.alloc(width * 4, 0xff);

  function fill(x0: number, y0: number, w: number, h: number, r: number, g: number, b: number): void {
    const x1 = Math.min(width, x0 + w);
    const y1 = Math.min(height, y0 + h);
    for (let y = Math.max(0, y0); y < y1; y += 1) {
      for (let x = Math.max(0, x0); x < x1; x += 1) {
        const p = (y * width + x) * 4;
        data[p] = r;
        data[p + 1] = g;
        data[p + 2] = b;
      }
    }
  }

  function text(value: string, x0: number, y0: number, scale: number): void {
    let x = x0;
    for (const char of value) {
      const glyph = GLYPHS[char];
      if (glyph) {
        glyph.forEach((bits, gy) => {
          for (let gx = 0; gx < 5; gx += 1) {
            if (bits & (0x10 >> gx)) fill(x + gx * scale, y0 + gy * scale, scale, scale, 255, 255, 255);
          }
        });
      }
      x += 6 * scale;
    }
  }

  return (now: number): Buffer => {
    const t = now / 1000;
    const shift = Math.floor(t * 40);
    for (let x = 0; x < width; x += 1) {
      const v = (x + shift) % width;
      row[x * 4] = Math.floor((v * 255) / width);
      row[x * 4 + 1] = 96 + Math.floor((v * 64) / width);
      row[x * 4 + 2] = 255 - Math.floor((v * 255) / width);
    }
    for (let y = 0; y < height; y += 1) row.copy(data, y * width * 4);
    fill(Math.floor((t * width) / 4) % width, 0, Math.max(4, Math.floor(width / 24)), height, 255, 255, 255);
    fill(0, Math.floor((t * height) / 6) % height, width, Math.max(4, Math.floor(height / 24)), 24, 24, 24);
    const scale = width >= 200 ? 2 : 1;
    const clock = new Date(now).toISOString().slice(11, 23); // HH:MM:SS.mmm, UTC
    fill(4, 4, clock.length * 6 * scale + 6, 7 * scale + 6, 0, 0, 0);
    text(clock, 7, 7, scale);
    return data;
  };
}

/** One camera's frame for one tick: multipart part headers, SOI and COM in `head`; the shared rest of the JPEG in `body`. */
interface CameraFrame {
  head: Buffer;
  /** Where the JPEG starts in `head` (after the part headers). */
  jpegStart: number;
  body: Buffer;
  jpegLength: number;
  tick: number;
}

interface Stream {
  res: ServerResponse;
  startedAt: number;
  lastSentAt: number;
  closeTimer: NodeJS.Timeout | undefined;
  /** In `jitter` mode: when the last frame held back goes out (the next one never goes before it). */
  heldUntil: number;
  held: { frame: CameraFrame; at: number }[];
  heldTimer: NodeJS.Timeout | undefined;
}

interface Camera {
  n: number;
  fault: Fault;
  faultSetAt: number;
  streams: Set<Stream>;
  stalledSnapshots: Set<ServerResponse>;
  frame: CameraFrame | undefined;
  frozen: CameraFrame | undefined;
  framesSent: number;
  framesSkipped: number;
  snapshotsSent: number;
  attempts: number;
  refused: number;
}

function checkOptions(options: CameraSimulatorOptions): void {
  const integer = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      throw new RangeError(`${name} must be an integer ${min}-${max}, got ${value}`);
  };
  integer('count', options.count, 1, 100_000);
  if (!Number.isFinite(options.fps) || options.fps <= 0 || options.fps > 120)
    throw new RangeError(`fps must be above 0 and at most 120, got ${options.fps}`);
  integer('port', options.port ?? 0, 0, 65535);
  integer('width', options.width ?? 320, 16, 4096);
  integer('height', options.height ?? 240, 16, 4096);
  integer('quality', options.quality ?? 60, 1, 100);
}

export async function startCameraSimulator(options: CameraSimulatorOptions): Promise<CameraSimulator> {
  checkOptions(options);
  const { count, fps } = options;
  const host = options.host ?? '127.0.0.1';
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const quality = options.quality ?? 60;
  const tickMs = 1000 / fps;
  const paint = createPainter(width, height);

  const cameras: Camera[] = Array.from({ length: count }, (_, i) => ({
    n: i + 1,
    fault: { mode: 'none' },
    faultSetAt: 0,
    streams: new Set(),
    stalledSnapshots: new Set(),
    frame: undefined,
    frozen: undefined,
    framesSent: 0,
    framesSkipped: 0,
    snapshotsSent: 0,
    attempts: 0,
    refused: 0,
  }));
  // Cameras with at least one open stream: the tick visits only these.
  const streaming = new Set<Camera>();
  let connections = 0;

  // The shared frame: the JPEG of the current tick without its SOI, encoded lazily when someone needs it.
  let tick = 0;
  let shared: { tick: number; body: Buffer; iso: string } | undefined;

  function sharedFrame(now: number) {
    if (shared?.tick !== tick) {
      const encoded = jpeg.encode({ data: paint(now), width, height }, quality).data;
      shared = { tick, body: encoded.subarray(2), iso: new Date(now).toISOString() };
    }
    return shared;
  }

  function frameFor(camera: Camera, now: number): CameraFrame {
    if (camera.frame?.tick === tick) return camera.frame;
    const { body, iso } = sharedFrame(now);
    const comment = `vigil-sim camera=${camera.n} seq=${tick} t=${iso}`;
    const jpegLength = 2 + 4 + comment.length + body.length;
    const partHeaders = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpegLength}\r\n\r\n`;
    const head = Buffer.allocUnsafe(partHeaders.length + 6 + comment.length);
    let at = head.write(partHeaders, 0, 'latin1');
    const jpegStart = at;
    head[at++] = 0xff;
    head[at++] = 0xd8; // SOI
    head[at++] = 0xff;
    head[at++] = 0xfe; // COM
    at = head.writeUInt16BE(comment.length + 2, at);
    head.write(comment, at, 'latin1');
    camera.frame = { head, jpegStart, body, jpegLength, tick };
    return camera.frame;
  }

  function send(camera: Camera, stream: Stream, frame: CameraFrame, now: number): void {
    const { res } = stream;
    // A client that does not keep up loses frames rather than making us buffer them without bound.
    if (res.writableNeedDrain) {
      camera.framesSkipped += 1;
      return;
    }
    res.cork();
    res.write(frame.head);
    res.write(frame.body);
    res.write(CRLF);
    res.uncork();
    stream.lastSentAt = now;
    camera.framesSent += 1;
  }

  function deliver(camera: Camera, now: number): void {
    const mode = camera.fault.mode;
    switch (mode) {
      case 'none':
      case 'close': {
        const frame = frameFor(camera, now);
        for (const stream of camera.streams) send(camera, stream, frame, now);
        return;
      }
      case 'frozen':
        for (const stream of camera.streams) send(camera, stream, camera.frozen!, now);
        return;
      case 'slow': {
        // Half a tick of slack, or timer jitter would make 1 fps at a 5 fps tick come out at 0.83 fps.
        const interval = 1000 / (camera.fault.fps ?? 1) - tickMs / 2;
        for (const stream of camera.streams) {
          if (now - stream.lastSentAt >= interval) send(camera, stream, frameFor(camera, now), now);
        }
        return;
      }
      case 'jitter': {
        const frame = frameFor(camera, now);
        for (const stream of camera.streams) hold(camera, stream, frame, now);
        return;
      }
      case 'stall':
      case 'refuse':
      case '401':
      case '500':
        return;
    }
  }

  /** Sends a frame after a random delay, never before the frame held back before it (one timer per stream, in order). */
  function hold(camera: Camera, stream: Stream, frame: CameraFrame, now: number): void {
    const at = Math.max(stream.heldUntil, now + Math.random() * (camera.fault.jitterMs ?? 800));
    stream.heldUntil = at;
    stream.held.push({ frame, at });
    if (stream.heldTimer === undefined) releaseDue(camera, stream);
  }

  function releaseDue(camera: Camera, stream: Stream): void {
    stream.heldTimer = undefined;
    const now = Date.now();
    while (stream.held.length > 0 && stream.held[0]!.at <= now) {
      const { frame } = stream.held.shift()!;
      if (!stream.res.destroyed) send(camera, stream, frame, now);
    }
    const next = stream.held[0];
    if (next) stream.heldTimer = setTimeout(() => releaseDue(camera, stream), Math.max(1, Math.ceil(next.at - now)));
  }

  function release(stream: Stream): void {
    clearTimeout(stream.heldTimer);
    stream.heldTimer = undefined;
    stream.held.length = 0;
    stream.heldUntil = 0;
  }

  const timer = setInterval(() => {
    tick += 1;
    if (streaming.size === 0) return;
    const now = Date.now();
    for (const camera of streaming) deliver(camera, now);
  }, tickMs);

  function endStream(camera: Camera, stream: Stream, how: 'end' | 'reset'): void {
    clearTimeout(stream.closeTimer);
    release(stream);
    camera.streams.delete(stream);
    if (camera.streams.size === 0) streaming.delete(camera);
    if (how === 'reset') reset(stream.res);
    else stream.res.end();
  }

  function reset(res: ServerResponse): void {
    // A reset (RST), not a clean close, so that a client can tell a refused camera from a stream that ended.
    const socket = res.socket;
    if (socket && !socket.destroyed) socket.resetAndDestroy();
    else res.destroy();
  }

  function scheduleClose(camera: Camera, stream: Stream): void {
    const after = (camera.fault.afterSeconds ?? 2) * 1000;
    const at = Math.max(stream.startedAt, camera.faultSetAt) + after;
    clearTimeout(stream.closeTimer);
    stream.closeTimer = setTimeout(() => endStream(camera, stream, 'end'), Math.max(0, at - Date.now()));
  }

  function answerStatus(res: ServerResponse, status: 401 | 500): void {
    const body = status === 401 ? 'unauthorized (simulated)\n' : 'internal server error (simulated)\n';
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...(status === 401 ? { 'WWW-Authenticate': 'Basic realm="vigil-sim"' } : {}),
    });
    res.end(body);
  }

  function refuseRequest(camera: Camera, res: ServerResponse): void {
    camera.refused += 1;
    reset(res);
  }

  function openStream(camera: Camera, res: ServerResponse): void {
    const mode = camera.fault.mode;
    if (mode === 'refuse') return refuseRequest(camera, res);
    if (mode === '401' || mode === '500') return answerStatus(res, Number(mode) as 401 | 500);
    // No chunked encoding: the body runs until the connection closes, as cameras do (HTTP/1.0 style),
    // which also makes `close` a clean end of the socket rather than a terminating chunk.
    res.removeHeader('Transfer-Encoding');
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-cache, no-store',
      Pragma: 'no-cache',
      Connection: 'close',
    });
    res.flushHeaders();
    const now = Date.now();
    const stream: Stream = { res, startedAt: now, lastSentAt: 0, closeTimer: undefined, heldUntil: 0, held: [], heldTimer: undefined };
    camera.streams.add(stream);
    streaming.add(camera);
    res.on('close', () => {
      clearTimeout(stream.closeTimer);
      release(stream);
      camera.streams.delete(stream);
      if (camera.streams.size === 0) streaming.delete(camera);
    });
    if (mode === 'close') scheduleClose(camera, stream);
    // The first frame goes out at once rather than at the next tick.
    if (mode === 'frozen') send(camera, stream, camera.frozen!, now);
    else if (mode !== 'stall') send(camera, stream, frameFor(camera, now), now);
  }

  function serveSnapshot(camera: Camera, res: ServerResponse): void {
    const mode = camera.fault.mode;
    switch (mode) {
      case 'refuse':
        return refuseRequest(camera, res);
      case '401':
      case '500':
        return answerStatus(res, Number(mode) as 401 | 500);
      case 'stall':
        // Hang until the fault changes (see applyFault) or the client gives up.
        camera.stalledSnapshots.add(res);
        res.on('close', () => camera.stalledSnapshots.delete(res));
        return;
      case 'none':
      case 'frozen':
      case 'slow':
      case 'jitter':
      case 'close': {
        const frame = mode === 'frozen' ? camera.frozen! : frameFor(camera, Date.now());
        res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': frame.jpegLength, 'Cache-Control': 'no-cache, no-store' });
        res.write(frame.head.subarray(frame.jpegStart));
        res.end(frame.body);
        camera.snapshotsSent += 1;
        return;
      }
    }
  }

  function applyFault(camera: Camera, fault: Fault, now: number): void {
    const previous = camera.fault.mode;
    camera.fault = fault;
    camera.faultSetAt = now;
    // Frozen repeats the last frame the camera showed; setting it again keeps the same picture.
    if (fault.mode === 'frozen') {
      if (previous !== 'frozen' || !camera.frozen) camera.frozen = camera.frame ?? frameFor(camera, now);
    } else {
      camera.frozen = undefined;
    }
    for (const stream of [...camera.streams]) {
      clearTimeout(stream.closeTimer);
      stream.closeTimer = undefined;
      // Frames held back by `jitter` are dropped when the mode changes: a stall starts at once.
      if (fault.mode !== 'jitter') release(stream);
      if (fault.mode === 'refuse') endStream(camera, stream, 'reset');
      else if (fault.mode === '401' || fault.mode === '500') endStream(camera, stream, 'end');
      else if (fault.mode === 'close') scheduleClose(camera, stream);
    }
    if (fault.mode !== 'stall' && camera.stalledSnapshots.size > 0) {
      const waiting = [...camera.stalledSnapshots];
      camera.stalledSnapshots.clear();
      for (const res of waiting) serveSnapshot(camera, res);
    }
  }

  function cameraAt(n: number): Camera {
    const camera = Number.isInteger(n) ? cameras[n - 1] : undefined;
    if (!camera) throw new RangeError(`camera ${n} does not exist (1-${count})`);
    return camera;
  }

  function checkedFault(fault: Fault): Fault {
    const parsed = parseFault(fault);
    if (typeof parsed === 'string') throw new RangeError(parsed);
    return parsed;
  }

  function faultList(): ({ camera: number } & Fault)[] {
    return cameras.filter((c) => c.fault.mode !== 'none').map((c) => ({ camera: c.n, ...c.fault }));
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  function error(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    json(res, status, { code, message });
  }

  function readFault(req: IncomingMessage, res: ServerResponse, then: (fault: Fault) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return error(res, 413, 'BODY_TOO_LARGE', `the body must be at most ${MAX_BODY_BYTES} bytes`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(res, 400, 'INVALID_JSON', 'the body must be JSON like {"mode":"stall"}');
      }
      const fault = parseFault(body);
      if (typeof fault === 'string') return error(res, 400, 'INVALID_FAULT', fault);
      then(fault);
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const method = req.method ?? 'GET';
    const only = (allowed: string): boolean => {
      if (method === allowed) return true;
      error(res, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; use ${allowed}`, { Allow: allowed });
      return false;
    };
    if (path === '/health') {
      if (only('GET')) json(res, 200, { status: 'ok', cameras: count, fps });
      return;
    }
    if (path === '/faults') {
      if (method === 'GET') return json(res, 200, { faults: faultList() });
      if (!only('POST')) return;
      return readFault(req, res, (fault) => {
        const now = Date.now();
        for (const camera of cameras) applyFault(camera, fault, now);
        json(res, 200, { cameras: count, fault });
      });
    }
    const match = /^\/cameras\/(\d{1,9})\/(stream\.mjpg|snapshot\.jpg|fault)$/.exec(path);
    if (!match) return error(res, 404, 'NOT_FOUND', `no such path ${path}`);
    const n = Number(match[1]);
    const camera = cameras[n - 1];
    if (!camera) return error(res, 404, 'CAMERA_NOT_FOUND', `camera ${n} does not exist (1-${count})`);
    const action = match[2]!;
    if (action === 'fault') {
      if (!only('POST')) return;
      return readFault(req, res, (fault) => {
        applyFault(camera, fault, Date.now());
        json(res, 200, { camera: n, fault });
      });
    }
    if (!only('GET')) return;
    camera.attempts += 1;
    if (action === 'stream.mjpg') openStream(camera, res);
    else serveSnapshot(camera, res);
  }

  const server: Server = createServer(handle);
  server.on('connection', () => {
    connections += 1;
  });
  // Many cameras connect at once when a fleet starts: give the accept queue room.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((cause: unknown) => {
    clearInterval(timer);
    throw cause;
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    streamUrl: (n) => `${url}/cameras/${cameraAt(n).n}/stream.mjpg`,
    snapshotUrl: (n) => `${url}/cameras/${cameraAt(n).n}/snapshot.jpg`,
    setFault: (n, fault) => applyFault(cameraAt(n), checkedFault(fault), Date.now()),
    setFaultAll: (fault) => {
      const checked = checkedFault(fault);
      const now = Date.now();
      for (const camera of cameras) applyFault(camera, checked, now);
    },
    faults: faultList,
    stats() {
      const list = cameras.map((c) => ({
        camera: c.n,
        fault: c.fault.mode,
        openStreams: c.streams.size,
        framesSent: c.framesSent,
        framesSkipped: c.framesSkipped,
        snapshotsSent: c.snapshotsSent,
        attempts: c.attempts,
        refused: c.refused,
      }));
      const sum = (key: 'openStreams' | 'framesSent' | 'framesSkipped' | 'snapshotsSent' | 'attempts' | 'refused') =>
        list.reduce((total, c) => total + c[key], 0);
      return {
        cameras: list,
        openStreams: sum('openStreams'),
        framesSent: sum('framesSent'),
        framesSkipped: sum('framesSkipped'),
        snapshotsSent: sum('snapshotsSent'),
        attempts: sum('attempts'),
        refused: sum('refused'),
        connections,
      };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const camera of cameras) {
          for (const stream of [...camera.streams]) endStream(camera, stream, 'end');
          for (const res of camera.stalledSnapshots) res.destroy();
          camera.stalledSnapshots.clear();
        }
        // Ended streams close their sockets once flushed; a client that stopped reading never lets
        // them flush, so whatever is left after the grace period is destroyed.
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
