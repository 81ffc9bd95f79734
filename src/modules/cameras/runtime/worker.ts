// One camera's ingest: connect, read frames, watch for stalls, reconnect with backoff.
//
// States: starting (first attempt) → running (new frames at ≥ half the expected rate) or degraded
// (slower) → reconnecting (connection lost, refused, stalled or frozen; waiting out a backoff) or
// error (the camera answered with a refusal that retrying will not fix soon: 401/403/404, no
// ffmpeg; retried all the same, with backoff) → stopped when told to stop.
//
// A frame is "new" only if its bytes differ from the previous frame: a stream that stays connected
// but sends nothing (stall) or the same frame over and over (frozen) gets no new frames, and the
// supervisor's watchdog treats it as down after stallTimeoutMs.
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { HttpStreamError, streamGet } from '../http-stream.js';
import { jpegSize } from '../jpeg.js';
import { MjpegError, MjpegParser, boundaryOf } from '../mjpeg.js';
import type { SourceType } from '../source.js';
import type { AttemptGate } from './attempt-gate.js';
import { backoffDelay } from './backoff.js';
import type { BackoffSettings } from './backoff.js';
import { ffconcatScript, ffmpegArgs, ffmpegError, rtspUrl } from './ffmpeg.js';
import { RateWindow } from './rate-window.js';

export type CameraState = 'stopped' | 'starting' | 'running' | 'degraded' | 'reconnecting' | 'error' | 'deactivated';
export const CAMERA_STATES: readonly CameraState[] = ['stopped', 'starting', 'running', 'degraded', 'reconnecting', 'error', 'deactivated'];

export interface CameraSource {
  id: string;
  sourceUrl: string;
  sourceType: SourceType;
  expectedFps: number;
  credentials: { username: string; password: string } | null;
}

export interface RuntimeSettings {
  /** No new frame for this long while connected: the stream is down (stall or frozen). */
  stallTimeoutMs: number;
  backoff: BackoffSettings;
  connectTimeoutMs: number;
  fpsWindowMs: number;
  maxFrameBytes: number;
  ffmpegPath: string;
}

export interface CameraError {
  code: string;
  message: string;
  at: string;
}

export interface CameraStatus {
  cameraId: string;
  state: CameraState;
  since: string;
  /** Null until the connection brought frames for long enough to measure (see RateWindow). */
  fps: number | null;
  bytesPerSecond: number | null;
  lastFrameAt: string | null;
  reconnects: number;
  lastError: CameraError | null;
  frameWidth: number | null;
  frameHeight: number | null;
}

export interface WorkerHooks {
  gate: AttemptGate;
  onState(id: string, state: CameraState, previous: CameraState, error: CameraError | null): void;
  onFrame(id: string, bytes: number): void;
  onBytes(id: string, bytes: number): void;
  /** A stall was detected `detectionMs` after the last new frame. */
  onStall(id: string, kind: 'STALLED' | 'FROZEN', detectionMs: number): void;
  onReconnect(id: string): void;
  random?: () => number;
  now?: () => number;
}

