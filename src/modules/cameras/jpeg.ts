// Just enough JPEG structure to check a frame and read its size without decoding it.

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** True when the bytes run from a start-of-image marker to an end-of-image marker. */
export function isJpeg(buffer: Uint8Array): boolean {
  const n = buffer.length;
  return n >= 4 && buffer[0] === 0xff && buffer[1] === SOI && buffer[n - 2] === 0xff && buffer[n - 1] === EOI;
}

// Every start-of-frame marker (baseline, extended, progressive, lossless, arithmetic) carries the
// size at the same offsets; C4 (DHT), C8 (JPG) and CC (DAC) sit in that range but are not frames.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Width and height from the start-of-frame segment, or undefined when there is none before the scan. */
export function jpegSize(buffer: Uint8Array): { width: number; height: number } | undefined {
  if (buffer.length < 4 || buffer[0] !== 0xff || buffer[1] !== SOI) return undefined;
  let pos = 2;
  while (pos + 4 <= buffer.length) {
    if (buffer[pos] !== 0xff) return undefined;
    const marker = buffer[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a length
      continue;
    }
    if (marker === SOS || marker === EOI) return undefined;
    const length = (buffer[pos + 2]! << 8) | buffer[pos + 3]!;
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      if (pos + 9 > buffer.length || length < 7) return undefined;
      const height = (buffer[pos + 5]! << 8) | buffer[pos + 6]!;
      const width = (buffer[pos + 7]! << 8) | buffer[pos + 8]!;
      return { width, height };
    }
    pos += 2 + length;
  }
  return undefined;
}
