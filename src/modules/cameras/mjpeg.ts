// A streaming parser for MJPEG over HTTP (multipart/x-mixed-replace): bytes in, whole JPEG frames out.
// Cameras differ: some send Content-Length per part, some do not; some end lines with bare LF; some
// advertise `boundary=--foo` and write `----foo`, others write `--foo`. The parser accepts all of
// these, and also a bare sequence of JPEGs with no multipart framing at all.

const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
// Bytes tolerated before a boundary is found; a camera pads between parts with a line break or two.
const MAX_GAP_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BOUNDARY_LINE_BYTES = 1024;

const CR = 0x0d;
const LF = 0x0a;

export type MjpegErrorReason = 'not-mjpeg' | 'frame-too-large' | 'bad-part' | 'not-jpeg';

export class MjpegError extends Error {
  constructor(
    readonly reason: MjpegErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'MjpegError';
  }
}

/** The multipart boundary of a Content-Type, without the leading `--` some cameras put in it. */
export function boundaryOf(contentType: string): string | undefined {
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (!mediaType.startsWith('multipart/') || semicolon < 0) return undefined;
  const match = /(?:^|;)\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(contentType.slice(semicolon));
  if (!match) return undefined;
  const raw = match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? '');
  const boundary = raw.trim().replace(/^--/, '');
  return boundary === '' ? undefined : boundary;
}

function isSpace(byte: number | undefined): boolean {
  return byte === CR || byte === LF || byte === 0x20 || byte === 0x09;
}

const NEED_MORE = -1;
const CORRUPT = -2;

/** Where a JPEG ends, found by walking its segments, so that an EOI inside a comment or a thumbnail is not taken for the end. */
interface JpegWalk {
  /** Offset from the start of the frame of the next byte to look at. */
  pos: number;
  /** Inside entropy-coded data (after SOS), where only 0xFF followed by a marker matters. */
  entropy: boolean;
}

/** Returns the offset just past the EOI, NEED_MORE, or CORRUPT. `view` holds the frame's bytes so far. */
function walkJpeg(view: Buffer, walk: JpegWalk): number {
  for (;;) {
    if (walk.pos === 0) {
      if (view.length < 2) return NEED_MORE;
      if (view[0] !== 0xff || view[1] !== 0xd8) return CORRUPT;
      walk.pos = 2;
      continue;
    }
    if (!walk.entropy) {
      if (walk.pos + 2 > view.length) return NEED_MORE;
      if (view[walk.pos] !== 0xff) return CORRUPT;
      const marker = view[walk.pos + 1]!;
      if (marker === 0xff) {
        walk.pos += 1;
      } else if (marker === 0xd9) {
        return walk.pos + 2;
      } else if (marker === 0xd8 || marker === 0x00) {
        return CORRUPT;
      } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        walk.pos += 2;
      } else {
        if (walk.pos + 4 > view.length) return NEED_MORE;
        const length = view.readUInt16BE(walk.pos + 2);
        if (length < 2) return CORRUPT;
        walk.pos += 2 + length;
        if (marker === 0xda) walk.entropy = true;
      }
      continue;
    }
    const ff = view.indexOf(0xff, walk.pos);
    if (ff < 0) {
      walk.pos = view.length;
      return NEED_MORE;
    }
    if (ff + 1 >= view.length) {
      walk.pos = ff;
      return NEED_MORE;
    }
    const marker = view[ff + 1]!;
    if (marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      walk.pos = ff + 2; // stuffed byte or restart marker: still entropy data
    } else if (marker === 0xff) {
      walk.pos = ff + 1;
    } else if (marker === 0xd9) {
      return ff + 2;
    } else if (marker === 0xd8) {
      return CORRUPT; // a new image began: this one was cut short
    } else {
      walk.pos = ff; // a segment between scans (progressive JPEG): back to segments
      walk.entropy = false;
    }
  }
}

