// Answers to requests refused before routing, over a real socket (inject() bypasses Node's HTTP
// parser): a bad URL escape, headers over the limit, Transfer-Encoding with Content-Length, a
// malformed request, and a body over the limit sent by a client that reads only once it has sent
// everything. Each is the unified error body with X-Request-Id and the security headers.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../src/platform/http/security-headers.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { pollUntil } from './helpers/poll.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BODY_LIMIT = 2048;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** A socket error seen by the client (ECONNRESET, EPIPE), if any. */
  error: string | undefined;
}

function parse(received: Buffer[]): Omit<RawAnswer, 'error'> | undefined {
  const text = Buffer.concat(received).toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = text.slice(end + 4);
  if (Buffer.byteLength(body) < Number(headers['content-length'] ?? Infinity)) return undefined;
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body };
}

/**
 * Sends `chunks` on a new connection and reads one answer (until its Content-Length, or until the
 * server closes). With `readAfterSending` the client does not read before it has sent everything,
 * as simple synchronous clients do.
 */
function rawRequest(port: number, chunks: (string | Buffer)[], { readAfterSending = false } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const answer = parse(received);
      resolve(answer ? { ...answer, error } : { status: 0, headers: {}, body: Buffer.concat(received).toString('utf8'), error });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 20 s; received: ${Buffer.concat(received).toString('latin1').slice(0, 200)}`));
    }, 20_000);
    if (readAfterSending) socket.pause();
    socket.on('data', (data: Buffer) => {
      received.push(data);
      if (parse(received)) finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', finish);
    socket.on('connect', () => {
      void (async () => {
        for (const chunk of chunks) {
          if (socket.destroyed) break;
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
        socket.resume();
      })();
    });
  });
}

describe('errors before routing, over a real socket', () => {
  let vigil: TestVigil;
  let port: number;
  const expected = securityHeaders({ hsts: false }).api;

  beforeAll(async () => {
    vigil = await startTestVigil({ listen: true, env: { VIGIL_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
    port = Number(new URL(vigil.url).port);
  });
  afterAll(() => vigil.stop());

  async function expectUnified(answer: RawAnswer, status: number, code: string) {
    expect(answer.status, `${answer.error ?? ''} ${answer.body}`).toBe(status);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toEqual({
      code,
      message: expect.any(String),
      details: expect.any(Object),
      timestamp: expect.stringMatching(ISO),
      requestId: expect.any(String),
    });
    expect(answer.headers['x-request-id']).toBe(body.requestId);
    for (const [name, value] of Object.entries(expected)) expect(answer.headers[name], name).toBe(value);
    // The request id the client got leads to a log line.
    await pollUntil(
      () => vigil.logs.records().some((r) => r.requestId === body.requestId),
      (found) => found,
      { what: `a log line with request id ${String(body.requestId)}` },
    );
    return body as { code: string; message: string; details: Record<string, unknown> };
  }

  it('answers a bad URL escape with 400 BAD_REQUEST', async () => {
    for (const path of ['/api/v1/cameras/%ZZ', '/api/v1/organization-units/%E0%A4%A', '/%']) {
      const answer = await rawRequest(port, [`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`]);
      const body = await expectUnified(answer, 400, 'BAD_REQUEST');
      expect(body.details).toEqual({ reason: 'FST_ERR_BAD_URL' });
    }
  });

  it('answers a path parameter over 100 characters with 414 BAD_REQUEST', async () => {
    const answer = await rawRequest(port, [
      `GET /api/v1/cameras/${'a'.repeat(200)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    ]);
    const body = await expectUnified(answer, 414, 'BAD_REQUEST');
    expect(body.details).toEqual({ reason: 'FST_ERR_MAX_PARAM_LENGTH' });
  });

  it('answers headers over the limit with 431 HEADERS_TOO_LARGE', async () => {
    const answer = await rawRequest(port, [`GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    const body = await expectUnified(answer, 431, 'HEADERS_TOO_LARGE');
    expect(body.details).toEqual({ limitBytes: 16_384 });
    expect(answer.headers.connection).toBe('close');
  });

  it('answers Transfer-Encoding with Content-Length, in either order, with 400 BAD_REQUEST', async () => {
    for (const headers of ['Content-Length: 5\r\nTransfer-Encoding: chunked', 'Transfer-Encoding: chunked\r\nContent-Length: 5']) {
      const answer = await rawRequest(port, [`POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n\r\n0\r\n\r\n`]);
      const body = await expectUnified(answer, 400, 'BAD_REQUEST');
      expect(body.message).toMatch(/Transfer-Encoding/);
      expect(body.details.reason).toMatch(/^HPE_/);
    }
  });

  it('answers a request that is not HTTP with 400 BAD_REQUEST', async () => {
    for (const request of ['G@T / HTTP/1.1\r\nHost: localhost\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
      const body = await expectUnified(await rawRequest(port, [request]), 400, 'BAD_REQUEST');
      expect(body.details.reason).toMatch(/^HPE_/);
    }
  });

  it('answers a body over the limit with 413 that reaches a client reading only after sending it all', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    // 16 MiB: more than loopback buffers hold, so the client is still sending when the answer comes.
    const chunks = Array.from({ length: 256 }, () => chunk);
    const total = chunks.length * chunk.length;
    // Declared too large: refused before a byte of the body is read; whether the client keeps the
    // connection or asks to close it. Without credentials the answer is 401, also before the body.
    for (const [url, status, code] of [
      ['/api/auth/login', 413, 'PAYLOAD_TOO_LARGE'],
      ['/api/v1/organization-units', 401, 'UNAUTHORIZED'],
    ] as const) {
      for (const connection of ['keep-alive', 'close']) {
        const answer = await rawRequest(
          port,
          [
            `POST ${url} HTTP/1.1\r\nHost: localhost\r\nConnection: ${connection}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
            ...chunks,
          ],
          { readAfterSending: true },
        );
        await expectUnified(answer, status, code);
        expect(answer.error).toBeUndefined();
      }
    }
    // Chunked, with no length announced: refused once the limit is passed.
    const chunked = chunks.map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]));
    const streamed = await rawRequest(
      port,
      [
        'POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        ...chunked,
        '0\r\n\r\n',
      ],
      { readAfterSending: true },
    );
    await expectUnified(streamed, 413, 'PAYLOAD_TOO_LARGE');
    expect(streamed.error).toBeUndefined();
  });
});
