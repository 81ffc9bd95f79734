// A minimal HTTP/1.1 client for long camera streams: one GET on a raw TCP socket whose reads land in
// one buffer shared by every stream of the process (net's `onread`), so a read allocates nothing.
//
// Why: node:http allocates a buffer for every read. At thousands of MJPEG streams that churn is what
// the process spends its time on: V8 runs a full mark-compact several times a second for "external
// memory pressure" (measured with --trace-gc and perf; see docs/cameras.md).
//
// The body reaches `onBody` as a view of the shared buffer that is valid only during the call: keep
// nothing from it without copying (the MJPEG parser copies what it keeps). Handles a body delimited
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
  /** Body bytes, a view valid only during the call; throw to end the stream with that error. */
  onBody(bytes: Buffer): void;
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

/**
 * Reads the response after the head: hands body bytes to `onBody`, undoing the chunked coding, and
 * says when the body is complete. Separate from the socket so that it can be tested on any splits.
 */
export class BodyReader {
  private chunk: ChunkState = 'size';
  private left = 0;
  private line = '';
  private done = false;

  constructor(
    private readonly mode: BodyMode,
    private readonly onBody: (bytes: Buffer) => void,
  ) {
    if (mode.kind === 'length') this.done = mode.left === 0;
  }

  get complete(): boolean {
    return this.done;
  }

  /** Consumes `bytes`; true once the body is complete (what follows it is ignored). */
  push(bytes: Buffer): boolean {
    const mode = this.mode;
    if (this.done || bytes.length === 0) return this.done;
    if (mode.kind === 'close') {
      this.onBody(bytes);
      return false;
    }
    if (mode.kind === 'length') {
      const n = Math.min(bytes.length, mode.left);
      mode.left -= n;
      this.done = mode.left === 0;
      this.onBody(bytes.subarray(0, n));
      return this.done;
    }
    let at = 0;
    while (at < bytes.length && !this.done) {
      if (this.chunk === 'data') {
        const n = Math.min(bytes.length - at, this.left);
        this.onBody(bytes.subarray(at, at + n));
        at += n;
        this.left -= n;
        if (this.left === 0) this.chunk = 'data-end';
        continue;
      }
      // The size line, the line break after a chunk's data, and the trailer are read line by line.
      const lf = bytes.indexOf(0x0a, at);
      const end = lf < 0 ? bytes.length : lf;
      this.line += bytes.toString('latin1', at, end);
      at = lf < 0 ? bytes.length : lf + 1;
      if (this.line.length > MAX_CHUNK_LINE_BYTES) throw new HttpStreamError('BAD_RESPONSE', 'a chunk line is too long');
      if (lf < 0) break;
      const line = this.line.replace(/\r$/, '');
      this.line = '';
      if (this.chunk === 'data-end') {
        if (line !== '') throw new HttpStreamError('BAD_RESPONSE', 'no line break after a chunk');
        this.chunk = 'size';
      } else if (this.chunk === 'size') {
        const size = /^([0-9a-fA-F]{1,12})\s*(;.*)?$/.exec(line);
        if (!size) throw new HttpStreamError('BAD_RESPONSE', `bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
        this.left = Number.parseInt(size[1]!, 16);
        this.chunk = this.left === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.done = true; // the blank line that ends the trailer
      }
    }
    return this.done;
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
        callback: (nread: number, buffer: Uint8Array) => {
          if (settled) return false;
          try {
            let bytes = Buffer.from(buffer.buffer, buffer.byteOffset, nread);
            if (head !== null) {
              // The head is small: it is collected in memory of its own until the blank line.
              const seen: Buffer = Buffer.concat([head, bytes]);
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
              body = new BodyReader(bodyMode(response), (chunk) => options.onBody(chunk));
              bytes = seen.subarray(blank.after);
              if (body.complete) {
                finish();
                return false;
              }
            }
            if (body!.push(bytes)) {
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