/** A failure of one connection: its code, and whether retrying soon is pointless. */
export class IngestFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly persistent = false,
  ) {
    super(message);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export class CameraWorker {
  #state: CameraState = 'stopped';
  #since: number;
  #lastFrame: Buffer | null = null;
  /**
   * Frames are written into memory this worker allocated (`#allocate`) and reused: the frame that
   * the next one replaces, or a repeat that is dropped, becomes the spare the parser fills next. At
   * thousands of cameras a new buffer per frame is what drives garbage collection. Only buffers
   * made here are reused (`#owned`); `latestFrame` answers a copy, since a reused buffer changes.
   */
  #spare: Buffer | null = null;
  readonly #owned = new WeakSet<ArrayBufferLike>();
  readonly #allocate = (size: number): Buffer => {
    const spare = this.#spare;
    if (spare !== null && spare.buffer.byteLength >= size) {
      this.#spare = null;
      return Buffer.from(spare.buffer, 0, size);
    }
    // Room to grow: the next frames of a camera differ in size by a few percent.
    const frame = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
    this.#owned.add(frame.buffer);
    return frame.subarray(0, size);
  };
  #lastFrameAt: number | null = null;
  /** When the current connection was made, or the last new frame came: the stall clock. */
  #lastProgressAt: number | null = null;
  #connectedAt = 0;
  #sawRepeat = false;
  #reconnects = 0;
  #lastError: CameraError | null = null;
  #size: { width: number; height: number } | null = null;
  #window: RateWindow;
  #stopping = new AbortController();
  #connection: AbortController | null = null;
  #loop: Promise<void> | null = null;
  readonly #now: () => number;

  constructor(
    readonly source: CameraSource,
    private readonly settings: RuntimeSettings,
    private readonly hooks: WorkerHooks,
  ) {
    this.#now = hooks.now ?? Date.now;
    this.#since = this.#now();
    this.#window = new RateWindow(settings.fpsWindowMs);
  }

  get state(): CameraState {
    return this.#state;
  }

  /** Starts the loop; `run` settles when the worker has stopped (it never rejects for a camera's fault). */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new Error('stopped'));
    this.#connection?.abort(new IngestFailure('STOPPED', 'stopped'));
    // A loop that crashed was reported by the supervisor already; stopping it is not a failure.
    await this.#loop?.catch(() => undefined);
  }

  /** A copy of the latest frame (the worker reuses its own memory for the frames after it). */
  latestFrame(): Buffer | null {
    return this.#lastFrame === null ? null : Buffer.from(this.#lastFrame);
  }

  /** Hands a frame no longer referenced back for the next one, when its memory is this worker's. */
  #recycle(frame: Buffer | null): void {
    if (frame !== null && frame.byteOffset === 0 && this.#owned.has(frame.buffer)) this.#spare = frame;
  }

  status(): CameraStatus {
    const now = this.#now();
    const connected = this.#state === 'running' || this.#state === 'degraded';
    const rates = connected ? this.#window.rates(now) : { fps: 0, bytesPerSecond: 0 };
    return {
      cameraId: this.source.id,
      state: this.#state,
      since: new Date(this.#since).toISOString(),
      fps: rates === null ? null : Math.round(rates.fps * 100) / 100,
      bytesPerSecond: rates === null ? null : Math.round(rates.bytesPerSecond),
      lastFrameAt: this.#lastFrameAt === null ? null : new Date(this.#lastFrameAt).toISOString(),
      reconnects: this.#reconnects,
      lastError: this.#lastError,
      frameWidth: this.#size?.width ?? null,
      frameHeight: this.#size?.height ?? null,
    };
  }

  /** Called by the supervisor's watchdog: ends a connection that brought no new frame for too long. */
  checkStall(): void {
    if (this.#connection === null || this.#lastProgressAt === null) return;
    const now = this.#now();
    const quiet = now - this.#lastProgressAt;
    if (quiet >= this.settings.stallTimeoutMs) {
      const kind = this.#sawRepeat ? 'FROZEN' : 'STALLED';
      // Measured from the last new frame (or the connection, when none came at all).
      this.hooks.onStall(this.source.id, kind, quiet);
      this.#connection.abort(
        new IngestFailure(kind, kind === 'FROZEN' ? `the same frame for ${quiet} ms` : `no frame for ${quiet} ms while connected`),
      );
      return;
    }
    if (this.#state === 'running' || this.#state === 'degraded') this.#setState(this.#rateState(now));
  }

  #setState(state: CameraState, error: CameraError | null = null): void {
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    this.#since = this.#now();
    this.hooks.onState(this.source.id, state, previous, error);
  }

  #rateState(now: number): CameraState {
    // Judge the rate only once a window's worth of time has passed on this connection.
    if (now - this.#connectedAt < this.settings.fpsWindowMs) return 'running';
    const fps = this.#window.rates(now)?.fps ?? 0;
    return fps < this.source.expectedFps * 0.5 ? 'degraded' : 'running';
  }

  async #run(): Promise<void> {
    const stopping = this.#stopping.signal;
    let failures = 0;
    this.#setState('starting');
    while (!stopping.aborted) {
      try {
        await this.hooks.gate.acquire(stopping);
      } catch {
        break;
      }
      if (stopping.aborted) break;
      const connection = new AbortController();
      this.#connection = connection;
      let failure: IngestFailure;
      const framesBefore = this.#lastFrameAt;
      try {
        await this.#ingestOnce(connection.signal);
        // Ending because the watchdog cut it (stall, frozen) is that failure, not the camera's close.
        failure =
          connection.signal.reason instanceof IngestFailure
            ? connection.signal.reason
            : new IngestFailure('STREAM_ENDED', 'the camera ended the stream');
      } catch (error) {
        failure =
          connection.signal.reason instanceof IngestFailure
            ? connection.signal.reason
            : error instanceof IngestFailure
              ? error
              : new IngestFailure('CONNECTION_FAILED', error instanceof Error ? error.message : String(error));
      } finally {
        this.#connection = null;
        this.#lastProgressAt = null;
        this.#window.clear();
      }
      if (stopping.aborted) break;
      // A connection that brought frames was a success: the backoff starts over.
      failures = this.#lastFrameAt !== framesBefore ? 1 : failures + 1;
      this.#reconnects += 1;
      this.hooks.onReconnect(this.source.id);
      this.#lastError = { code: failure.code, message: failure.message, at: new Date(this.#now()).toISOString() };
      this.#setState(failure.persistent ? 'error' : 'reconnecting', this.#lastError);
      await sleep(backoffDelay(failures - 1, this.settings.backoff, this.hooks.random), stopping);
    }
    this.#setState('stopped');
  }

  #connected(): void {
    this.#connectedAt = this.#now();
    this.#lastProgressAt = this.#connectedAt;
    this.#sawRepeat = false;
  }

  #frame(frame: Buffer): void {
    const now = this.#now();
    if (this.#lastFrame !== null && frame.equals(this.#lastFrame)) {
      this.#sawRepeat = true;
      this.#recycle(frame);
      return;
    }
    this.#sawRepeat = false;
    this.#recycle(this.#lastFrame);
    this.#lastFrame = frame;
    this.#lastFrameAt = now;
    this.#lastProgressAt = now;
    this.#window.add(now, frame.length);
    this.#size = jpegSize(frame) ?? this.#size;
    this.hooks.onFrame(this.source.id, frame.length);
    this.#setState(this.#rateState(now));
  }

  #ingestOnce(signal: AbortSignal): Promise<void> {
    switch (this.source.sourceType) {
      case 'mjpeg':
        return this.#mjpeg(signal);
      case 'snapshot':
        return this.#snapshots(signal);
      case 'rtsp':
        return this.#rtsp(signal);
    }
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'multipart/x-mixed-replace, image/jpeg', 'user-agent': 'vigil-ingest' };
    const { credentials } = this.source;
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    return headers;
  }

  /** The failure a camera's HTTP status means (401/403/404 are not worth retrying soon). */
  #refusal(status: number, text: string | undefined): IngestFailure {
    const persistent = status === 401 || status === 403 || status === 404;
    return new IngestFailure(`HTTP_${status}`, `the camera answered ${status} ${text ?? ''}`.trim(), persistent);
  }

  #request(signal: AbortSignal): Promise<http.IncomingMessage> {
    const url = new URL(this.source.sourceUrl);
    const client = url.protocol === 'https:' ? https : http;
    const headers = this.#headers();
    return new Promise((resolve, reject) => {
      const request = client.get(url, { headers, signal, timeout: this.settings.connectTimeoutMs }, (response) => {
        request.setTimeout(0);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(response);
        response.resume();
        reject(this.#refusal(status, response.statusMessage));
      });
      request.on('timeout', () =>
        request.destroy(new IngestFailure('CONNECT_TIMEOUT', `no answer within ${this.settings.connectTimeoutMs} ms`)),
      );
      request.on('error', (error) =>
        reject(
          error instanceof IngestFailure
            ? error
            : new IngestFailure((error as NodeJS.ErrnoException).code ?? 'CONNECTION_FAILED', error.message),
        ),
      );
    });
  }

  /** The parser for a stream of this content type, or the failure of one that is not MJPEG. */
  #mjpegParser(contentType: string): MjpegParser {
    if (!contentType.startsWith('multipart/')) {
      throw new IngestFailure('NOT_MJPEG', `expected a multipart MJPEG stream, got "${contentType}"; is it a snapshot URL?`, true);
    }
    const boundary = boundaryOf(contentType);
    return new MjpegParser({ ...(boundary ? { boundary } : {}), maxFrameBytes: this.settings.maxFrameBytes, allocate: this.#allocate });
  }

  /**
   * An http:// MJPEG stream, read on a raw socket into a buffer shared by all streams (http-stream.ts):
   * no allocation per read. The parser copies each frame out of it.
   */
  async #mjpeg(signal: AbortSignal): Promise<void> {
    const url = new URL(this.source.sourceUrl);
    if (url.protocol !== 'http:') return this.#mjpegThroughNode(signal);
    let parser: MjpegParser | undefined;
    try {
      await streamGet({
        url,
        headers: this.#headers(),
        signal,
        timeoutMs: this.settings.connectTimeoutMs,
        onResponse: (response) => {
          if (response.status < 200 || response.status >= 300) throw this.#refusal(response.status, response.statusText);
          parser = this.#mjpegParser(response.headers['content-type'] ?? '');
          this.#connected();
        },
        onBody: (bytes) => {
          this.hooks.onBytes(this.source.id, bytes.length);
          for (const frame of parser!.push(bytes)) this.#frame(frame);
        },
      });
    } catch (error) {
      if (error instanceof MjpegError) throw new IngestFailure('BAD_STREAM', error.message);
      if (error instanceof HttpStreamError) throw new IngestFailure(error.code, error.message);
      throw error;
    }
  }

  /** An https:// MJPEG stream, through node:https. */
  async #mjpegThroughNode(signal: AbortSignal): Promise<void> {
    const response = await this.#request(signal);
    let parser: MjpegParser;
    try {
      parser = this.#mjpegParser(response.headers['content-type'] ?? '');
    } catch (error) {
      response.destroy();
      throw error;
    }
    this.#connected();
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        this.hooks.onBytes(this.source.id, chunk.length);
        try {
          for (const frame of parser.push(chunk)) this.#frame(frame);
        } catch (error) {
          response.destroy();
          reject(new IngestFailure('BAD_STREAM', error instanceof Error ? error.message : String(error)));
        }
      });
      response.on('end', resolve);
      response.on('close', resolve);
      response.on('error', (error) => reject(error));
    });
  }

  async #snapshots(signal: AbortSignal): Promise<void> {
    const intervalMs = 1000 / this.source.expectedFps;
    let first = true;
    while (!signal.aborted) {
      const started = this.#now();
      const response = await this.#request(signal);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.settings.maxFrameBytes) {
          response.destroy();
          throw new IngestFailure('FRAME_TOO_LARGE', `a snapshot larger than ${this.settings.maxFrameBytes} bytes`);
        }
        chunks.push(chunk);
      }
      const frame = Buffer.concat(chunks);
      this.hooks.onBytes(this.source.id, frame.length);
      if (frame.length < 4 || frame[0] !== 0xff || frame[1] !== 0xd8)
        throw new IngestFailure('NOT_JPEG', 'the snapshot is not a JPEG image');
      if (first) {
        this.#connected();
        first = false;
      }
      this.#frame(frame);
      await sleep(Math.max(0, intervalMs - (this.#now() - started)), signal);
    }
  }

  #rtsp(signal: AbortSignal): Promise<void> {
    const url = rtspUrl(this.source);
    // The URL, with its credentials, goes through ffmpeg's stdin, never its command line (ffmpeg.ts).
    const script = ffconcatScript(url);
    return new Promise<void>((resolve, reject) => {
      const child = spawn(this.settings.ffmpegPath, ffmpegArgs(this.source.expectedFps), { stdio: ['pipe', 'pipe', 'pipe'], signal });
      // An ffmpeg that is gone before reading it (not installed, killed) says why through 'error' or 'close'.
      child.stdin.on('error', () => undefined);
      child.stdin.end(script);
      const parser = new MjpegParser({ maxFrameBytes: this.settings.maxFrameBytes, allocate: this.#allocate });
      let stderr = '';
      let connected = false;
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          reject(
            new IngestFailure(
              'FFMPEG_NOT_AVAILABLE',
              `ffmpeg was not found at "${this.settings.ffmpegPath}"; install it (Debian: apt-get install ffmpeg) or set VIGIL_FFMPEG_PATH`,
              true,
            ),
          );
        } else reject(error);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-2000);
      });
      child.stdout.on('data', (chunk: Buffer) => {
        if (!connected) {
          this.#connected();
          connected = true;
        }
        this.hooks.onBytes(this.source.id, chunk.length);
        try {
          for (const frame of parser.push(chunk)) this.#frame(frame);
        } catch (error) {
          child.kill('SIGKILL');
          reject(new IngestFailure('BAD_STREAM', error instanceof Error ? error.message : String(error)));
        }
      });
      child.on('close', (code) => {
        if (code === 0 || signal.aborted) resolve();
        // ffmpeg's own words, without the URL it was given (it may hold credentials).
        else reject(new IngestFailure('FFMPEG_EXITED', `ffmpeg exited with ${code}: ${ffmpegError(stderr, url)}`));
      });
    });
  }
}
