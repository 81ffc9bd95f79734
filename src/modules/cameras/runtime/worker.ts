// One camera's ingest: connect, read frames, watch for stalls, reconnect with backoff.
//
// States: starting (first attempt) → running (new frames at ≥ half the expected rate) or degraded
// (slower) → reconnecting (connection lost, refused, stalled or frozen; waiting out a backoff) or
// error (the camera answered with a refusal that retrying will not fix soon: 401/403/404, no
// ffmpeg; retried all the same, with backoff) → stopped when told to stop.
//
// A frame is "new" only if its bytes differ from the previous frame: a stream that stays connected
// but sends nothing (stall) or the same frame over and over (frozen) gets no new frames, and the
// supervisor's watchdog treats it as down after the camera's stall timeout (stall.ts: scaled with
// its expected fps, and learned from the pace of its frames).
//
// Reconnects back off with full jitter (backoff.ts), capped low for failures that may clear at any
// moment (a source that comes back is picked up within seconds) and high for refusals (error);
// `lastError` is the last failure and keeps, as its `cause`, the failure that began the outage.
// `retryNow` ends a backoff at once (a restart of a camera that is waiting to reconnect).
//
// Before every connection the source's host is resolved and checked against the camera network
// rules (source-guard.ts), and the connection goes to the address that was checked. What a failed
// connection says (`lastError`) is in Vigil's words only (failures.ts).
import { spawn } from 'node:child_process';
import type { LookupFunction } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { streamGet } from '../http-stream.js';
import { jpegSize } from '../jpeg.js';
import { MjpegParser, mjpegParserFor } from '../mjpeg.js';
import type { SourceGuard, SourceTarget } from '../source-guard.js';
import { hostOf } from '../source-guard.js';
import type { SourceType } from '../source.js';
import type { AttemptGate } from './attempt-gate.js';
import { backoffDelay } from './backoff.js';
import type { BackoffSettings } from './backoff.js';
import { IngestFailure, classifyFailure, ffmpegFailure, httpStatusFailure, refusedFailure, unresolvedFailure } from './failures.js';
import { ffconcatScript, ffmpegArgs, rtspUrl } from './ffmpeg.js';
import { FramePool } from './frame-pool.js';
import { RateWindow } from './rate-window.js';
import { StallTimeout } from './stall.js';

export { IngestFailure } from './failures.js';

export type CameraState = 'stopped' | 'starting' | 'running' | 'degraded' | 'reconnecting' | 'error' | 'deactivated';
export const CAMERA_STATES: readonly CameraState[] = ['stopped', 'starting', 'running', 'degraded', 'reconnecting', 'error', 'deactivated'];

export interface CameraSource {
  id: string;
  sourceUrl: string;
  sourceType: SourceType;
  expectedFps: number;
  credentials: { username: string; password: string } | null;
  /**
   * Whether a repeated frame (the same bytes as the one before) is a frozen picture (the default for
   * streams) or a frame like any other (the default for snapshots: a still scene polled).
   */
  frozenDetection?: boolean;
}

/** Frozen detection of a source: its own setting, else on for streams and off for snapshots. */
export const frozenDetectionOf = (source: Pick<CameraSource, 'sourceType' | 'frozenDetection'>): boolean =>
  source.frozenDetection ?? source.sourceType !== 'snapshot';

export interface RuntimeSettings {
  /**
   * The least stall timeout: no new frame for max(this, 5 expected frame intervals, the pace the
   * source showed) while connected, and the stream is down (stalled or frozen); see stall.ts.
   */
  stallTimeoutMs: number;
  backoff: BackoffSettings;
  connectTimeoutMs: number;
  fpsWindowMs: number;
  maxFrameBytes: number;
  ffmpegPath: string;
}

export interface CameraFailure {
  code: string;
  message: string;
  at: string;
}

