// The raw-socket HTTP client for camera streams: the body reader on any splits, and streamGet
// against real loopback servers (raw TCP, to control every byte of the answer).
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyReader, HttpStreamError, parseHead, streamGet } from './http-stream.js';
import type { StreamResponse } from './http-stream.js';
import { pollUntil } from '../../../test/helpers/poll.js';

function chunked(parts: Buffer[]): Buffer {
  const pieces: Buffer[] = [];
  for (const [i, part] of parts.entries()) {
    // Upper and lower case hex, and a chunk extension on one of them.
    const size = i % 2 === 0 ? part.length.toString(16) : part.length.toString(16).toUpperCase();
    pieces.push(Buffer.from(`${size}${i === 1 ? ';name=value' : ''}\r\n`), part, Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
  return Buffer.concat(pieces);
}

function splitRandomly(data: Buffer, seed: number): Buffer[] {
  let state = seed;
  const out: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (state % 97);
    out.push(Buffer.from(data.subarray(at, at + n)));
    at += n;
  }
  return out;
}

describe('BodyReader', () => {
  const parts = [Buffer.alloc(300, 1), Buffer.alloc(17, 2), Buffer.alloc(1000, 3)];
  const whole = Buffer.concat(parts);

  it('undoes the chunked coding on any splits, and says when the body is complete', () => {
    const data = Buffer.concat([chunked(parts), Buffer.from('ignored after the body')]);
    for (let seed = 1; seed <= 40; seed++) {
      const got: Buffer[] = [];
      const reader = new BodyReader({ kind: 'chunked' }, (bytes, start, end) => got.push(Buffer.from(bytes.subarray(start, end))));
      let complete = false;
      for (const piece of splitRandomly(data, seed)) if (!complete) complete = reader.push(piece);
      expect(complete, `seed ${seed}`).toBe(true);
      expect(Buffer.concat(got).equals(whole), `seed ${seed}`).toBe(true);
    }
  });

  it('reads only the range it is given of a reused read buffer, and reads size lines with spaces, extensions and either case', () => {
    const body = Buffer.concat([
      Buffer.from('1A ;ext="x"\r\n'),
      Buffer.alloc(26, 4),
      Buffer.from('\r\nb\r\n'),
      Buffer.alloc(11, 5),
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const expected = Buffer.concat([Buffer.alloc(26, 4), Buffer.alloc(11, 5)]);
    for (let seed = 1; seed <= 20; seed++) {
      const got: Buffer[] = [];
      const reader = new BodyReader({ kind: 'chunked' }, (bytes, start, end) => got.push(Buffer.from(bytes.subarray(start, end))));
      const read = Buffer.alloc(200);
      let complete = false;
      for (const piece of splitRandomly(body, seed)) {
        // Around the range: what an earlier read left in the buffer, made to look like chunk lines.
        read.fill('\r\nff\r\n0\r\n\r\n');
        piece.copy(read, 50);
        if (!complete) complete = reader.push(read, 50, 50 + piece.length);
      }
      expect(complete, `seed ${seed}`).toBe(true);
      expect(Buffer.concat(got).equals(expected), `seed ${seed}`).toBe(true);
    }
  });

  it('stops at Content-Length, and passes everything through when the close ends the body', () => {
    const got: Buffer[] = [];
    const length = new BodyReader({ kind: 'length', left: 5 }, (bytes, start, end) => got.push(Buffer.from(bytes.subarray(start, end))));
    expect(length.push(Buffer.from('abc'))).toBe(false);
    expect(length.push(Buffer.from('defgh'))).toBe(true);
    expect(Buffer.concat(got).toString()).toBe('abcde');
    const seen: string[] = [];
    const close = new BodyReader({ kind: 'close' }, (bytes, start, end) => seen.push(bytes.toString('utf8', start, end)));
    expect(close.push(Buffer.from('x'))).toBe(false);
    expect(seen).toEqual(['x']);
  });

  it('refuses a bad chunk size and a missing line break after a chunk', () => {
    expect(() => new BodyReader({ kind: 'chunked' }, () => undefined).push(Buffer.from('zz\r\n'))).toThrow(HttpStreamError);
    expect(() => new BodyReader({ kind: 'chunked' }, () => undefined).push(Buffer.from('2\r\nabX\r\n'))).toThrow(/line break/);
    expect(() => new BodyReader({ kind: 'chunked' }, () => undefined).push(Buffer.alloc(2000, 0x31))).toThrow(/too long/);
    expect(() => new BodyReader({ kind: 'chunked' }, () => undefined).push(Buffer.from('1234567890abc\r\n'))).toThrow(/bad chunk size/);
    expect(() => new BodyReader({ kind: 'chunked' }, () => undefined).push(Buffer.from(' 5\r\n'))).toThrow(/bad chunk size/);
    expect(() => new BodyReader({ kind: 'chunked' }, () => undefined).push(Buffer.from('5 5\r\n'))).toThrow(/bad chunk size/);
  });
});

describe('parseHead', () => {
  it('reads the status and the headers, lower-cased, repeated ones joined', () => {
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=f\r\nX-A: 1\r\nx-a: 2')).toEqual({
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'multipart/x-mixed-replace;boundary=f', 'x-a': '1, 2' },
    });
    expect(parseHead('HTTP/1.0 401\nWWW-Authenticate: Basic').status).toBe(401);
    expect(() => parseHead('ICY 200 OK')).toThrow(/not an HTTP/);
    expect(() => parseHead('HTTP/1.1 200 OK\r\nno colon here')).toThrow(/not a header/);
  });
});

