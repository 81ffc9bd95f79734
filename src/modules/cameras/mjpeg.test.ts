import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { isJpeg } from './jpeg.js';
import { MjpegError, MjpegParser, boundaryOf, mjpegParserFor } from './mjpeg.js';

/** A small deterministic PRNG, so that a failing split can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Noisy pixels, so that the entropy-coded data is full of stuffed 0xFF bytes.
function noisyJpeg(seed: number, width = 24, height = 16): Buffer {
  const next = random(seed);
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 1) data[i] = Math.floor(next() * 256);
  return jpeg.encode({ data, width, height }, 90).data;
}

// Not decodable, but shaped like a progressive JPEG: two scans with a table between them, and entropy
// data holding every 0xFF sequence that is not an end: stuffing (FF 00), a restart marker, fill bytes.
const PROGRESSIVE = Buffer.from([
  ...[0xff, 0xd8],
  ...[0xff, 0xc2, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00],
  ...[0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00],
  ...[0x12, 0xff, 0x00, 0x34, 0xff, 0xd3, 0x56, 0xff, 0xff, 0x00, 0x78],
  ...[0xff, 0xc4, 0x00, 0x04, 0xff, 0xd9],
  ...[0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00],
  ...[0x9a, 0xff, 0x00, 0xbc],
  ...[0xff, 0xff, 0xd9],
]);

const FRAMES = [noisyJpeg(1, 64, 48), noisyJpeg(2, 40, 8), PROGRESSIVE, noisyJpeg(3, 8, 8)];

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** Inserts segments right after SOI. */
function withSegments(image: Buffer, ...segments: Buffer[]): Buffer {
  return Buffer.concat([image.subarray(0, 2), ...segments, image.subarray(2)]);
}

interface Framing {
  boundary?: string;
  /** The boundary as written in the body; defaults to `--${boundary}`. */
  delimiter?: string;
  contentLength?: boolean;
  eol?: string;
  closing?: boolean;
}

function multipart(frames: Buffer[], framing: Framing = {}): Buffer {
  const eol = framing.eol ?? '\r\n';
  const delimiter = framing.delimiter ?? `--${framing.boundary ?? 'frame'}`;
  const parts = frames.flatMap((frame) => [
    Buffer.from(
      `${delimiter}${eol}Content-Type: image/jpeg${eol}${framing.contentLength === false ? '' : `Content-Length: ${frame.length}${eol}`}${eol}`,
      'latin1',
    ),
    frame,
    Buffer.from(eol, 'latin1'),
  ]);
  if (framing.closing) parts.push(Buffer.from(`${delimiter}--${eol}`, 'latin1'));
  return Buffer.concat(parts);
}

// What lies around a read in a reused read buffer, made to mislead a parser that looks past the
// range it was given: boundary lines, part headers, JPEG markers.
const DECOY = Buffer.from('\r\n--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\n\xff\xd8\xff\xd9\n\xff', 'latin1');
const MARGIN = 96;

/**
 * Feeds `data` in reads of `sizes()` bytes, the way the camera worker does: each read is a range of
 * one reused buffer (`write`), with decoys around it, and the buffer is overwritten by the next read.
 */
function feed(parser: MjpegParser, data: Buffer, sizes: () => number): Buffer[] {
  const frames: Buffer[] = [];
  const read = Buffer.alloc(data.length + 2 * MARGIN + 64);
  for (let at = 0, n = 0; at < data.length; n += 1) {
    const size = Math.min(Math.max(1, sizes()), data.length - at);
    const offset = MARGIN + (n % 61);
    read.fill(DECOY, offset - MARGIN, Math.min(read.length, offset + size + MARGIN));
    data.copy(read, offset, at, at + size);
    parser.write(read, offset, offset + size, (frame) => frames.push(frame));
    at += size;
  }
  return frames;
}

const whole = (data: Buffer) => () => data.length;
const bytes = () => 1;

function errorOf(run: () => unknown): MjpegError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MjpegError);
    return error as MjpegError;
  }
  throw new Error('expected an MjpegError');
}

