// Camera sources meet the network rules before every connection: names resolved by a stubbed
// resolver, refusals decided before any socket is opened (loopback listeners count what reaches
// them), the connection made to the address checked, no redirect followed, and nothing the other
// side sent repeated in lastError. Only loopback is ever connected to.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../../test/helpers/poll.js';
import { createAttemptGate } from './runtime/attempt-gate.js';
import { createSupervisor } from './runtime/supervisor.js';
import type { Supervisor } from './runtime/supervisor.js';
import type { CameraStatus } from './runtime/worker.js';
import { createSourceGuard } from './source-guard.js';
import type { ProtectedEndpoint, Resolver, SourceGuard } from './source-guard.js';
import type { SourceType } from './source.js';

const PEER = 'SECRET-BANNER';
const ffmpegPresent = spawnSync('ffmpeg', ['-version']).status === 0;

interface Listener {
  port: number;
  connections: number;
  heads: string[];
  close(): Promise<void>;
}

/**
 * A loopback TCP server that counts connections, keeps each request head, and answers with `answer`
 * (with `Connection: close`, so that node:http never reuses a socket the server has closed).
 */
async function listen(answer: (socket: net.Socket, head: string) => void = (s) => s.destroy(), host = '127.0.0.1'): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, heads: [] as string[] };
  const server = net.createServer((socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        state.heads.push(head);
        answer(socket, head);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
    heads: state.heads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function stubResolver(answers: Record<string, string[]>): { resolve: Resolver; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: (hostname) => {
      calls.push(hostname);
      const found = answers[hostname];
      if (!found) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      return Promise.resolve(found.map((address) => ({ address, family: net.isIP(address) })));
    },
  };
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function supervisorWith(guard: SourceGuard, ffmpegPath = '/nonexistent/ffmpeg'): Supervisor {
  const supervisor = createSupervisor({
    log: pino({ level: 'silent' }),
    gate: createAttemptGate({ perSecond: 1_000 }),
    guard,
    settings: {
      stallTimeoutMs: 3_000,
      backoff: { baseMs: 20, maxMs: 100 },
      connectTimeoutMs: 3_000,
      fpsWindowMs: 5_000,
      maxFrameBytes: 1 << 22,
      ffmpegPath,
    },
    hooks: {
      onState: () => undefined,
      onFrame: () => undefined,
      onBytes: () => undefined,
      onStall: () => undefined,
      onReconnect: () => undefined,
    },
  });
  cleanup.push(() => supervisor.stopAll());
  return supervisor;
}

async function failed(supervisor: Supervisor, id: string, sourceUrl: string, sourceType: SourceType): Promise<CameraStatus> {
  await supervisor.start({ id, sourceUrl, sourceType, expectedFps: 5, credentials: null });
  return pollUntil(
    () => supervisor.status(id),
    (s) => s?.lastError !== null && s?.lastError !== undefined,
    { timeoutMs: 15_000, what: `a failure of ${id}` },
  ) as Promise<CameraStatus>;
}

describe('createSourceGuard', () => {
  it('refuses a literal address by the rules, and leaves names to be checked once resolved', async () => {
    const { resolve, calls } = stubResolver({});
    const guard = createSourceGuard({ resolve, localAddresses: () => [] });
    expect(await guard.literal(new URL('http://169.254.169.254/latest/meta-data/'))).toEqual({
      reason: 'cloud-metadata',
      address: '169.254.169.254',
      port: 80,
      network: '169.254.169.254/32',
    });
    expect(await guard.literal(new URL('https://[::ffff:169.254.169.254]/'))).toMatchObject({ reason: 'cloud-metadata', port: 443 });
    expect(await guard.literal(new URL('rtsp://[fe80::1]/live'))).toMatchObject({ reason: 'link-local', port: 554 });
    // rtsp:// is no special scheme to the URL parser, which leaves other IPv4 notations as written.
    expect(await guard.literal(new URL('rtsp://0251.0376.0251.0376/live'))).toMatchObject({
      reason: 'cloud-metadata',
      address: '169.254.169.254',
    });
    expect(await guard.literal(new URL('rtsp://2852039166/live'))).toMatchObject({ reason: 'cloud-metadata' });
    expect(await guard.literal(new URL('rtsp://0xa9.254.0x1.1/live'))).toMatchObject({ reason: 'link-local' });
    expect(await guard.literal(new URL('rtsp://cafe.example/live'))).toBeUndefined();
    expect(await guard.literal(new URL('rtsp://beef/live'))).toBeUndefined();
    expect(await guard.literal(new URL('http://10.0.0.5:8081/x'))).toBeUndefined();
    expect(await guard.literal(new URL('http://cameras.example/x'))).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('resolves a name and refuses it when any of its addresses is refused; the first address is the target', async () => {
    const { resolve } = stubResolver({
      mixed: ['10.0.0.5', '169.254.169.254'],
      good: ['10.0.0.5', 'fd00::5'],
      mapped: ['::ffff:a9fe:a9fe'],
      none: [],
    });
    const guard = createSourceGuard({ resolve, localAddresses: () => [] });
    expect(await guard.target(new URL('http://mixed/x'))).toMatchObject({ kind: 'refused', refusal: { reason: 'cloud-metadata' } });
    expect(await guard.target(new URL('http://mapped/x'))).toMatchObject({ kind: 'refused', refusal: { address: '169.254.169.254' } });
    expect(await guard.target(new URL('rtsp://good/x'))).toEqual({
      kind: 'allowed',
      target: { address: '10.0.0.5', family: 4, port: 554 },
    });
    expect(await guard.target(new URL('http://[fd00::5]:81/x'))).toEqual({
      kind: 'allowed',
      target: { address: 'fd00::5', family: 6, port: 81 },
    });
    expect(await guard.target(new URL('http://none/x'))).toEqual({ kind: 'unresolved' });
    expect(await guard.target(new URL('http://unknown/x'))).toEqual({ kind: 'unresolved' });
  });

  it("refuses Vigil's endpoints, their names resolved, read afresh at every check", async () => {
    const { resolve } = stubResolver({ 'db.internal': ['10.0.0.9'], cam: ['10.0.0.9'], local: ['127.0.0.1'] });
    const endpoints: ProtectedEndpoint[] = [{ host: 'db.internal', port: 5432 }];
    const guard = createSourceGuard({ resolve, endpoints: () => endpoints, localAddresses: () => ['127.0.0.1', '::1', '192.168.7.7'] });
    expect(await guard.target(new URL('http://cam:5432/'))).toMatchObject({ kind: 'refused', refusal: { reason: 'vigil-endpoint' } });
    expect(await guard.target(new URL('http://cam:5433/'))).toMatchObject({ kind: 'allowed' });
    expect(await guard.target(new URL('http://local:8080/'))).toMatchObject({ kind: 'allowed' });
    endpoints.push({ port: 8080 });
    expect(await guard.target(new URL('http://local:8080/'))).toMatchObject({ kind: 'refused', refusal: { reason: 'vigil-endpoint' } });
    expect(await guard.literal(new URL('http://192.168.7.7:8080/'))).toMatchObject({ reason: 'vigil-endpoint' });
    expect(await guard.literal(new URL('http://[::1]:8080/'))).toMatchObject({ reason: 'vigil-endpoint' });
  });
});

describe('camera connections', () => {
  it('refuses a name that resolves to a refused address before opening a socket, for every source kind, at every reconnect', async () => {
    const target = await listen((socket) => socket.end('HTTP/1.1 500 Nope\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    cleanup.push(() => target.close());
    // "localhost" so that, without the check, the system's resolver would reach the listener.
    const { resolve, calls } = stubResolver({ localhost: ['127.0.0.1', '169.254.169.254'] });
    const supervisor = supervisorWith(createSourceGuard({ resolve }));
    const sources: [string, string, SourceType][] = [
      ['mjpeg', `http://localhost:${target.port}/stream.mjpg`, 'mjpeg'],
      ['https', `https://localhost:${target.port}/stream.mjpg`, 'mjpeg'],
      ['snapshot', `http://localhost:${target.port}/snapshot.jpg`, 'snapshot'],
      // ffmpeg is not at its path: had it been spawned, the error would be FFMPEG_NOT_AVAILABLE.
      ['rtsp', `rtsp://localhost:${target.port}/live`, 'rtsp'],
    ];
    for (const [id, url, type] of sources) {
      const status = await failed(supervisor, id, url, type);
      expect(status.state, id).toBe('error');
      expect(status.lastError, id).toMatchObject({ code: 'SOURCE_ADDRESS_REFUSED' });
      expect(status.lastError!.message).toContain('169.254.169.254:');
      expect(status.lastError!.message).toContain('cloud metadata');
    }
    // Every reconnect resolves and checks again.
    const before = calls.length;
    await pollUntil(
      () => calls.length,
      (n) => n >= before + 8,
      { what: 'reconnects to check again' },
    );
    expect(target.connections).toBe(0);
  });

  it("refuses Vigil's own port reached by name or address, without connecting", async () => {
    const own = await listen();
    cleanup.push(() => own.close());
    const { resolve } = stubResolver({ localhost: ['127.0.0.1'] });
    const supervisor = supervisorWith(createSourceGuard({ resolve, endpoints: () => [{ port: own.port }] }));
    for (const [id, url] of [
      ['by-name', `http://localhost:${own.port}/metrics`],
      ['by-address', `http://127.0.0.1:${own.port}/metrics`],
      ['by-ipv6', `http://[::ffff:127.0.0.1]:${own.port}/metrics`],
    ] as const) {
      expect((await failed(supervisor, id, url, 'snapshot')).lastError, id).toMatchObject({ code: 'SOURCE_ADDRESS_REFUSED' });
    }
    expect(own.connections).toBe(0);
  });

  it('connects to the address it checked, with the name of the URL in Host, for streams and snapshots', async () => {
    // A listener on 127.0.0.2 only: the system's "localhost" (127.0.0.1, ::1) would not reach it.
    const camera = await listen(
      (socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'),
      '127.0.0.2',
    );
    cleanup.push(() => camera.close());
    const { resolve } = stubResolver({ localhost: ['127.0.0.2'] });
    const supervisor = supervisorWith(createSourceGuard({ resolve }));
    expect((await failed(supervisor, 'stream', `http://localhost:${camera.port}/stream.mjpg`, 'mjpeg')).lastError).toMatchObject({
      code: 'HTTP_401',
    });
    expect((await failed(supervisor, 'snap', `http://localhost:${camera.port}/snapshot.jpg`, 'snapshot')).lastError).toMatchObject({
      code: 'HTTP_401',
    });
    expect(
      camera.heads.some((h) => h.startsWith('GET /stream.mjpg ') && h.toLowerCase().includes(`host: localhost:${camera.port}\r\n`)),
    ).toBe(true);
    expect(
      camera.heads.some((h) => h.startsWith('GET /snapshot.jpg ') && h.toLowerCase().includes(`host: localhost:${camera.port}\r\n`)),
    ).toBe(true);
  });

  it('follows no redirect: a 3xx is a failure, and its Location is never reached', async () => {
    const elsewhere = await listen();
    cleanup.push(() => elsewhere.close());
    const redirecting = await listen((socket) =>
      socket.end(`HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:${elsewhere.port}/\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`),
    );
    cleanup.push(() => redirecting.close());
    const supervisor = supervisorWith(createSourceGuard());
    expect((await failed(supervisor, 'stream', `http://127.0.0.1:${redirecting.port}/s.mjpg`, 'mjpeg')).lastError).toMatchObject({
      code: 'HTTP_302',
    });
    expect((await failed(supervisor, 'snap', `http://127.0.0.1:${redirecting.port}/s.jpg`, 'snapshot')).lastError).toMatchObject({
      code: 'HTTP_302',
    });
    expect(elsewhere.connections).toBe(0);
  });

  it('says what failed without repeating what the other side sent', async () => {
    const answers: Record<string, string> = {
      banner: `SSH-2.0-${PEER}\r\n\r\n`,
      reason: `HTTP/1.1 500 ${PEER}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      type: `HTTP/1.1 200 OK\r\nContent-Type: text/plain; ${PEER}\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello`,
      part: `HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n\r\n--b\r\n${PEER}\r\n\r\n`,
      body: `HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\nContent-Length: 13\r\n\r\n${PEER}`,
    };
    const server = await listen((socket, head) => socket.end(answers[/^GET \/(\w+)/.exec(head)![1]!]!));
    cleanup.push(() => server.close());
    const closed = await listen();
    await closed.close();
    const supervisor = supervisorWith(createSourceGuard());
    const base = `http://127.0.0.1:${server.port}`;
    const cases: [string, string, SourceType, string][] = [
      ['s-banner', `${base}/banner`, 'mjpeg', 'BAD_RESPONSE'],
      ['s-reason', `${base}/reason`, 'mjpeg', 'HTTP_500'],
      ['s-type', `${base}/type`, 'mjpeg', 'NOT_MJPEG'],
      ['s-part', `${base}/part`, 'mjpeg', 'BAD_STREAM'],
      ['p-banner', `${base}/banner`, 'snapshot', 'BAD_RESPONSE'],
      ['p-reason', `${base}/reason`, 'snapshot', 'HTTP_500'],
      ['p-body', `${base}/body`, 'snapshot', 'NOT_JPEG'],
      ['refused', `http://127.0.0.1:${closed.port}/x`, 'mjpeg', 'CONNECTION_REFUSED'],
    ];
    for (const [id, url, type, code] of cases) {
      const { lastError } = await failed(supervisor, id, url, type);
      expect(lastError, id).toMatchObject({ code });
      expect(lastError!.message, id).not.toMatch(/SECRET|text\/plain|SSH|ECONNREFUSED/);
    }
  });

  it.runIf(ffmpegPresent)(
    'says what an RTSP server answered through ffmpeg by class only',
    async () => {
      const rtsp = await listen((socket, head) => {
        const cseq = /CSeq:\s*(\d+)/i.exec(head)?.[1] ?? '1';
        socket.end(`RTSP/1.0 403 ${PEER}\r\nCSeq: ${cseq}\r\nServer: ${PEER}\r\n\r\n`);
      });
      cleanup.push(() => rtsp.close());
      const supervisor = supervisorWith(createSourceGuard(), 'ffmpeg');
      const { lastError } = await failed(supervisor, 'rtsp', `rtsp://127.0.0.1:${rtsp.port}/live`, 'rtsp');
      expect(lastError).toMatchObject({ code: 'RTSP_403' });
      expect(lastError!.message).not.toMatch(/SECRET|rtsp:/);
    },
    30_000,
  );
});