/** The last failure, with the one that began the outage (the same one, at the outage's first failure). */
export interface CameraError extends CameraFailure {
  cause: CameraFailure;
  /** Failed attempts in a row since frames last came (or since the camera was started). */
  failures: number;
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
  /** Resolves and checks a source's host before every connection. */
  guard: SourceGuard;
  onState(id: string, state: CameraState, previous: CameraState, error: CameraError | null): void;
  onFrame(id: string, bytes: number): void;
  onBytes(id: string, bytes: number): void;
  /** A stall was detected `detectionMs` after the last new frame. */
  onStall(id: string, kind: 'STALLED' | 'FROZEN', detectionMs: number): void;
  onReconnect(id: string): void;
  /** Memory for frames, shared with the other workers (the supervisor's); default: a pool of this worker's own. */
  frames?: FramePool;
  random?: () => number;
  now?: () => number;
}

/** A lookup that answers the address already checked, so that node:http(s) connects there (the URL's host stays in Host and SNI). */
function pinned(target: SourceTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
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

/** A sleep that `wake` ends early; resolves true when woken. */
function wakeableSleep(ms: number, signal: AbortSignal): { done: Promise<boolean>; wake: () => void } {
  let wake = () => undefined as void;
  const done = new Promise<boolean>((resolve) => {
    const finish = (woken: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(woken);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    wake = () => finish(true);
  });
  return { done, wake };
}

export class CameraWorker {
  #state: CameraState = 'stopped';
  #since: number;
  /**
   * The latest new frame, the only one a worker keeps. The parser writes frames into memory from
   * the frame pool (frame-pool.ts); the frame the next one replaces, or a repeat that is dropped,
   * goes back to it (`#lastFramePooled`: snapshots are not the pool's). `latestFrame` answers a
   * copy, since pooled memory is reused.
   */
  #lastFrame: Buffer | null = null;
  #lastFramePooled = false;
  readonly #pool: FramePool;
  readonly #allocate = (size: number): Buffer => this.#pool.take(size);
  /** Where the parser hands the frames of a stream (one function per worker, not one per read). */
  readonly #onStreamFrame = (frame: Buffer): void => this.#frame(frame, true);
  #lastFrameAt: number | null = null;
  /** When the current connection was made, or the last new frame came: the stall clock. */
  #lastProgressAt: number | null = null;
  #connectedAt = 0;
  #sawRepeat = false;
  #stall: StallTimeout;
  #reconnects = 0;
  #lastError: CameraError | null = null;
  /** Ends the backoff under way, if any. */
  #wake: (() => void) | null = null;
  #size: { width: number; height: number } | null = null;
  #window: RateWindow;
  #stopping = new AbortController();
  #connection: AbortController | null = null;
  #loop: Promise<void> | null = null;
  readonly #now: () => number;
  readonly #frozenDetection: boolean;

  constructor(
    readonly source: CameraSource,
    private readonly settings: RuntimeSettings,
    private readonly hooks: WorkerHooks,
  ) {
    this.#now = hooks.now ?? Date.now;
    this.#pool = hooks.frames ?? new FramePool(2);
    this.#frozenDetection = frozenDetectionOf(source);
    this.#since = this.#now();
    this.#window = new RateWindow(settings.fpsWindowMs);
    this.#stall = new StallTimeout(source.expectedFps, settings.stallTimeoutMs);
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

  /**
   * Ends the backoff the worker is waiting out, so that it tries to connect now (through the attempt
   * gate like any attempt); false when it is not waiting (connecting, connected or stopped).
   */
  retryNow(): boolean {
    if (this.#wake === null) return false;
    this.#wake();
    return true;
  }

  /** The stall timeout of this camera now (ms). */
  stallTimeoutMs(): number {
    return this.#stall.timeoutMs();
  }

  /** A copy of the latest frame (the worker reuses its own memory for the frames after it). */
  latestFrame(): Buffer | null {
    return this.#lastFrame === null ? null : Buffer.from(this.#lastFrame);
  }

  status(): CameraStatus {
    const now = this.#now();
    const connected = this.#state === 'running' || this.#state === 'degraded';
    const rates = connected ? this.#window.rates(now) : { fps: 0, bytesPerSecond: 0 };
    // Read from the latest frame when asked, not from every frame (the last one readable, if it is not).
    const size = (this.#size = (this.#lastFrame === null ? undefined : jpegSize(this.#lastFrame)) ?? this.#size);
    return {
      cameraId: this.source.id,
      state: this.#state,
      since: new Date(this.#since).toISOString(),
      fps: rates === null ? null : Math.round(rates.fps * 100) / 100,
      bytesPerSecond: rates === null ? null : Math.round(rates.bytesPerSecond),
      lastFrameAt: this.#lastFrameAt === null ? null : new Date(this.#lastFrameAt).toISOString(),
      reconnects: this.#reconnects,
      lastError: this.#lastError,
      frameWidth: size?.width ?? null,
      frameHeight: size?.height ?? null,
    };
  }

  /**
   * Called by the supervisor's watchdog: updates running/degraded (when `judgeRate`: once a second is
   * enough, and a frame does not judge it), and answers whether the connection
   * brought no new frame for the stall timeout. The watchdog then calls `cutIfStalled` once the
   * event loop has read what was waiting (a late loop must not cut a frame that had arrived).
   * `now`: the time of this tick, read once for every worker (the same clock as the worker's).
   */
  checkStall(judgeRate = true, now = this.#now()): boolean {
    if (this.#connection === null || this.#lastProgressAt === null) return false;
    if (now - this.#lastProgressAt >= this.#stall.timeoutMs()) return true;
    if (judgeRate && (this.#state === 'running' || this.#state === 'degraded')) this.#setState(this.#rateState(now));
    return false;
  }

  /** Ends a connection that brought no new frame for the stall timeout (still, after the reads that were waiting). */
  cutIfStalled(): void {
    const connection = this.#connection;
    if (connection === null || this.#lastProgressAt === null) return;
    const quiet = this.#now() - this.#lastProgressAt;
    const timeoutMs = this.#stall.timeoutMs();
    if (quiet < timeoutMs) return;
    const kind = this.#sawRepeat ? 'FROZEN' : 'STALLED';
    this.#stall.cut();
    // Measured from the last new frame (or the connection, when none came at all).
    this.hooks.onStall(this.source.id, kind, quiet);
    connection.abort(
      new IngestFailure(
        kind,
        kind === 'FROZEN'
          ? `the same frame for ${quiet} ms (stall timeout ${timeoutMs} ms)`
          : `no frame for ${quiet} ms while connected (stall timeout ${timeoutMs} ms)`,
      ),
    );
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
        failure = connection.signal.reason instanceof IngestFailure ? connection.signal.reason : classifyFailure(error);
      } finally {
        this.#connection = null;
        this.#lastProgressAt = null;
        this.#window.clear();
      }
      if (stopping.aborted) break;
      // A connection that brought frames was a success: the backoff starts over, and this failure
      // begins a new outage (as does the first failure since the start).
      failures = this.#lastFrameAt !== framesBefore ? 1 : failures + 1;
      this.#reconnects += 1;
      this.hooks.onReconnect(this.source.id);
      const last: CameraFailure = { code: failure.code, message: failure.message, at: new Date(this.#now()).toISOString() };
      const cause = failures === 1 || this.#lastError === null ? last : this.#lastError.cause;
      this.#lastError = { ...last, cause, failures };
      this.#setState(failure.persistent ? 'error' : 'reconnecting', this.#lastError);
      const backoff = wakeableSleep(backoffDelay(failures - 1, this.settings.backoff, this.hooks.random, failure.persistent), stopping);
      this.#wake = backoff.wake;
      await backoff.done;
      this.#wake = null;
    }
    this.#setState('stopped');
  }

  #connected(): void {
    this.#connectedAt = this.#now();
    this.#lastProgressAt = this.#connectedAt;
    this.#sawRepeat = false;
    this.#stall.connected();
  }

  /** A frame from the source; `pooled`: its memory is the frame pool's (a stream's, not a snapshot's). */
  #frame(frame: Buffer, pooled: boolean): void {
    const now = this.#now();
    // Buffer.equals compares the lengths first: a new frame almost always differs in length.
    if (this.#frozenDetection && this.#lastFrame !== null && frame.equals(this.#lastFrame)) {
      this.#sawRepeat = true;
      if (pooled) this.#pool.give(frame);
      return;
    }
    this.#sawRepeat = false;
    if (this.#lastFrame !== null && this.#lastFramePooled) this.#pool.give(this.#lastFrame);
    this.#lastFrame = frame;
    this.#lastFramePooled = pooled;
    this.#lastFrameAt = now;
    this.#lastProgressAt = now;
    this.#stall.frame(now);
    this.#window.add(now, frame.length);
    this.hooks.onFrame(this.source.id, frame.length);
    // The first new frame of a connection makes the camera run; from then on the watchdog judges the rate.
    if (this.#state !== 'running' && this.#state !== 'degraded') this.#setState(this.#rateState(now));
  }

  async #ingestOnce(signal: AbortSignal): Promise<void> {
    const target = await this.#target();
    switch (this.source.sourceType) {
      case 'mjpeg':
        return this.#mjpeg(signal, target);
      case 'snapshot':
        return this.#snapshots(signal, target);
      case 'rtsp':
        return this.#rtsp(signal, target);
    }
  }

  /** The source's host resolved and checked against the network rules: the address to connect to. */
  async #target(): Promise<SourceTarget> {
    const url = new URL(this.source.sourceUrl);
    const result = await this.hooks.guard.target(url);
    if (result.kind === 'refused') throw refusedFailure(result.refusal);
    if (result.kind === 'unresolved') throw unresolvedFailure(hostOf(url));
    return result.target;
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'multipart/x-mixed-replace, image/jpeg', 'user-agent': 'vigil-ingest' };
    const { credentials } = this.source;
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    return headers;
  }

  /** A GET through node:http(s) to the checked address; redirects are not followed (a 3xx is a failure). */
  #request(signal: AbortSignal, target: SourceTarget): Promise<http.IncomingMessage> {
    const url = new URL(this.source.sourceUrl);
    const client = url.protocol === 'https:' ? https : http;
    const headers = this.#headers();
    return new Promise((resolve, reject) => {
      const options = { headers, signal, timeout: this.settings.connectTimeoutMs, lookup: pinned(target) };
      const request = client.get(url, options, (response) => {
        request.setTimeout(0);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(response);
        response.resume();
        reject(httpStatusFailure(status));
      });
      request.on('timeout', () =>
        request.destroy(new IngestFailure('CONNECT_TIMEOUT', `no answer within ${this.settings.connectTimeoutMs} ms`)),
      );
      request.on('error', (error) => reject(classifyFailure(error)));
    });
  }

  /** The parser for an answer with these headers (by its type, else by its body: mjpeg.ts), or the failure of one that is not MJPEG. */
  #mjpegParser(headers: { 'content-type'?: string | undefined; 'content-length'?: string | undefined }): MjpegParser {
    return mjpegParserFor(headers, { maxFrameBytes: this.settings.maxFrameBytes, allocate: this.#allocate });
  }

  /**
   * An http:// MJPEG stream, read on a raw socket into a buffer shared by all streams (http-stream.ts):
   * no allocation per read. The parser reads each read where it lies and copies a frame's bytes
   * once, into the frame's memory.
   */
  async #mjpeg(signal: AbortSignal, target: SourceTarget): Promise<void> {
    const url = new URL(this.source.sourceUrl);
    if (url.protocol !== 'http:') return this.#mjpegThroughNode(signal, target);
    let parser: MjpegParser | undefined;
    try {
      await streamGet({
        url,
        address: target.address,
        headers: this.#headers(),
        signal,
        timeoutMs: this.settings.connectTimeoutMs,
        onResponse: (response) => {
          if (response.status < 200 || response.status >= 300) throw httpStatusFailure(response.status);
          parser = this.#mjpegParser(response.headers);
          this.#connected();
        },
        onBody: (bytes, start, end) => {
          this.hooks.onBytes(this.source.id, end - start);
          parser!.write(bytes, start, end, this.#onStreamFrame);
        },
      });
      if (!signal.aborted) parser?.finish();
    } catch (error) {
      throw classifyFailure(error);
    }
  }

  /** An https:// MJPEG stream, through node:https. */
  async #mjpegThroughNode(signal: AbortSignal, target: SourceTarget): Promise<void> {
    const response = await this.#request(signal, target);
    let parser: MjpegParser;
    try {
      parser = this.#mjpegParser(response.headers);
    } catch (error) {
      response.destroy();
      throw error;
    }
    this.#connected();
    await new Promise<void>((resolve, reject) => {
      response.on('data', (chunk: Buffer) => {
        this.hooks.onBytes(this.source.id, chunk.length);
        try {
          parser.write(chunk, 0, chunk.length, this.#onStreamFrame);
        } catch (error) {
          response.destroy();
          reject(classifyFailure(error));
        }
      });
      const ended = () => {
        try {
          if (!signal.aborted) parser.finish();
          resolve();
        } catch (error) {
          reject(classifyFailure(error));
        }
      };
      response.on('end', ended);
      response.on('close', ended);
      response.on('error', (error) => reject(error));
    });
  }

  /** Snapshots polled at the expected rate, every request to the address checked when this connection began. */
  async #snapshots(signal: AbortSignal, target: SourceTarget): Promise<void> {
    const intervalMs = 1000 / this.source.expectedFps;
    let first = true;
    while (!signal.aborted) {
      const started = this.#now();
      const response = await this.#request(signal, target);
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
      this.#frame(frame, false);
      await sleep(Math.max(0, intervalMs - (this.#now() - started)), signal);
    }
  }

  /**
   * RTSP through ffmpeg, given the checked address in place of the host name (RTSP has no Host
   * header; the URL's path is unchanged). What ffmpeg itself connects to later (an RTSP redirect it
   * follows) is beyond this check: see docs/cameras.md. The URL, with its credentials, goes through
   * ffmpeg's stdin, never its command line (ffmpeg.ts).
   */
  #rtsp(signal: AbortSignal, target: SourceTarget): Promise<void> {
    const checked = new URL(this.source.sourceUrl);
    checked.hostname = target.family === 6 ? `[${target.address}]` : target.address;
    const script = ffconcatScript(rtspUrl({ sourceUrl: checked.toString(), credentials: this.source.credentials }));
    return new Promise<void>((resolve, reject) => {
      const child = spawn(this.settings.ffmpegPath, ffmpegArgs(this.source.expectedFps), { stdio: ['pipe', 'pipe', 'pipe'], signal });
      // An ffmpeg that is gone before reading it (not installed, killed) says why through 'error' or 'close'.
      child.stdin.on('error', () => undefined);
      child.stdin.end(script);
      const parser = new MjpegParser({ maxFrameBytes: this.settings.maxFrameBytes, allocate: this.#allocate });
      let stderr = '';
      let connected = false;
      // A server that accepts and then says nothing would leave ffmpeg waiting for ever: the stall
      // watchdog only runs once video flows. RTSP needs a few round trips and a key frame, so twice
      // the connect timeout.
      const firstVideoMs = 2 * this.settings.connectTimeoutMs;
      const noVideo = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new IngestFailure('CONNECT_TIMEOUT', `no video from the RTSP source within ${firstVideoMs} ms`));
      }, firstVideoMs);
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
          clearTimeout(noVideo);
          this.#connected();
          connected = true;
        }
        this.hooks.onBytes(this.source.id, chunk.length);
        try {
          parser.write(chunk, 0, chunk.length, this.#onStreamFrame);
        } catch (error) {
          child.kill('SIGKILL');
          reject(classifyFailure(error));
        }
      });
      child.on('close', (code) => {
        clearTimeout(noVideo);
        if (code === 0 || signal.aborted) resolve();
        // Classified from ffmpeg's output, never quoted: it repeats what the server said, and the URL.
        else reject(ffmpegFailure(code, stderr));
      });
    });
  }
}
