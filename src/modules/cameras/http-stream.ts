// A minimal HTTP/1.1 client for long camera streams: one GET on a raw TCP socket whose reads land in
// one buffer shared by every stream of the process (net's `onread`), so a read allocates nothing.
//
// Why: node:http allocates a buffer for every read. At thousands of MJPEG streams that churn is what
// the process spends its time on: V8 runs a full mark-compact several times a second for "external
// memory pressure" (measured with --trace-gc and perf; see docs/cameras.md).
//
// The body reaches `onBody` as a range of the shared buffer that is valid only during the call: keep
// nothing from it without copying (the MJPEG parser copies what it keeps). No object is made per
// read: the range is passed as offsets, down to the parser. Handles a body delimited
// by Content-Length, by chunked transfer coding, or by the connection closing. Plain http:// only;
// https:// streams go through node:https.
import net from 'node:net';

const SHARED = Buffer.allocUnsafe(64 * 1024);
const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE_BYTES = 1024;

export class HttpStreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpStreamError';
  }
}

export interface StreamResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface StreamOptions {
  url: URL;
  /** The address to connect to, already resolved and checked; the URL's host stays in the Host header. Default: the URL's host. */
  address?: string;
  headers: Record<string, string>;
  signal: AbortSignal;
  /** How long the camera may take to connect and send its response head. */
  timeoutMs: number;
  /** The response head; throw to end the stream with that error (a refusal, the wrong type). */
  onResponse(response: StreamResponse): void;
  /** Body bytes: `bytes[start, end)`, valid only during the call (the buffer is shared); throw to end the stream with that error. */
  onBody(bytes: Buffer, start: number, end: number): void;
}

type BodyMode = { kind: 'close' } | { kind: 'length'; left: number } | { kind: 'chunked' };
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

/** Parses a response head (status line and headers, without the blank line). */
export function parseHead(text: string): StreamResponse {
  const lines = text.split(/\r?\n/);
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!status) throw new HttpStreamError('BAD_RESPONSE', `not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HttpStreamError('BAD_RESPONSE', `not a header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(status[1]), statusText: status[2] ?? '', headers };
}

function bodyMode(response: StreamResponse): BodyMode {
  if (response.status === 204 || response.status === 304) return { kind: 'length', left: 0 };
  const coding = response.headers['transfer-encoding'];
  if (coding !== undefined && /(^|,)\s*chunked\s*$/i.test(coding)) return { kind: 'chunked' };
  const length = response.headers['content-length'];
  if (length !== undefined) {
    if (!/^\d{1,15}$/.test(length)) throw new HttpStreamError('BAD_RESPONSE', `bad Content-Length ${JSON.stringify(length)}`);
    return { kind: 'length', left: Number(length) };
  }
  return { kind: 'close' };
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i += 1) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i += 1) HEX[0x41 + i] = HEX[0x61 + i] = 10 + i;
const isLineSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0b || byte === 0x0c;

/**
 * Reads the response after the head: hands body bytes to `onBody`, undoing the chunked coding, and
 * says when the body is complete. Separate from the socket so that it can be tested on any splits.
 * The chunk size lines are read byte by byte, without making strings (a camera's stream is chunked
 * when its server does not know the length of what it writes: several chunks per frame).
 */
export class BodyReader {
  private chunk: ChunkState = 'size';
  private left = 0;
  /** The size line: hex digits read, then 1 after them (spaces, an extension), bytes so far. */
  private digits = 0;
  private afterDigits = false;
  private extension = false;
  private invalid = false;
  private lineBytes = 0;
  /** The line break after a chunk's data: its CR was seen. */
  private sawCr = false;
  private line = '';
  private done = false;

  constructor(
    private readonly mode: BodyMode,
    /** Body bytes: `bytes[start, end)`, valid only during the call. */
    private readonly onBody: (bytes: Buffer, start: number, end: number) => void,
  ) {
    if (mode.kind === 'length') this.done = mode.left === 0;
  }

  get complete(): boolean {
    return this.done;
  }

  /** Consumes `bytes[start, end)`; true once the body is complete (what follows it is ignored). */
  push(bytes: Buffer, start = 0, end = bytes.length): boolean {
    const mode = this.mode;
    if (this.done || end <= start) return this.done;
    if (mode.kind === 'close') {
      this.onBody(bytes, start, end);
      return false;
    }
    if (mode.kind === 'length') {
      const n = Math.min(end - start, mode.left);
      mode.left -= n;
      this.done = mode.left === 0;
      this.onBody(bytes, start, start + n);
      return this.done;
    }
    let at = start;
    while (at < end && !this.done) {
      switch (this.chunk) {
        case 'data': {
          const n = Math.min(end - at, this.left);
          this.onBody(bytes, at, at + n);
          at += n;
          this.left -= n;
          if (this.left === 0) {
            this.chunk = 'data-end';
            this.sawCr = false;
          }
          break;
        }
        case 'data-end': {
          const byte = bytes[at++]!;
          if (byte === 0x0a) this.chunk = 'size';
          else if (byte === 0x0d && !this.sawCr) this.sawCr = true;
          else throw new HttpStreamError('BAD_RESPONSE', 'no line break after a chunk');
          break;
        }
        case 'size':
          at = this.sizeLine(bytes, at, end);
          break;
        case 'trailer': {
          // Read line by line, as text: once per stream.
          const lf = bytes.indexOf(0x0a, at);
          const stop = lf < 0 || lf >= end ? end : lf;
          this.line += bytes.toString('latin1', at, stop);
          at = stop === end ? end : stop + 1;
          if (this.line.length > MAX_CHUNK_LINE_BYTES) throw new HttpStreamError('BAD_RESPONSE', 'a chunk line is too long');
          if (stop === end) break;
          if (this.line.replace(/\r$/, '') === '') this.done = true; // the blank line that ends the trailer
          this.line = '';
          break;
        }
      }
    }
    return this.done;
  }

