// A streaming parser for MJPEG over HTTP (multipart/x-mixed-replace): bytes in, whole JPEG frames out.
// Cameras and restreamers are loose about the framing, and the parser accepts what they send:
// - parts with or without Content-Length (the JPEG's end is then found by walking its segments);
// - CRLF or bare LF line ends, blank lines before the first boundary and between parts, and an
//   extra blank line between a boundary line and the part's headers;
// - the boundary of the Content-Type with or without leading dashes (`boundary=--foo` written
//   `----foo` or `--foo`), a missing or wrong boundary parameter: the body's first boundary line
//   decides, the header's parameter is only a hint (and the delimiter of a stream with a preamble);
// - an answer that is not labelled multipart at all (ffmpeg's `-f mpjpeg` says
//   application/octet-stream): the body tells, by its first bytes (see `mjpegParserFor`);
// - a bare sequence of JPEGs with no multipart framing (ffmpeg's `-f mjpeg`).
// What is not MJPEG (an HTML page, a single JPEG, anything else) is refused with reason `not-mjpeg`.

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
    /** For `not-mjpeg`: the answer was one JPEG picture, not a stream (a snapshot URL, most likely). */
    readonly singleJpeg = false,
  ) {
    super(message);
    this.name = 'MjpegError';
  }
}

/** The media type of a Content-Type, lower-cased, without its parameters. */
export function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** The multipart boundary of a Content-Type, without the leading `--` some cameras put in it. */
export function boundaryOf(contentType: string): string | undefined {
  const semicolon = contentType.indexOf(';');
  if (!mediaTypeOf(contentType).startsWith('multipart/') || semicolon < 0) return undefined;
  const match = /(?:^|;)\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(contentType.slice(semicolon));
  if (!match) return undefined;
  const raw = match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? '');
  const boundary = raw.trim().replace(/^--/, '');
  return boundary === '' ? undefined : boundary;
}

const JPEG_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg']);

/**
 * The parser for the body of an answer on a stream URL, from its headers (lower-case names):
 * - `multipart/*`: multipart framing, the boundary parameter as a hint;
 * - `image/jpeg`: one picture, not a stream: refused (`not-mjpeg`, `singleJpeg`);
 * - anything else, or nothing (ffmpeg's application/octet-stream, a text/html error page): the
 *   body's first bytes decide: a boundary line (multipart), a JPEG (a bare sequence of JPEGs,
 *   unless the answer has a Content-Length: a stream has no length, so that is one picture), or
 *   else `not-mjpeg`.
 */
