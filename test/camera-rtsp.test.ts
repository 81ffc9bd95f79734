// RTSP sources go through an ffmpeg child. Without ffmpeg the camera says so (FFMPEG_NOT_AVAILABLE)
// instead of failing silently; with it, a real RTSP stream (GStreamer's RTSP server publishing a
// test pattern, test/fixtures/rtsp-server.py) is ingested like any other, with or without
// credentials. Credentials reach the camera but never ffmpeg's command line or environment, which
// other users of the machine could read (`ps`). .ci/run installs ffmpeg and the GStreamer server.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAttemptGate, createSupervisor } from '../src/modules/cameras/index.js';
import type { CameraStatus, Supervisor } from '../src/modules/cameras/index.js';
import { pollUntil } from './helpers/poll.js';
import { freePort } from './helpers/process.js';

const SYSTEM_PYTHON = '/usr/bin/python3';
const RTSP_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/rtsp-server.py');
const ffmpegPresent = spawnSync('ffmpeg', ['-version']).status === 0;
const rtspServerPresent =
  spawnSync(SYSTEM_PYTHON, ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"])
    .status === 0;

/** A password with what URLs and ffmpeg's quoting treat specially; its core survives any encoding. */
const CORE = 'Zq9xK7vW';
const PASSWORD = `p@ss:w'rd/%${CORE} ?#`;

function supervisorWith(ffmpegPath: string, connectTimeoutMs = 5_000): Supervisor {
  return createSupervisor({
    log: pino({ level: 'silent' }),
    gate: createAttemptGate({ perSecond: 50 }),
    settings: {
      stallTimeoutMs: 3_000,
      backoff: { baseMs: 200, maxMs: 1_000 },
      connectTimeoutMs,
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
}

/** GStreamer's RTSP server on a free port, needing `auth` when given. */
async function rtspServer(auth?: { username: string; password: string }): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(SYSTEM_PYTHON, [RTSP_SERVER, String(port), ...(auth ? [auth.username] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(auth ? `${auth.password}\n` : '');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`the RTSP server exited with ${code}`)));
  });
  return { url: `rtsp://127.0.0.1:${port}/live`, child };
}

/** The ffmpeg processes this test process started. */
function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'ffmpeg' && ppid === process.pid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** What `ps` shows: the command line of every process on the machine. */
function everyCommandLine(): string {
  const lines: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // The process ended while we looked.
    }
  }
  return lines.join('\n');
}

/** Asserts that the running ffmpeg child shows neither the password nor the source in its command line or environment. */
function expectNoSecretInProcesses(): void {
  let read = 0;
  for (const pid of ffmpegChildren()) {
    let cmdline: string;
    let environ: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8').replaceAll('\0', '\n');
    } catch {
      continue; // An ffmpeg of an earlier camera that ended while we looked.
    }
    read++;
    for (const text of [cmdline, environ]) {
      expect(text).not.toContain(CORE);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
    }
    expect(cmdline).not.toContain('rtsp://');
  }
  expect(read, 'a running ffmpeg child to look at').toBeGreaterThan(0);
  expect(everyCommandLine()).not.toContain(CORE);
}

const waitForState = (supervisor: Supervisor, id: string, done: (status: CameraStatus | undefined) => boolean, timeoutMs = 60_000) =>
  pollUntil(() => supervisor.status(id), done, { timeoutMs, intervalMs: 100, what: `camera ${id}` });