type State =
  | 'start' // nothing seen yet and no boundary given: learn it from the first line, or find bare JPEGs
  | 'boundary' // looking for the next `--boundary` line
  | 'headers' // reading a part's headers
  | 'body-length' // copying a body of known length
  | 'body-scan' // walking a JPEG of unknown length
  | 'raw' // between bare JPEGs (no multipart framing)
  | 'done' // after the closing `--boundary--`
  | 'failed';

export interface MjpegParserOptions {
  /** The boundary from the response's Content-Type (see boundaryOf); learnt from the first line when absent. */
  boundary?: string;
  /** A larger frame is an error, not a reason to buffer without bound. Default 8 MiB. */
  maxFrameBytes?: number;
  /** Memory for a frame of `size` bytes (a caller may hand back a buffer it no longer needs). Default: a new one. */
  allocate?: (size: number) => Buffer;
}

/**
 * Feed it the response body chunk by chunk; each push returns the frames completed by that chunk.
 * A frame is returned as soon as its last byte arrives, not when the next boundary does. After it
 * throws an MjpegError the parser keeps throwing it: make a new one for a new connection.
 *
 * Frames never share memory with the chunks pushed, and nothing of a chunk is kept after the push
 * returns: a caller may push a view of a buffer it reuses for the next read (http-stream.ts does).
 */
export class MjpegParser {
  private readonly maxFrameBytes: number;
  private readonly allocate: (size: number) => Buffer;
  private delimiter: Buffer | undefined;
  private multipart: boolean;
  private state: State;
  private failure: MjpegError | undefined;

  // Pending bytes live in buf[start, end); the buffer grows by doubling and is compacted in place.
  private buf = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  // Where the boundary search resumes, so that small chunks do not rescan the same bytes.
  private searchFrom = 0;

  private partIsImage = true;
  private frame: Buffer | undefined;
  private filled = 0;
  private walk: JpegWalk = { pos: 0, entropy: false };

  constructor(options: MjpegParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.allocate = options.allocate ?? ((size) => Buffer.allocUnsafe(size));
    const boundary = options.boundary?.replace(/^--/, '');
    this.delimiter = boundary ? Buffer.from(`--${boundary}`, 'latin1') : undefined;
    this.multipart = this.delimiter !== undefined;
    this.state = this.delimiter ? 'boundary' : 'start';
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    const frames: Buffer[] = [];
    try {
      let rest = chunk;
      for (;;) {
        if (this.state === 'body-length' && this.start === this.end && rest.length > 0) {
          // The fast path: a body of known length goes straight from the chunk into the frame.
          const frame = this.frame!;
          const n = Math.min(rest.length, frame.length - this.filled);
          rest.copy(frame, this.filled, 0, n);
          this.filled += n;
          rest = rest.subarray(n);
          if (this.filled === frame.length) this.finishLengthFrame(frames);
          continue;
        }
        if (rest.length > 0) {
          this.append(rest);
          rest = rest.subarray(rest.length);
        }
        if (!this.step(frames)) break;
      }
    } catch (error) {
      if (error instanceof MjpegError) {
        this.state = 'failed';
        this.failure = error;
      }
      throw error;
    }
    return frames;
  }