export function mjpegParserFor(
  headers: { 'content-type'?: string | undefined; 'content-length'?: string | undefined },
  options: Omit<MjpegParserOptions, 'boundary' | 'finite'> = {},
): MjpegParser {
  const contentType = headers['content-type'] ?? '';
  const mediaType = mediaTypeOf(contentType);
  if (mediaType.startsWith('multipart/')) {
    const boundary = boundaryOf(contentType);
    return new MjpegParser({ ...options, ...(boundary !== undefined ? { boundary } : {}) });
  }
  if (JPEG_TYPES.has(mediaType)) throw new MjpegError('not-mjpeg', 'the answer is a single JPEG (Content-Type image/jpeg)', true);
  return new MjpegParser({ ...options, finite: headers['content-length'] !== undefined });
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
  | 'start' // nothing seen yet: the first bytes say multipart (a boundary line) or bare JPEGs
  | 'boundary' // looking for the next `--boundary` line
  | 'headers' // reading a part's headers
  | 'body-length' // copying a body of known length
  | 'body-scan' // walking a JPEG of unknown length
  | 'raw' // between bare JPEGs (no multipart framing)
  | 'done' // after the closing `--boundary--`
  | 'failed';

export interface MjpegParserOptions {
  /**
   * The boundary from the response's Content-Type (see boundaryOf), a hint: the body's first
   * boundary line decides. Used as such only when the body opens with something else (a preamble).
   */
  boundary?: string;
  /**
   * The body has a known length (Content-Length) and was not labelled multipart: one that starts
   * with a JPEG is a single picture, not a stream (`not-mjpeg` with `singleJpeg`).
   */
  finite?: boolean;
  /** A larger frame is an error, not a reason to buffer without bound. Default 8 MiB. */
  maxFrameBytes?: number;
  /** Memory for a frame of `size` bytes (a caller may hand back a buffer it no longer needs). Default: a new one. */
  allocate?: (size: number) => Buffer;
}

const EMPTY = Buffer.alloc(0);
/** The least of a chunk added at a time to a JPEG being gathered from pushes before (no Content-Length). */
const MIN_APPEND_BYTES = 4096;
/**
 * The first piece of a chunk added to bytes kept from a push before that are not a JPEG being
 * gathered (a boundary line or part headers cut by the read): enough for them; it doubles while
 * the parser makes no progress, and once the kept bytes are used up the rest is parsed in place.
 */
const FIRST_PIECE_BYTES = 256;
/** The parser's own memory, at the least (it grows to what must be gathered). */
const MIN_KEPT_BYTES = 256;
const DASHES = 0x2d;

/**
 * Feed it the response body chunk by chunk; each push returns the frames completed by that chunk.
 * A frame is returned as soon as its last byte arrives, not when the next boundary does. After it
 * throws an MjpegError the parser keeps throwing it: make a new one for a new connection.
 *
 * Frames never share memory with the chunks pushed, and nothing of a chunk is kept after the push
 * returns: a caller may push a view of a buffer it reuses for the next read (http-stream.ts does).
 * A chunk is parsed where it lies; only an incomplete rest (a part's headers cut by the read, a
 * JPEG without Content-Length) is copied, into memory of the parser's own (256 bytes unless a JPEG
 * without Content-Length needs more), for the next push. `write` takes a range of a buffer and
 * hands each frame to a function: no object is made per call (the camera worker's way);
 * `push` answers an array.
 */
export class MjpegParser {
  private readonly maxFrameBytes: number;
  private readonly allocate: (size: number) => Buffer;
  private readonly finite: boolean;
  /** The header's boundary without leading dashes, as written in a body that omits them too. */
  private readonly hint: string | undefined;
  private delimiter: Buffer | undefined;
  /** What the body turned out to be; until then an error means the answer is not MJPEG at all. */
  private framing: 'unknown' | 'multipart' | 'jpeg' = 'unknown';
  private multipart = false;
  private state: State = 'start';
  private failure: MjpegError | undefined;

  // The pending bytes are data[start, end): either the chunk being pushed, or `kept`, the parser's
  // own memory holding what a previous push left (it grows by doubling and is compacted in place).
  private kept = Buffer.alloc(0);
  private data: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** How many pending bytes, from `start`, are known to hold no delimiter: a boundary search resumes after them. */
  private searched = 0;

  /** Where `write` hands the frames. */
  private sink: (frame: Buffer) => void = NO_SINK;

  private partIsImage = true;
  private frame: Buffer | undefined;
  private filled = 0;
  private walk: JpegWalk = { pos: 0, entropy: false };

  constructor(options: MjpegParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.allocate = options.allocate ?? ((size) => Buffer.allocUnsafe(size));
    this.finite = options.finite ?? false;
    const boundary = options.boundary?.replace(/^--/, '').trim();
    this.hint = boundary ? boundary : undefined;
  }

  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    this.write(chunk, 0, chunk.length, (frame) => frames.push(frame));
    return frames;
  }

  /** Parses `chunk[from, to)`, handing each frame completed by it to `onFrame` as it completes. */
  write(chunk: Buffer, from: number, to: number, onFrame: (frame: Buffer) => void): void {
    if (this.failure) throw this.failure;
    this.sink = onFrame;
    try {
      let at = from;
      let piece = FIRST_PIECE_BYTES;
      for (;;) {
        if (this.start === this.end) {
          // Nothing kept from before: the rest of the chunk is parsed where it lies.
          this.data = chunk;
          this.start = at;
          this.end = to;
          while (this.step());
          break;
        }
        // Bytes kept from before (a line cut by the read, a JPEG being gathered): the chunk is added
        // to them a little at a time, as far as they need it, so that the parser's own memory stays
        // the size of what must be gathered, not of a read, and a part's body goes from the chunk
        // to its frame rather than through that memory.
        let n: number;
        if (this.state === 'body-scan') {
          const room = this.kept.length - (this.end - this.start);
          n = Math.min(to - at, room >= MIN_APPEND_BYTES / 8 ? room : MIN_APPEND_BYTES);
        } else {
          n = Math.min(to - at, piece);
        }
        const before = this.start;
        const state = this.state;
        this.append(chunk, at, n);
        at += n;
        while (this.step());
        if (at === to) break;
        piece = this.start !== before || this.state !== state ? FIRST_PIECE_BYTES : piece * 2;
      }
      this.keepRest();
    } catch (error) {
      this.data = EMPTY;
      this.start = this.end = 0;
      if (error instanceof MjpegError) {
        this.state = 'failed';
        this.failure = error;
      }
      throw error;
    } finally {
      this.sink = NO_SINK;
    }
  }

  /**
   * The body ended (the camera closed the stream). An answer that never showed MJPEG framing (an
   * HTML page under a multipart Content-Type, whose boundary never came) is refused as not MJPEG.
   */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.framing === 'unknown' && (this.state !== 'start' || this.end > this.start)) {
      this.state = 'failed';
      this.failure = new MjpegError('not-mjpeg', 'not an MJPEG stream: it ended before any boundary or JPEG');
      throw this.failure;
    }
  }

  /** Appends `chunk[from, from + n)` to the bytes kept from before (which are in `kept`). */
  private append(chunk: Buffer, from: number, n: number): void {
    const pending = this.end - this.start;
    if (this.end + n > this.kept.length) {
      if (pending + n <= this.kept.length) {
        this.kept.copy(this.kept, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(this.kept.length * 2, pending + n, MIN_KEPT_BYTES));
        this.kept.copy(grown, 0, this.start, this.end);
        this.kept = grown;
      }
      this.start = 0;
      this.end = pending;
    }
    chunk.copy(this.kept, this.end, from, from + n);
    this.end += n;
    this.data = this.kept;
  }

  /** After a push: what is left of the chunk is copied into the parser's own memory. */
  private keepRest(): void {
    if (this.data === this.kept) return;
    const rest = this.end - this.start;
    if (rest > 0) {
      if (this.kept.length < rest) this.kept = Buffer.allocUnsafe(Math.max(this.kept.length * 2, rest, MIN_KEPT_BYTES));
      this.data.copy(this.kept, 0, this.start, this.end);
    }
    this.data = this.kept;
    this.start = 0;
    this.end = rest;
  }

  private consume(n: number): void {
    this.start += n;
    this.searched = this.searched > n ? this.searched - n : 0;
  }

  private pending(): Buffer {
    return this.data.subarray(this.start, this.end);
  }

  /** The error for input that does not fit: until the body was recognised, it is not MJPEG at all. */
  private unfit(reason: Exclude<MjpegErrorReason, 'not-mjpeg'>, message: string): MjpegError {
    return new MjpegError(this.framing === 'unknown' ? 'not-mjpeg' : reason, message);
  }

  /** Makes progress on the pending bytes; false when more input is needed. */
  private step(): boolean {
    switch (this.state) {
      case 'body-length': {
        const available = this.end - this.start;
        if (available === 0) return false;
        const frame = this.frame!;
        const n = Math.min(available, frame.length - this.filled);
        this.data.copy(frame, this.filled, this.start, this.start + n);
        this.filled += n;
        this.consume(n);
        if (this.filled === frame.length) this.finishLengthFrame();
        return true;
      }
      case 'boundary':
        return this.stepBoundary();
      case 'headers':
        return this.stepHeaders();
      case 'body-scan':
        return this.stepScan();
      case 'raw':
        return this.stepRaw();
      case 'start':
        return this.stepStart();
      case 'done':
        this.start = this.end;
        return false;
      case 'failed':
        return false;
    }
  }

  private skipSpace(): Buffer {
    let i = this.start;
    while (i < this.end && isSpace(this.data[i])) i += 1;
    if (i > this.start) this.consume(i - this.start);
    return this.pending();
  }

  private stepStart(): boolean {
    const pending = this.skipSpace();
    if (pending.length < 2) return false;
    if (pending[0] === 0xff && pending[1] === 0xd8) {
      if (this.finite && this.hint === undefined) {
        throw new MjpegError('not-mjpeg', 'the answer is a single JPEG: it has a length, and is not multipart', true);
      }
      this.framing = 'jpeg';
      this.state = 'raw';
      return true;
    }
    const dashes = pending[0] === DASHES && pending[1] === DASHES;
    if (!dashes && this.hint === undefined) {
      throw new MjpegError('not-mjpeg', `not an MJPEG stream: it starts with ${describeBytes(pending)}`);
    }
    const lf = pending.indexOf(LF);
    if (lf < 0) {
      if (pending.length <= MAX_BOUNDARY_LINE_BYTES) return false;
      if (dashes || this.hint === undefined) throw new MjpegError('not-mjpeg', 'not an MJPEG stream: no line break after the boundary');
      return this.preamble();
    }
    const line = pending.toString('latin1', 0, lf).trim();
    if (dashes && line.replace(/^-+/, '') !== '') {
      // The body's own boundary line decides, whatever the Content-Type said (or did not say).
      this.delimiter = Buffer.from(line, 'latin1');
    } else if (line === this.hint) {
      this.delimiter = Buffer.from(line, 'latin1'); // a camera that writes its boundary without dashes
    } else if (this.hint !== undefined) {
      return this.preamble();
    } else {
      throw new MjpegError('not-mjpeg', 'not an MJPEG stream: empty boundary line');
    }
    this.framing = 'multipart';
    this.multipart = true;
    this.consume(lf + 1);
    this.state = 'headers';
    return true;
  }

  /** Text before the first boundary (RFC 2046 allows a preamble): skipped up to the header's boundary. */
  private preamble(): boolean {
    this.delimiter = Buffer.from(`--${this.hint!}`, 'latin1');
    this.multipart = true;
    this.state = 'boundary';
    return true;
  }

  private stepBoundary(): boolean {
    const delimiter = this.delimiter!;
    if (this.searched === 0) {
      // The usual case: after a part, a line break or two, then the delimiter. Line breaks are let go
      // (a delimiter never starts with one), and what follows is compared where it lies.
      const data = this.data;
      const end = this.end;
      let i = this.start;
      while (i < end && isSpace(data[i])) i += 1;
      if (i > this.start) this.consume(i - this.start);
      const available = end - i;
      const n = Math.min(available, delimiter.length);
      let same = 0;
      while (same < n && data[i + same] === delimiter[same]) same += 1;
      if (same === available) return false; // nothing, or the start of the delimiter: more is needed
      if (same === delimiter.length) {
        const lf = indexOfByte(data, LF, i + delimiter.length, Math.min(end, i + MAX_BOUNDARY_LINE_BYTES + 1));
        if (lf >= 0) {
          const closing = data[i + delimiter.length] === DASHES && data[i + delimiter.length + 1] === DASHES;
          this.consume(lf + 1 - this.start);
          this.searched = 0;
          this.framing = 'multipart';
          this.state = closing ? 'done' : 'headers';
          return true;
        }
      }
      // Anything else (a preamble, a damaged part, a line cut by the read) is searched for below.
    }
    const pending = this.pending();
    const at = pending.indexOf(delimiter, this.searched);
    if (at < 0) {
      if (pending.length > MAX_GAP_BYTES) {
        throw this.unfit('bad-part', `no boundary "${delimiter.toString('latin1')}" in ${pending.length} bytes`);
      }
      this.searched = Math.max(0, pending.length - delimiter.length + 1);
      return false;
    }
    const lf = pending.indexOf(LF, at + delimiter.length);
    if (lf < 0) {
      if (pending.length - at > MAX_BOUNDARY_LINE_BYTES) throw this.unfit('bad-part', 'no line break after a boundary');
      this.searched = at;
      return false;
    }
    const closing = pending[at + delimiter.length] === DASHES && pending[at + delimiter.length + 1] === DASHES;
    this.consume(lf + 1);
    this.searched = 0;
    this.framing = 'multipart';
    this.state = closing ? 'done' : 'headers';
    return true;
  }

  private stepHeaders(): boolean {
    const from = this.start;
    const end = this.end;
    // Read byte by byte within [start, end): what lies past `end` (the rest of a shared read buffer,
    // of the parser's own memory) is not input, and no view or string is made for a usual part.
    const data = this.data;
    if (end - from >= 2 && data[from] === 0xff && data[from + 1] === 0xd8) {
      // Some cameras skip the part headers and put the JPEG right after the boundary line.
      this.beginScan(true);
      return true;
    }
    let lineStart = from;
    let contentLength = -1;
    let isImage = true;
    for (;;) {
      const lf = indexOfByte(data, LF, lineStart, end);
      if (lf < 0) {
        if (end - from > MAX_HEADER_BYTES) throw new MjpegError('bad-part', `part headers longer than ${MAX_HEADER_BYTES} bytes`);
        return false;
      }
      const lineEnd = lf > lineStart && data[lf - 1] === CR ? lf - 1 : lf;
      if (lineEnd === lineStart) {
        if (lineStart === from) {
          // No headers: the JPEG follows, or this was an extra line break before the headers.
          if (end - lf < 3) return false;
          if (data[lf + 1] !== 0xff || data[lf + 2] !== 0xd8) {
            this.consume(lf + 1 - from);
            return true;
          }
        }
        lineStart = lf + 1;
        break;
      }
      const colon = indexOfByte(data, 0x3a, lineStart, lineEnd);
      if (colon <= lineStart || colon >= lineEnd) {
        throw new MjpegError(
          'bad-part',
          `not a part header: ${JSON.stringify(data.toString('latin1', lineStart, Math.min(lineEnd, lineStart + 80)))}`,
        );
      }
      const header = headerName(data, lineStart, colon);
      if (header === CONTENT_LENGTH) {
        contentLength = decimalValue(data, colon + 1, lineEnd);
        if (contentLength < 0) {
          const value = data.toString('latin1', colon + 1, lineEnd).trim();
          throw new MjpegError('bad-part', `bad Content-Length ${JSON.stringify(value.slice(0, 40))}`);
        }
      } else if (header === CONTENT_TYPE) {
        isImage = isImageType(data, colon + 1, lineEnd);
      }
      lineStart = lf + 1;
    }
    this.consume(lineStart - from);
    // A part that says it is not an image (some cameras interleave text or audio) is skipped, not emitted.
    if (contentLength < 0) {
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

  private finishLengthFrame(): void {
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
    this.sink(frame);
  }

  private beginScan(multipart: boolean): void {
    this.multipart = multipart;
    this.walk = { pos: 0, entropy: false };
    this.state = 'body-scan';
  }

  private stepScan(): boolean {
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
      this.consume(endAt);
      this.state = this.multipart ? 'boundary' : 'raw';
      this.sink(frame);
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
      throw new MjpegError('bad-part', `expected a JPEG, got ${describeBytes(pending)}`);
    }
    this.beginScan(false);
    return true;
  }
}