describe('streamGet', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A raw TCP server: `answer` writes whatever it wants once the request head has arrived. */
  async function serve(answer: (socket: net.Socket, request: string) => void): Promise<URL> {
    const server = net.createServer((socket) => {
      let request = '';
      socket.on('data', (chunk) => {
        request += chunk.toString('latin1');
        if (request.includes('\r\n\r\n')) answer(socket, request);
      });
      socket.on('error', () => undefined);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/cam/stream.mjpg?x=1`);
  }

  function get(url: URL, timeoutMs = 2_000) {
    const responses: StreamResponse[] = [];
    const body: Buffer[] = [];
    const controller = new AbortController();
    const done = streamGet({
      url,
      headers: { authorization: 'Basic dTpw' },
      signal: controller.signal,
      timeoutMs,
      onResponse: (r) => responses.push(r),
      onBody: (bytes, start, end) => body.push(Buffer.from(bytes.subarray(start, end))),
    });
    return { done, responses, body: () => Buffer.concat(body), abort: () => controller.abort() };
  }

  it('sends a GET with the headers, and reads a chunked body written in small pieces, head split too', async () => {
    let request = '';
    const url = await serve((socket, req) => {
      request = req;
      const data = Buffer.concat([
        Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n'),
        chunked([Buffer.from('hello '), Buffer.from('world')]),
      ]);
      const pieces = splitRandomly(data, 7);
      const next = () => {
        const piece = pieces.shift();
        if (piece) socket.write(piece, () => setTimeout(next, 1));
      };
      next();
    });
    const stream = get(url);
    await stream.done;
    expect(request).toMatch(/^GET \/cam\/stream\.mjpg\?x=1 HTTP\/1\.1\r\n/);
    expect(request).toContain('\r\nauthorization: Basic dTpw\r\n');
    expect(request).toContain(`\r\nHost: 127.0.0.1:${url.port}\r\n`);
    expect(stream.responses).toEqual([
      { status: 200, statusText: 'OK', headers: { 'transfer-encoding': 'chunked', 'content-type': 'text/plain' } },
    ]);
    expect(stream.body().toString()).toBe('hello world');
  });

  it('streams a body that the close ends, and resolves when aborted mid-stream', async () => {
    const url = await serve((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=f\r\n\r\nfirst');
    });
    const stream = get(url);
    await pollUntil(
      () => stream.body().length,
      (length) => length > 0,
      { intervalMs: 10, what: 'the first body bytes' },
    );
    stream.abort();
    await stream.done;
    expect(stream.body().toString()).toBe('first');
  });

  it('ends with what onResponse throws (a refusal), and with a clear error for a timeout or an early close', async () => {
    // A refusal with an empty body completes at once; the caller sees its status.
    const refused = get(await serve((socket) => socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n')));
    await refused.done;
    expect(refused.responses.map((r) => r.status)).toEqual([401]);
    const thrower = streamGet({
      url: await serve((socket) => socket.end('HTTP/1.1 500 Oops\r\n\r\n')),
      headers: {},
      signal: new AbortController().signal,
      timeoutMs: 2_000,
      onResponse: (r) => {
        throw new Error(`refused ${r.status}`);
      },
      onBody: () => undefined,
    });
    await expect(thrower).rejects.toThrow('refused 500');

    const silent = get(await serve(() => undefined), 200);
    await expect(silent.done).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    const closed = get(await serve((socket) => socket.end()));
    await expect(closed.done).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    const garbage = get(await serve((socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n')));
    await expect(garbage.done).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    const huge = get(await serve((socket) => socket.write(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}`)));
    await expect(huge.done).rejects.toThrow(/head over/);
  });

  it('says ECONNREFUSED when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const stream = get(new URL(`http://127.0.0.1:${port}/`));
    await expect(stream.done).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
