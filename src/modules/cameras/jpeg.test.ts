import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { isJpeg, jpegSize } from './jpeg.js';

function encode(width: number, height: number, comments?: string[]): Buffer {
  const data = Buffer.alloc(width * height * 4, 0x80);
  return jpeg.encode({ data, width, height, ...(comments ? { comments } : {}) }, 50).data;
}

/** A JPEG with a COM segment spliced in right after SOI, as the simulator does. */
function withComment(image: Buffer, text: string): Buffer {
  const segment = Buffer.alloc(4 + text.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  segment.write(text, 4, 'latin1');
  return Buffer.concat([image.subarray(0, 2), segment, image.subarray(2)]);
}

describe('isJpeg', () => {
  it('accepts bytes from SOI to EOI', () => {
    expect(isJpeg(encode(16, 16))).toBe(true);
  });

  it('refuses a truncated image, other formats and tiny buffers', () => {
    const image = encode(16, 16);
    expect(isJpeg(image.subarray(0, image.length - 1))).toBe(false);
    expect(isJpeg(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toBe(false);
    expect(isJpeg(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    expect(isJpeg(Buffer.alloc(0))).toBe(false);
  });
});

describe('jpegSize', () => {
  it('reads width and height from the start-of-frame segment', () => {
    expect(jpegSize(encode(320, 240))).toEqual({ width: 320, height: 240 });
    expect(jpegSize(encode(17, 9))).toEqual({ width: 17, height: 9 });
  });

  it('skips APP and COM segments before the frame header, including one spliced after SOI', () => {
    const image = withComment(encode(64, 48, ['a comment written by the encoder']), 'vigil-sim camera=7 seq=123');
    expect(isJpeg(image)).toBe(true);
    expect(jpegSize(image)).toEqual({ width: 64, height: 48 });
  });

  it('reads a progressive (SOF2) frame header', () => {
    const sof2 = Buffer.from([0xff, 0xd8, 0xff, 0xc2, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    expect(jpegSize(sof2)).toEqual({ width: 640, height: 480 });
  });

  it('says undefined when there is no frame header before the scan, or the bytes are not a JPEG', () => {
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]))).toBeUndefined();
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeUndefined();
    expect(jpegSize(Buffer.from('GIF89a', 'latin1'))).toBeUndefined();
    expect(jpegSize(encode(32, 32).subarray(0, 10))).toBeUndefined();
  });
});