describe('boundaryOf', () => {
  it('reads plain, quoted and dash-prefixed boundaries', () => {
    expect(boundaryOf('multipart/x-mixed-replace; boundary=frame')).toBe('frame');
    expect(boundaryOf('multipart/x-mixed-replace;boundary="my frame"')).toBe('my frame');
    expect(boundaryOf('multipart/x-mixed-replace; boundary=--myboundary')).toBe('myboundary');
    expect(boundaryOf('multipart/x-mixed-replace; boundary="--ipcam"')).toBe('ipcam');
    expect(boundaryOf('Multipart/X-Mixed-Replace; charset=utf-8; BOUNDARY = abc ; x=y')).toBe('abc');
    expect(boundaryOf('multipart/x-mixed-replace; boundary="a\\"b"')).toBe('a"b');
  });

  it('says undefined for other types and a missing or empty boundary', () => {
    expect(boundaryOf('image/jpeg')).toBeUndefined();
    expect(boundaryOf('text/html; boundary=frame')).toBeUndefined();
    expect(boundaryOf('multipart/x-mixed-replace')).toBeUndefined();
    expect(boundaryOf('multipart/x-mixed-replace; boundary=""')).toBeUndefined();
    expect(boundaryOf('multipart/x-mixed-replace; boundary=--')).toBeUndefined();
  });
});