const NO_SINK = (): void => undefined;

/** `indexOf` within [from, end) (a Buffer's own searches run to its end). */
function indexOfByte(data: Buffer, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i += 1) if (data[i] === byte) return i;
  return -1;
}

/** What String.prototype.trim takes off a latin1 header value. */
function isTrimmed(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d) || byte === 0xa0;
}

/** A header value of 1-15 decimal digits, spaces around them ignored; -1 when it is anything else. */
function decimalValue(data: Buffer, from: number, to: number): number {
  while (from < to && isTrimmed(data[from]!)) from += 1;
  while (to > from && isTrimmed(data[to - 1]!)) to -= 1;
  if (to === from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i += 1) {
    const digit = data[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const IMAGE_ = Buffer.from('image/', 'latin1');

/** Whether a Content-Type value (spaces around it ignored, any case) starts with `image/`. */
function isImageType(data: Buffer, from: number, to: number): boolean {
  while (from < to && isTrimmed(data[from]!)) from += 1;
  if (to - from < IMAGE_.length) return false;
  for (let i = 0; i < IMAGE_.length; i += 1) {
    const byte = data[from + i]!;
    if ((byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) !== IMAGE_[i]) return false;
  }
  return true;
}

const CONTENT_LENGTH = 1;
const CONTENT_TYPE = 2;
const OTHER_HEADER = 0;

/** Which of the two headers the parser reads a name is (case-insensitive, spaces around it ignored), without making a string. */
function headerName(data: Buffer, from: number, colon: number): number {
  let a = from;
  let b = colon;
  while (a < b && (data[a] === 0x20 || data[a] === 0x09)) a += 1;
  while (b > a && (data[b - 1] === 0x20 || data[b - 1] === 0x09)) b -= 1;
  const length = b - a;
  if (length !== 14 && length !== 12) return OTHER_HEADER;
  // "content-" in either case (`| 0x20` folds an upper-case letter to lower case; the dash is compared as is).
  for (let i = 0; i < 7; i += 1) if ((data[a + i]! | 0x20) !== CONTENT_[i]) return OTHER_HEADER;
  if (data[a + 7] !== DASHES) return OTHER_HEADER;
  const rest = length === 14 ? LENGTH : TYPE;
  for (let i = 0; i < rest.length; i += 1) if ((data[a + 8 + i]! | 0x20) !== rest[i]) return OTHER_HEADER;
  return length === 14 ? CONTENT_LENGTH : CONTENT_TYPE;
}
const CONTENT_ = Buffer.from('content-', 'latin1');
const LENGTH = Buffer.from('length', 'latin1');
const TYPE = Buffer.from('type', 'latin1');

function describeBytes(bytes: Buffer): string {
  const head = bytes.subarray(0, 16);
  const text = head.toString('latin1');
  return /^[\x20-\x7e\r\n\t]*$/.test(text) ? JSON.stringify(text) : `bytes ${head.toString('hex')}`;
}