describe('RTSP sources', () => {
  const supervisors: Supervisor[] = [];
  const servers: ChildProcess[] = [];
  const listeners: Server[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((s) => s.stopAll()));
  });
  afterAll(async () => {
    for (const server of servers) server.kill('SIGKILL');
    // A listener's close() waits for its connections; ffmpeg may still be connecting to it.
    for (const socket of sockets) socket.destroy();
    await Promise.all(listeners.map((l) => new Promise((resolve) => l.close(resolve))));
  });
  function supervisor(ffmpegPath = 'ffmpeg', connectTimeoutMs?: number): Supervisor {
    const made = supervisorWith(ffmpegPath, connectTimeoutMs);
    supervisors.push(made);
    return made;
  }

  it.runIf(ffmpegPresent && rtspServerPresent)(
    'ingests a real RTSP stream through ffmpeg',
    async () => {
      const server = await rtspServer();
      servers.push(server.child);
      const live = supervisor();
      await live.start({ id: 'rtsp-live', sourceUrl: server.url, sourceType: 'rtsp', expectedFps: 10, credentials: null });
      await waitForState(live, 'rtsp-live', (s) => s?.state === 'running' && s.frameWidth !== null);
      expect(live.status('rtsp-live')).toMatchObject({ state: 'running', frameWidth: 320, frameHeight: 240 });
      expect(live.latestFrame('rtsp-live')!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    },
    150_000,
  );

  it.runIf(ffmpegPresent && rtspServerPresent)(
    'ingests a stream that needs credentials (Digest), which appear in no command line or environment; a wrong password says 401 without echoing it',
    async () => {
      const server = await rtspServer({ username: 'cam', password: PASSWORD });
      servers.push(server.child);
      const live = supervisor();
      await live.start({
        id: 'rtsp-auth',
        sourceUrl: server.url,
        sourceType: 'rtsp',
        expectedFps: 10,
        credentials: { username: 'cam', password: PASSWORD },
      });
      await waitForState(live, 'rtsp-auth', (s) => s?.state === 'running' && s.frameWidth !== null);
      expect(live.latestFrame('rtsp-auth')!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expectNoSecretInProcesses();

      const wrong = `wrong-${CORE}`;
      await live.start({
        id: 'rtsp-wrong',
        sourceUrl: server.url,
        sourceType: 'rtsp',
        expectedFps: 10,
        credentials: { username: 'cam', password: wrong },
      });
      const refused = await waitForState(live, 'rtsp-wrong', (s) => s?.lastError !== null && s?.lastError !== undefined);
      expect(refused!.lastError).toMatchObject({ code: 'RTSP_401' });
      expect(refused!.lastError!.message).not.toContain(CORE);
    },
    150_000,
  );

  it.runIf(ffmpegPresent)(
    'hands the credentials to the camera (recorded by a loopback RTSP listener), not to the command line',
    async () => {
      // Asks for Basic credentials, records them, and then stays silent, so that ffmpeg waits.
      const authorizations: string[] = [];
      const listener = createServer((socket) => {
        sockets.push(socket);
        let pending = '';
        socket.on('data', (chunk: Buffer) => {
          pending += chunk.toString('latin1');
          for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
            const request = pending.slice(0, end);
            pending = pending.slice(end + 4);
            const cseq = /^CSeq:\s*(\d+)/im.exec(request)?.[1] ?? '0';
            const authorization = /^Authorization:\s*(.+)$/im.exec(request)?.[1];
            if (request.startsWith('OPTIONS'))
              socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n`);
            else if (authorization === undefined)
              socket.write(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Basic realm="vigil-test"\r\n\r\n`);
            else authorizations.push(authorization.trim());
          }
        });
        socket.on('error', () => undefined);
      });
      listeners.push(listener);
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const { port } = listener.address() as AddressInfo;

      const live = supervisor();
      await live.start({
        id: 'rtsp-listener',
        sourceUrl: `rtsp://127.0.0.1:${port}/stream`,
        sourceType: 'rtsp',
        expectedFps: 5,
        credentials: { username: 'operator', password: PASSWORD },
      });
      await pollUntil(
        () => authorizations.length,
        (n) => n > 0,
        { timeoutMs: 60_000, what: 'the camera to receive credentials' },
      );
      expect(authorizations[0]).toBe(`Basic ${Buffer.from(`operator:${PASSWORD}`).toString('base64')}`);
      expectNoSecretInProcesses();
    },
    150_000,
  );

  it.runIf(ffmpegPresent)(
    'gives up on an RTSP server that accepts and then says nothing (CONNECT_TIMEOUT), and tries again',
    async () => {
      let connections = 0;
      const silent = createServer((socket) => {
        connections++;
        sockets.push(socket);
        socket.on('error', () => undefined);
      });
      listeners.push(silent);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      const live = supervisor('ffmpeg', 1_000);
      await live.start({
        id: 'rtsp-silent',
        sourceUrl: `rtsp://127.0.0.1:${port}/live`,
        sourceType: 'rtsp',
        expectedFps: 5,
        credentials: null,
      });
      const failed = await waitForState(live, 'rtsp-silent', (s) => s?.lastError?.code === 'CONNECT_TIMEOUT');
      expect(failed!.state).not.toBe('running');
      expect(failed!.lastError!.message).toContain('2000 ms');
      await pollUntil(
        () => connections,
        (n) => n >= 2,
        { timeoutMs: 60_000, what: 'a second attempt' },
      );
    },
    150_000,
  );

  it('says FFMPEG_NOT_AVAILABLE, in state error, when ffmpeg is not installed', async () => {
    const missing = supervisor('/nonexistent/ffmpeg');
    await missing.start({ id: 'rtsp-1', sourceUrl: 'rtsp://127.0.0.1:1/none', sourceType: 'rtsp', expectedFps: 5, credentials: null });
    const status = await waitForState(missing, 'rtsp-1', (s) => s?.state === 'error');
    expect(status!.state).toBe('error');
    expect(status!.lastError).toMatchObject({ code: 'FFMPEG_NOT_AVAILABLE' });
    expect(status!.lastError?.message).toContain('VIGIL_FFMPEG_PATH');
  });
});