  private append(bytes: Buffer): void {
    const pending = this.end - this.start;
    if (this.end + bytes.length > this.buf.length) {
      if (pending + bytes.length <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, pending + bytes.length, 4096));
        this.buf.copy(grown, 0, this.start, this.end);
        this.buf = grown;
      }
      this.searchFrom = Math.max(0, this.searchFrom - this.start);
      this.start = 0;
      this.end = pending;
    }
    bytes.copy(this.buf, this.end);
    this.end += bytes.length;
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) this.start = this.end = 0;
  }

  private pending(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  /** Makes progress on the pending bytes; false when more input is needed. */
  private step(frames: Buffer[]): boolean {
    switch (this.state) {
      case 'start':
        return this.stepStart();
      case 'boundary':
        return this.stepBoundary();
      case 'headers':
        return this.stepHeaders();
      case 'body-length': {
        const pending = this.pending();
        if (pending.length === 0) return false;
        const frame = this.frame!;
        const n = Math.min(pending.length, frame.length - this.filled);
        pending.copy(frame, this.filled, 0, n);
        this.filled += n;
        this.consume(n);
        if (this.filled === frame.length) this.finishLengthFrame(frames);
        return true;
      }
      case 'body-scan':
        return this.stepScan(frames);
      case 'raw':
        return this.stepRaw();
      case 'done':
        this.start = this.end = 0;
        return false;
      case 'failed':
        return false;
    }
  }

  private skipSpace(): Buffer {
    let pending = this.pending();
    let i = 0;
    while (i < pending.length && isSpace(pending[i])) i += 1;
    if (i > 0) {
      this.consume(i);
      pending = this.pending();
    }
    return pending;
  }

  private stepStart(): boolean {
    const pending = this.skipSpace();
    if (pending.length < 2) return false;
    if (pending[0] === 0xff && pending[1] === 0xd8) {
      this.state = 'raw';
      return true;
    }
    if (pending[0] !== 0x2d || pending[1] !== 0x2d) {
      throw new MjpegError('not-mjpeg', `not an MJPEG stream: it starts with ${describeBytes(pending)}`);
    }
    const lf = pending.indexOf(LF);
    if (lf < 0) {
      if (pending.length > MAX_BOUNDARY_LINE_BYTES)
        throw new MjpegError('not-mjpeg', 'not an MJPEG stream: no line break after the boundary');
      return false;
    }
    const boundary = pending.subarray(2, lf).toString('latin1').trim();
    if (boundary === '') throw new MjpegError('not-mjpeg', 'not an MJPEG stream: empty boundary line');
    this.delimiter = Buffer.from(`--${boundary}`, 'latin1');
    this.multipart = true;
    this.consume(lf + 1);
    this.state = 'headers';
    return true;
  }

  private stepBoundary(): boolean {
    const delimiter = this.delimiter!;
    const pending = this.pending();
    const from = Math.max(0, this.searchFrom - this.start);
    const at = pending.indexOf(delimiter, from);
    if (at < 0) {
      if (pending.length > MAX_GAP_BYTES) {
        throw new MjpegError('not-mjpeg', `no boundary "${delimiter.toString('latin1')}" in ${pending.length} bytes`);
      }
      this.searchFrom = this.start + Math.max(0, pending.length - delimiter.length + 1);
      return false;
    }
    const lf = pending.indexOf(LF, at + delimiter.length);
    if (lf < 0) {
      if (pending.length - at > MAX_BOUNDARY_LINE_BYTES) throw new MjpegError('bad-part', 'no line break after a boundary');
      this.searchFrom = this.start + at;
      return false;
    }
    const closing = pending[at + delimiter.length] === 0x2d && pending[at + delimiter.length + 1] === 0x2d;
    this.consume(lf + 1);
    this.searchFrom = 0;
    this.state = closing ? 'done' : 'headers';
    return true;
  }

  private stepHeaders(): boolean {
    const pending = this.pending();
    if (pending.length >= 2 && pending[0] === 0xff && pending[1] === 0xd8) {
      // Some cameras skip the part headers and put the JPEG right after the boundary line.
      this.beginScan(true);
      return true;
    }
    let lineStart = 0;
    let contentLength: number | undefined;
    let contentType: string | undefined;
    for (;;) {
      const lf = pending.indexOf(LF, lineStart);
      if (lf < 0) {
        if (pending.length > MAX_HEADER_BYTES) throw new MjpegError('bad-part', `part headers longer than ${MAX_HEADER_BYTES} bytes`);
        return false;
      }
      const line = pending.subarray(lineStart, lf > lineStart && pending[lf - 1] === CR ? lf - 1 : lf).toString('latin1');
      lineStart = lf + 1;
      if (line === '') break;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new MjpegError('bad-part', `not a part header: ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw new MjpegError('bad-part', `bad Content-Length ${JSON.stringify(value)}`);
        contentLength = Number(value);
      } else if (name === 'content-type') {
        contentType = value.toLowerCase();
      }
    }
    this.consume(lineStart);
    // A part that says it is not an image (some cameras interleave text or audio) is skipped, not emitted.
    const isImage = contentType === undefined || contentType.startsWith('image/');
    if (contentLength === undefined) {
      if (isImage) {
        this.beginScan(true);
      } else {
        this.state = 'boundary';
      }
      return true;
    }
    if (contentLength > this.maxFrameBytes) {
      throw new MjpegError('frame-too-large', `a part of ${contentLength} bytes exceeds the limit of ${this.maxFrameBytes}`);
    }
    this.partIsImage = isImage;
    this.frame = this.allocate(contentLength);
    this.filled = 0;
    this.state = 'body-length';
    return true;
  }

  private finishLengthFrame(frames: Buffer[]): void {
    let frame = this.frame!;
    this.frame = undefined;
    this.state = 'boundary';
    if (!this.partIsImage) return;
    if (frame.length < 2 || frame[0] !== 0xff || frame[1] !== 0xd8) {
      throw new MjpegError('not-jpeg', `a part of ${frame.length} bytes is not a JPEG: it starts with ${describeBytes(frame)}`);
    }
    // Some cameras count the line break after the JPEG in Content-Length.
    let n = frame.length;
    while (n > 2 && isSpace(frame[n - 1])) n -= 1;
    if (n < frame.length && frame[n - 2] === 0xff && frame[n - 1] === 0xd9) frame = frame.subarray(0, n);
    frames.push(frame);
  }

  private beginScan(multipart: boolean): void {
    this.multipart = multipart;
    this.walk = { pos: 0, entropy: false };
    this.state = 'body-scan';
  }

  private stepScan(frames: Buffer[]): boolean {
    const pending = this.pending();
    if (this.walk.pos === 0 && pending.length >= 2 && (pending[0] !== 0xff || pending[1] !== 0xd8)) {
      throw new MjpegError('not-jpeg', `a part is not a JPEG: it starts with ${describeBytes(pending)}`);
    }
    const endAt = walkJpeg(pending, this.walk);
    if (endAt >= 0) {
      if (endAt > this.maxFrameBytes) {
        throw new MjpegError('frame-too-large', `a frame of ${endAt} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      const frame = this.allocate(endAt);
      pending.copy(frame, 0, 0, endAt);
      frames.push(frame);
      this.consume(endAt);
      this.state = this.multipart ? 'boundary' : 'raw';
      return true;
    }
    if (endAt === CORRUPT) {
      if (!this.multipart) throw new MjpegError('not-jpeg', 'a JPEG in the stream is malformed or cut short');
      // A damaged or truncated frame: drop it and resynchronise on the next boundary after its start.
      this.consume(2);
      this.state = 'boundary';
      return true;
    }
    if (pending.length > this.maxFrameBytes) {
      throw new MjpegError('frame-too-large', `a frame exceeds the limit of ${this.maxFrameBytes} bytes`);
    }
    return false;
  }

  private stepRaw(): boolean {
    const pending = this.skipSpace();
    if (pending.length < 2) return false;
    if (pending[0] !== 0xff || pending[1] !== 0xd8) {
      throw new MjpegError('not-mjpeg', `expected a JPEG, got ${describeBytes(pending)}`);
    }
    this.beginScan(false);
    return true;
  }
}

function describeBytes(bytes: Buffer): string {
  const head = bytes.subarray(0, 16);
  const text = head.toString('latin1');
  return /^[\x20-\x7e\r\n\t]*$/.test(text) ? JSON.stringify(text) : `bytes ${head.toString('hex')}`;
}
