// The MJPEG parser's cost per frame, this checkout against another commit's parser, in one run:
// `npx tsx bench/mjpeg-parser.ts [ref]` (ref: a git revision, `main` by default). The other parser
// (src/modules/cameras/mjpeg.ts, which imports nothing) is read with `git show` into a temporary
// directory and loaded beside this one; the two are measured in alternating rounds, so drift on a
// shared machine hits both alike, and the median of the rounds is reported.
//
// Each workload is a stream of 40 different 320×240 JPEGs (about the size of the simulator's
// frames), framed one way, pushed in reads of one size from one reused buffer, with the frame memory
// reused the way the camera worker reuses it. Measured: CPU time (user + system) per frame.
// BENCH_MJPEG_ROUNDS (7) and BENCH_MJPEG_FRAMES (20,000 per round) set the size; BENCH_MJPEG_ONLY
// keeps the workloads whose name contains it. A ratio under 1 means this checkout is cheaper; run it
// against the checkout itself (`HEAD`) to see the noise of the machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';

interface Parser {
  push(chunk: Buffer): Buffer[];
  /** Since issue 14: a range of the read, frames handed to a function (the camera worker's way). */
  write?(chunk: Buffer, from: number, to: number, onFrame: (frame: Buffer) => void): void;
}
type ParserClass = new (options?: { boundary?: string; allocate?: (size: number) => Buffer }) => Parser;

const ROUNDS = Number(process.env.BENCH_MJPEG_ROUNDS ?? 7);
const FRAMES_PER_ROUND = Number(process.env.BENCH_MJPEG_FRAMES ?? 20_000);

function frames(): Buffer[] {
  const width = 320;
  const height = 240;
  const out: Buffer[] = [];
  for (let n = 0; n < 40; n += 1) {
    const data = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const p = (y * width + x) * 4;
        data[p] = (x * 3 + n * 7) & 0xff;
        data[p + 1] = (y * 5 + ((x * y) >> 6)) & 0xff;
        data[p + 2] = ((x ^ y) + n * 13) & 0xff;
        data[p + 3] = 0xff;
      }
    }
    out.push(jpeg.encode({ data, width, height }, 60).data);
  }
  return out;
}

interface Workload {
  name: string;
  stream: Buffer;
  read: number;
  boundary?: string;
  frames: number;
}

function multipart(images: Buffer[], withLength: boolean): Buffer {
  return Buffer.concat(
    images.flatMap((image) => [
      Buffer.from(`--frame\r\nContent-Type: image/jpeg\r\n${withLength ? `Content-Length: ${image.length}\r\n` : ''}\r\n`, 'latin1'),
      image,
      Buffer.from('\r\n', 'latin1'),
    ]),
  );
}

function workloads(images: Buffer[]): Workload[] {
  const withLength = multipart(images, true);
  const withoutLength = multipart(images, false);
  return [
    { name: 'Content-Length, 64 KiB reads', stream: withLength, read: 65_536, boundary: 'frame', frames: images.length },
    { name: 'Content-Length, 1,448-byte reads', stream: withLength, read: 1_448, boundary: 'frame', frames: images.length },
    { name: 'no Content-Length, 64 KiB reads', stream: withoutLength, read: 65_536, boundary: 'frame', frames: images.length },
    { name: 'boundary learnt from the body, 16 KiB reads', stream: withLength, read: 16_384, frames: images.length },
  ];
}

/** CPU microseconds per frame for `total` frames through one parser. */
function measure(Parser: ParserClass, work: Workload, total: number): number {
  let spare: Buffer | null = null;
  const allocate = (size: number): Buffer => {
    if (spare !== null && spare.buffer.byteLength >= size) {
      const memory = Buffer.from(spare.buffer, 0, size);
      spare = null;
      return memory;
    }
    return Buffer.allocUnsafeSlow(Math.ceil(size * 1.25)).subarray(0, size);
  };
  const parser = new Parser({ ...(work.boundary ? { boundary: work.boundary } : {}), allocate });
  // The reads land in one buffer reused for every read, as in http-stream.ts.
  const read = Buffer.allocUnsafe(work.read);
  let seen = 0;
  let last: Buffer | null = null;
  const onFrame = (frame: Buffer) => {
    if (last !== null) spare = last;
    last = frame;
    seen += 1;
  };
  const before = process.cpuUsage();
  while (seen < total) {
    for (let at = 0; at < work.stream.length && seen < total; at += work.read) {
      const n = work.stream.copy(read, 0, at, Math.min(work.stream.length, at + work.read));
      // Each parser the way the worker of its time fed it: a range and a function, or a view and an array.
      if (parser.write) parser.write(read, 0, n, onFrame);
      else for (const frame of parser.push(read.subarray(0, n))) onFrame(frame);
    }
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / seen;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  const ref = process.argv[2] ?? 'main';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-mjpeg-bench-'));
  try {
    const source = execFileSync('git', ['show', `${ref}:src/modules/cameras/mjpeg.ts`], { encoding: 'utf8' });
    writeFileSync(path.join(dir, 'mjpeg.ts'), source);
    const baseline = ((await import(pathToFileURL(path.join(dir, 'mjpeg.ts')).href)) as { MjpegParser: ParserClass }).MjpegParser;
    const candidate = ((await import('../src/modules/cameras/mjpeg.js')) as unknown as { MjpegParser: ParserClass }).MjpegParser;
    const images = frames();
    const average = Math.round(images.reduce((sum, image) => sum + image.length, 0) / images.length);
    console.log(
      `MJPEG parser, CPU µs per frame (40 JPEGs of 320×240, ${average} bytes on average); ${ROUNDS} alternating rounds of ${FRAMES_PER_ROUND} frames, median`,
    );
    console.log(`baseline: ${ref}'s parser; candidate: this checkout's`);
    console.log('');
    console.log(`${'workload'.padEnd(46)} ${'baseline'.padStart(9)} ${'candidate'.padStart(9)} ${'ratio'.padStart(7)}`);
    const only = process.env.BENCH_MJPEG_ONLY;
    for (const work of workloads(images).filter((w) => only === undefined || w.name.includes(only))) {
      // Warm-up, both.
      measure(baseline, work, 2_000);
      measure(candidate, work, 2_000);
      const a: number[] = [];
      const b: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        if (round % 2 === 0) {
          a.push(measure(baseline, work, FRAMES_PER_ROUND));
          b.push(measure(candidate, work, FRAMES_PER_ROUND));
        } else {
          b.push(measure(candidate, work, FRAMES_PER_ROUND));
          a.push(measure(baseline, work, FRAMES_PER_ROUND));
        }
      }
      const ma = median(a);
      const mb = median(b);
      console.log(`${work.name.padEnd(46)} ${ma.toFixed(2).padStart(9)} ${mb.toFixed(2).padStart(9)} ${(mb / ma).toFixed(3).padStart(7)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