describe('MjpegParser', () => {
  it('is tested on frames whose entropy data holds stuffed 0xFF bytes', () => {
    const stuffed = (frame: Buffer) => frame.findIndex((byte, i) => byte === 0xff && frame[i + 1] === 0x00) >= 0;
    expect(stuffed(FRAMES[0]!)).toBe(true);
  });

  const variants: [string, Framing][] = [
    ['with Content-Length and CRLF', {}],
    ['without Content-Length', { contentLength: false }],
    ['with bare LF', { eol: '\n' }],
    ['with bare LF and no Content-Length', { eol: '\n', contentLength: false }],
  ];

  describe.each(variants)('parts %s', (_name, framing) => {
    const data = multipart(FRAMES, framing);

    it('returns every frame, byte for byte, from one chunk', () => {
      expect(feed(new MjpegParser({ boundary: 'frame' }), data, whole(data))).toEqual(FRAMES);
    });

    it('returns the same frames from 1-byte chunks', () => {
      expect(feed(new MjpegParser({ boundary: 'frame' }), data, bytes)).toEqual(FRAMES);
    });

    it('returns the same frames from random splits', () => {
      for (let seed = 1; seed <= 50; seed += 1) {
        const next = random(seed);
        const frames = feed(new MjpegParser({ boundary: 'frame' }), data, () => Math.floor(next() * 700));
        expect(frames, `seed ${seed}`).toEqual(FRAMES);
      }
    });

    it('learns the boundary from the first line when none is given', () => {
      expect(feed(new MjpegParser(), data, bytes)).toEqual(FRAMES);
    });

    it('returns a frame as soon as its last byte arrives, before the next boundary', () => {
      const parser = new MjpegParser({ boundary: 'frame' });
      const first = multipart([FRAMES[0]!], framing);
      const eolLength = (framing.eol ?? '\r\n').length;
      expect(parser.push(first.subarray(0, first.length - eolLength - 1))).toEqual([]);
      expect(parser.push(first.subarray(first.length - eolLength - 1, first.length - eolLength))).toEqual([FRAMES[0]]);
    });
  });

  it('matches a body that writes `----foo` when the header says `boundary=--foo`', () => {
    const data = multipart(FRAMES, { delimiter: '----foo', contentLength: false });
    const boundary = boundaryOf('multipart/x-mixed-replace; boundary=--foo');
    expect(feed(new MjpegParser({ boundary }), data, bytes)).toEqual(FRAMES);
    expect(feed(new MjpegParser({ boundary: '--foo' }), multipart(FRAMES, { boundary: 'foo' }), bytes)).toEqual(FRAMES);
  });

  it('finds the real end of a JPEG whose comment or embedded thumbnail contains an EOI marker', () => {
    const tricky = withSegments(
      FRAMES[0]!,
      segment(0xfffe, Buffer.from([0x41, 0xff, 0xd9, 0x42])),
      segment(0xffe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), FRAMES[3]!])),
    );
    const data = multipart([tricky, FRAMES[1]!], { contentLength: false });
    expect(feed(new MjpegParser({ boundary: 'frame' }), data, bytes)).toEqual([tricky, FRAMES[1]]);
  });

  it('reads a bare sequence of JPEGs with no multipart framing', () => {
    const data = Buffer.concat([FRAMES[0]!, FRAMES[1]!, Buffer.from('\r\n'), FRAMES[2]!, FRAMES[3]!]);
    expect(feed(new MjpegParser(), data, bytes)).toEqual(FRAMES);
  });

  it('skips parts that are not images and stops at the closing boundary', () => {
    const text = Buffer.from(
      '--frame\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello\r\n--frame\r\nContent-Type: text/plain\r\n\r\nhi\r\n',
    );
    const data = Buffer.concat([text, multipart([FRAMES[0]!], { closing: true }), Buffer.from('trailing garbage')]);
    expect(feed(new MjpegParser({ boundary: 'frame' }), data, bytes)).toEqual([FRAMES[0]]);
  });

  it('accepts a part with no headers at all, the JPEG right after the boundary line', () => {
    const data = Buffer.concat([Buffer.from('--frame\r\n'), FRAMES[0]!, Buffer.from('\r\n--frame\r\n'), FRAMES[1]!, Buffer.from('\r\n')]);
    expect(feed(new MjpegParser({ boundary: 'frame' }), data, bytes)).toEqual([FRAMES[0], FRAMES[1]]);
  });

  it('drops a frame cut short and carries on with the next part', () => {
    const cut = FRAMES[0]!.subarray(0, FRAMES[0]!.length - 40);
    const data = multipart([cut, FRAMES[1]!, FRAMES[2]!], { contentLength: false });
    expect(feed(new MjpegParser({ boundary: 'frame' }), data, bytes)).toEqual([FRAMES[1], FRAMES[2]]);
  });

  it('trims a line break counted in Content-Length', () => {
    const frame = FRAMES[0]!;
    const data = Buffer.concat([Buffer.from(`--frame\r\nContent-Length: ${frame.length + 2}\r\n\r\n`), frame, Buffer.from('\r\n\r\n')]);
    const [parsed] = new MjpegParser({ boundary: 'frame' }).push(data);
    expect(parsed).toEqual(frame);
    expect(isJpeg(parsed!)).toBe(true);
  });

  it('writes frames into the memory `allocate` gives, for both framings', () => {
    for (const framing of [{}, { contentLength: false }]) {
      const given: Buffer[] = [];
      const parser = new MjpegParser({
        boundary: 'frame',
        allocate: (size) => {
          const memory = Buffer.alloc(size + 10).subarray(0, size);
          given.push(memory);
          return memory;
        },
      });
      const frames = parser.push(multipart([FRAMES[0]!, FRAMES[1]!], framing));
      expect(frames).toEqual([FRAMES[0], FRAMES[1]]);
      expect(frames.map((f) => f.buffer)).toEqual(given.map((g) => g.buffer));
    }
  });

  it('returns frames that later input does not overwrite', () => {
    const parser = new MjpegParser({ boundary: 'frame' });
    const [first] = parser.push(multipart([FRAMES[0]!], { contentLength: false }));
    const copy = Buffer.from(first!);
    parser.push(multipart([FRAMES[1]!, FRAMES[2]!], { contentLength: false }));
    expect(first).toEqual(copy);
  });

  describe('loose framing, as cameras and restreamers send it', () => {
    const splits = (data: Buffer, make: () => MjpegParser) => {
      expect(feed(make(), data, whole(data)), 'one chunk').toEqual(FRAMES);
      expect(feed(make(), data, bytes), '1-byte chunks').toEqual(FRAMES);
      for (let seed = 1; seed <= 10; seed += 1) {
        const next = random(seed);
        expect(
          feed(make(), data, () => Math.floor(next() * 300)),
          `seed ${seed}`,
        ).toEqual(FRAMES);
      }
    };

    it('follows the body when the Content-Type names another boundary', () => {
      const data = multipart(FRAMES, { boundary: 'BoundaryString' });
      splits(data, () => new MjpegParser({ boundary: 'frame' }));
      splits(multipart(FRAMES, { boundary: 'BoundaryString', contentLength: false }), () => new MjpegParser({ boundary: 'frame' }));
    });

    it('reads boundary lines written without dashes, as the Content-Type names them', () => {
      splits(multipart(FRAMES, { delimiter: 'ipcam' }), () => new MjpegParser({ boundary: 'ipcam' }));
      splits(multipart(FRAMES, { delimiter: 'ipcam' }), () => new MjpegParser({ boundary: '--ipcam' }));
    });

    it('skips a preamble before the first boundary when the Content-Type names it', () => {
      const data = Buffer.concat([Buffer.from('This is a multipart stream.\r\n'), multipart(FRAMES)]);
      splits(data, () => new MjpegParser({ boundary: 'frame' }));
    });

    it('takes extra whitespace: blank lines, spaces around boundaries and headers, an extra line break before the headers', () => {
      const parts = FRAMES.map((frame, i) =>
        Buffer.concat([
          Buffer.from(
            i % 2 === 0
              ? `\r\n\r\n--frame  \r\n\r\n Content-Type :  image/jpeg \r\ncontent-LENGTH:   ${frame.length}  \r\n\r\n`
              : `\n--frame\t\nCONTENT-TYPE:image/jpeg\n\n`,
            'latin1',
          ),
          frame,
          Buffer.from(' \r\n', 'latin1'),
        ]),
      );
      const data = Buffer.concat([Buffer.from('\r\n \r\n'), ...parts]);
      splits(data, () => new MjpegParser({ boundary: 'frame' }));
      splits(data, () => new MjpegParser());
    });
  });

  describe('mjpegParserFor', () => {
    const frames = (parser: MjpegParser, data: Buffer) => feed(parser, data, () => 333);

    it('reads a stream by its body when the Content-Type does not say multipart (ffmpeg says application/octet-stream)', () => {
      const data = multipart(FRAMES, { boundary: 'ffmpeg' });
      for (const type of ['application/octet-stream', undefined, 'text/plain', 'video/x-motion-jpeg']) {
        expect(frames(mjpegParserFor({ 'content-type': type }), data), String(type)).toEqual(FRAMES);
      }
      const bare = Buffer.concat(FRAMES);
      expect(frames(mjpegParserFor({ 'content-type': 'application/octet-stream' }), bare)).toEqual(FRAMES);
    });

    it('reads any case of a multipart Content-Type, its boundary as a hint', () => {
      const parser = mjpegParserFor({ 'content-type': 'Multipart/X-Mixed-Replace; Boundary="--frame"' });
      expect(frames(parser, multipart(FRAMES, { delimiter: '----frame' }))).toEqual(FRAMES);
      expect(frames(mjpegParserFor({ 'content-type': 'multipart/x-mixed-replace' }), multipart(FRAMES))).toEqual(FRAMES);
    });

    it('refuses a single JPEG: labelled image/jpeg, or with a length and no multipart label', () => {
      for (const type of ['image/jpeg', 'IMAGE/JPEG; charset=binary', 'image/jpg']) {
        const error = errorOf(() => mjpegParserFor({ 'content-type': type }));
        expect(error).toMatchObject({ reason: 'not-mjpeg', singleJpeg: true });
      }
      const parser = mjpegParserFor({ 'content-type': 'application/octet-stream', 'content-length': String(FRAMES[0]!.length) });
      expect(errorOf(() => parser.push(FRAMES[0]!))).toMatchObject({ reason: 'not-mjpeg', singleJpeg: true });
    });

    it('refuses what is not MJPEG by its first bytes: an HTML page, text, garbage', () => {
      const bodies = ['<!doctype html><html><body>404</body></html>', '  \r\n<html>', 'OK\n', '\x00\x01\x02\x03binary'];
      for (const body of bodies) {
        const parser = mjpegParserFor({ 'content-type': 'text/html; charset=utf-8' });
        expect(
          errorOf(() => parser.push(Buffer.from(body, 'latin1'))),
          JSON.stringify(body),
        ).toMatchObject({
          reason: 'not-mjpeg',
          singleJpeg: false,
        });
      }
      const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff));
      expect(errorOf(() => mjpegParserFor({}).push(garbage)).reason).toBe('not-mjpeg');
    });

    it('refuses, when the body ends, an answer labelled multipart whose boundary never came', () => {
      const parser = mjpegParserFor({ 'content-type': 'multipart/x-mixed-replace; boundary=frame' });
      expect(parser.push(Buffer.from('<html><body>Please log in</body></html>\r\n'))).toEqual([]);
      expect(errorOf(() => parser.finish()).reason).toBe('not-mjpeg');
      // A stream that ends after its frames, or an empty answer, is a stream that ended: not refused.
      const ended = mjpegParserFor({ 'content-type': 'application/octet-stream' });
      expect(frames(ended, multipart(FRAMES))).toEqual(FRAMES);
      expect(() => ended.finish()).not.toThrow();
      expect(() => mjpegParserFor({}).finish()).not.toThrow();
    });

    it('says bad-part, not not-mjpeg, for garbage after the stream was recognised', () => {
      const parser = new MjpegParser();
      expect(parser.push(multipart([FRAMES[0]!]))).toEqual([FRAMES[0]]);
      expect(errorOf(() => feed(parser, Buffer.alloc(70_000, 0x61), () => 1000)).reason).toBe('bad-part');
      const raw = new MjpegParser();
      expect(raw.push(FRAMES[0]!)).toEqual([FRAMES[0]]);
      expect(errorOf(() => raw.push(Buffer.from('<html>'))).reason).toBe('bad-part');
    });
  });

  describe('refuses', () => {
    it('a part larger than maxFrameBytes by its Content-Length, and keeps refusing', () => {
      const parser = new MjpegParser({ boundary: 'frame', maxFrameBytes: 100 });
      const error = errorOf(() => parser.push(multipart([FRAMES[0]!])));
      expect(error.reason).toBe('frame-too-large');
      expect(error.message).toContain('exceeds the limit of 100');
      expect(errorOf(() => parser.push(Buffer.from('more'))).reason).toBe('frame-too-large');
    });

    it('a frame without Content-Length that grows past maxFrameBytes, before it ends', () => {
      const parser = new MjpegParser({ boundary: 'frame', maxFrameBytes: 1000 });
      const endless = Buffer.concat([
        Buffer.from('--frame\r\n\r\n'),
        FRAMES[0]!.subarray(0, FRAMES[0]!.length - 2),
        Buffer.alloc(2000, 0x11),
      ]);
      expect(errorOf(() => feed(parser, endless, () => 100)).reason).toBe('frame-too-large');
    });

    it('a body that is not MJPEG', () => {
      expect(errorOf(() => new MjpegParser().push(Buffer.from('<!doctype html><html>'))).reason).toBe('not-mjpeg');
      expect(errorOf(() => new MjpegParser().push(Buffer.from('<!doctype html>'))).message).toContain('"<!doctype html>"');
      const parser = new MjpegParser({ boundary: 'frame' });
      expect(errorOf(() => feed(parser, Buffer.alloc(70_000, 0x61), () => 1000)).reason).toBe('not-mjpeg');
    });

    it('a part that says it is an image but is not a JPEG', () => {
      const png = Buffer.from('\x89PNG\r\n\x1a\n', 'latin1');
      expect(errorOf(() => new MjpegParser({ boundary: 'frame' }).push(multipart([png]))).reason).toBe('not-jpeg');
      expect(errorOf(() => new MjpegParser({ boundary: 'frame' }).push(multipart([png], { contentLength: false }))).reason).toBe(
        'not-jpeg',
      );
    });

    it('input that would make it buffer without bound, at every step of the loose framing', () => {
      // A first line that never ends: not a boundary line (1 KiB at most).
      expect(errorOf(() => feed(new MjpegParser(), Buffer.from(`--${'b'.repeat(2000)}`), () => 100)).reason).toBe('not-mjpeg');
      // A preamble that never reaches the boundary the Content-Type names (64 KiB at most).
      const preamble = Buffer.concat([Buffer.from('x'.repeat(2000)), Buffer.alloc(70_000, 0x20)]);
      expect(errorOf(() => feed(new MjpegParser({ boundary: 'frame' }), preamble, () => 500)).reason).toBe('not-mjpeg');
      // Part headers that never end (16 KiB at most).
      const headers = Buffer.concat([Buffer.from('--frame\r\n'), Buffer.from('X-Pad: y\r\n'.repeat(2000))]);
      expect(errorOf(() => feed(new MjpegParser(), headers, () => 700)).reason).toBe('bad-part');
      // Blank lines between a boundary and its headers are consumed as they come, never gathered.
      const parser = new MjpegParser();
      for (let i = 0; i < 20_000; i += 1) parser.push(Buffer.from(i === 0 ? '--frame\r\n' : '\r\n'));
      expect(parser.push(multipart([FRAMES[0]!]).subarray('--frame\r\n'.length))).toEqual([FRAMES[0]]);
    });

    it('malformed part headers', () => {
      const badLength = Buffer.from('--frame\r\nContent-Length: lots\r\n\r\n');
      expect(errorOf(() => new MjpegParser({ boundary: 'frame' }).push(badLength)).reason).toBe('bad-part');
      const noColon = Buffer.from('--frame\r\nthis is not a header\r\n\r\n');
      expect(errorOf(() => new MjpegParser({ boundary: 'frame' }).push(noColon)).reason).toBe('bad-part');
    });
  });
});