  /** Reads the size line from `at` (1-12 hex digits, spaces, an optional `;extension`); the offset reached. */
  private sizeLine(bytes: Buffer, at: number, end: number): number {
    const from = at;
    while (at < end) {
      const byte = bytes[at]!;
      at += 1;
      if (byte === 0x0a) {
        this.lineBytes += at - from;
        if (this.lineBytes > MAX_CHUNK_LINE_BYTES + 1) throw new HttpStreamError('BAD_RESPONSE', 'a chunk line is too long');
        if (this.invalid || this.digits === 0) throw this.badSize(bytes, from, at - 1);
        this.chunk = this.left === 0 ? 'trailer' : 'data';
        this.digits = 0;
        this.lineBytes = 0;
        this.afterDigits = this.extension = false;
        return at;
      }
      // Past an extension or an error, only the line's end matters (an error is told there, as a too long line first).
      if (this.extension || this.invalid) continue;
      const digit = HEX[byte]!;
      if (digit >= 0 && !this.afterDigits && this.digits < 12) {
        this.digits += 1;
        this.left = this.left * 16 + digit;
      } else if (this.digits > 0 && isLineSpace(byte)) {
        this.afterDigits = true;
      } else if (this.digits > 0 && byte === 0x3b) {
        this.extension = true;
      } else {
        this.invalid = true;
      }
    }
    this.lineBytes += end - from;
    if (this.lineBytes > MAX_CHUNK_LINE_BYTES) throw new HttpStreamError('BAD_RESPONSE', 'a chunk line is too long');
    return end;
  }

  private badSize(bytes: Buffer, from: number, at: number): HttpStreamError {
    return new HttpStreamError('BAD_RESPONSE', `bad chunk size ${JSON.stringify(bytes.toString('latin1', from, Math.min(at, from + 40)))}`);
  }
}

/**
 * GETs `url` and streams its body until it ends, the camera closes the connection, `signal` aborts
 * (resolves) or something fails (rejects with an HttpStreamError, or with what a callback threw).
 */
export function streamGet(options: StreamOptions): Promise<void> {
  const { url, signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return resolve();
    let head: Buffer | null = Buffer.alloc(0);
    let body: BodyReader | undefined;
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error === undefined || signal.aborted) resolve();
      else reject(error instanceof Error ? error : new HttpStreamError('CONNECTION_FAILED', 'the stream failed'));
    };
    const onAbort = () => finish();
    const socket = net.connect({
      host: options.address ?? url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      onread: {
        buffer: SHARED,
        callback: (nread: number) => {
          if (settled) return false;
          try {
            // The read is SHARED[0, nread): handed on as a range, without a Buffer object per read.
            if (head !== null) {
              // The head is small: it is collected in memory of its own until the blank line.
              const seen: Buffer = Buffer.concat([head, SHARED.subarray(0, nread)]);
              const blank = headEnd(seen);
              if (blank === null) {
                if (seen.length > MAX_HEAD_BYTES) throw new HttpStreamError('BAD_RESPONSE', `a response head over ${MAX_HEAD_BYTES} bytes`);
                head = seen;
                return true;
              }
              head = null;
              const response = parseHead(seen.toString('latin1', 0, blank.at));
              socket.setTimeout(0);
              options.onResponse(response);
              body = new BodyReader(bodyMode(response), (bytes, start, end) => options.onBody(bytes, start, end));
              if (body.complete || body.push(seen, blank.after, seen.length)) {
                finish();
                return false;
              }
              return true;
            }
            if (body!.push(SHARED, 0, nread)) {
              finish();
              return false;
            }
          } catch (error) {
            finish(error);
            return false;
          }
          return true;
        },
      },
    });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setNoDelay(true);
    socket.setTimeout(options.timeoutMs, () => finish(new HttpStreamError('CONNECT_TIMEOUT', `no answer within ${options.timeoutMs} ms`)));
    socket.on('connect', () => {
      const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
      for (const [name, value] of Object.entries(options.headers)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(new HttpStreamError(error.code ?? 'CONNECTION_FAILED', error.message)));
    // The camera closing the connection ends the stream (the worker reconnects), mid-body or not.
    socket.on('end', () =>
      finish(head === null ? undefined : new HttpStreamError('CONNECTION_FAILED', 'the camera closed the connection before answering')),
    );
    socket.on('close', () => finish());
  });
}

/** Where the head ends: the index of its blank line and of the first body byte; null when not yet. */
function headEnd(bytes: Buffer): { at: number; after: number } | null {
  const crlf = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  const lf = bytes.indexOf('\n\n', 0, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, after: crlf + 4 };
  if (lf >= 0) return { at: lf, after: lf + 2 };
  return null;
}
