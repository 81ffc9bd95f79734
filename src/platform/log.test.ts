import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REDACTED, createLogger, createServiceLogger, flushLogs, logDestination, redact } from './log.js';
import { pollUntil } from '../../test/helpers/poll.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

const secrets = [
  'hunter2',
  'eyJhbGciOiJFZERTQSJ9.payload.sig',
  'vgl_abcdef123456',
  'sk-live-998877',
  'pa55w0rd',
  'refresh-xyz-777',
  'sess-cookie-1',
];

describe('log redaction', () => {
  it('never writes passwords, tokens, keys, cookies or authorization headers, however deep', () => {
    const { lines, log } = capture();
    log.info(
      {
        password: 'hunter2',
        user: { email: 'a@b.c', newPassword: 'pa55w0rd', profile: { apiKey: 'vgl_abcdef123456' } },
        headers: { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.payload.sig', cookie: 'sid=sess-cookie-1', accept: 'application/json' },
        providers: [{ name: 'llm', api_key: 'sk-live-998877' }],
        refreshToken: 'refresh-xyz-777',
        clientSecret: 'hunter2',
      },
      'login attempt',
    );
    log.warn('calling with Authorization: Bearer eyJhbGciOiJFZERTQSJ9.payload.sig');
    log.info({ url: '/api/auth/refresh?token=refresh-xyz-777&x=1' }, 'request');
    log.error({ err: new Error('connect failed for postgres://vigil:pa55w0rd@db:5432/vigil') }, 'database');
    log.info('user set password=hunter2 and api_key: sk-live-998877');
    const text = lines.join('\n');
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain(REDACTED);
    // What is not secret stays readable.
    const first = JSON.parse(lines[0]!) as { user: { email: string }; headers: { accept: string }; providers: { name: string }[] };
    expect(first.user.email).toBe('a@b.c');
    expect(first.headers.accept).toBe('application/json');
    expect(first.providers[0]?.name).toBe('llm');
    expect(JSON.parse(lines[2]!).url).toBe(`/api/auth/refresh?token=${REDACTED}&x=1`);
    expect(JSON.parse(lines[3]!).err.message).toBe(`connect failed for postgres://vigil:${REDACTED}@db:5432/vigil`);
  });

  it('recognises Vigil keys, refresh tokens and JWTs by their value, under any name', () => {
    const { lines, log } = capture();
    const key = 'vgl_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo';
    const refresh = 'vgr_cmVmcmVzaC10b2tlbi1yYW5kb20tcGFydC0xMjM0NTY';
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLWJ5dGVz';
    log.info({ url: `/api/v1/x?key=${key}&jwt=${jwt}&n=1`, route: `/x/${refresh}`, list: [`y=${key.replace('_', '%5F')}`] }, 'request');
    log.warn(`callback ${encodeURIComponent(`https://a.example/cb?t=${jwt}`)} with ${refresh}`);
    const text = lines.join('\n');
    for (const secret of [key, refresh, jwt, key.slice(4), refresh.slice(4), jwt.split('.')[2]!]) expect(text).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ url: `/api/v1/x?key=vgl_${REDACTED}&jwt=${REDACTED}&n=1`, route: `/x/vgr_${REDACTED}` });
  });

  it('never writes a secret nested deeper than it looks (it writes [TOO DEEP] there instead)', () => {
    const { lines, log } = capture();
    let nested: Record<string, unknown> = { password: 'hunter2', note: 'x vgl_abcdef123456 y' };
    for (let i = 0; i < 40; i++) nested = { level: i, nested };
    log.info({ deep: nested }, 'deep');
    const text = lines.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('vgl_abcdef123456');
    expect(text).toContain('[TOO DEEP]');
    expect(text).toContain('"level":39');
  });

  it('leaves objects without secrets untouched (no copy)', () => {
    const value = { a: 1, b: { c: 'plain text', d: [1, 2] } };
    expect(redact(value)).toBe(value);
  });

  it('survives cycles', () => {
    const value: Record<string, unknown> = { password: 'x' };
    value.self = value;
    expect((redact(value) as Record<string, unknown>).password).toBe(REDACTED);
  });
});

describe('log files', () => {
  it('writes JSON lines to vigil.*.log and errors also to vigil-error.*.log under LOG_DIR', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-logs-'));
    const stdout = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    const log = await createServiceLogger({ level: 'info', dir, keepFiles: 3, destination: stdout });
    log.info({ token: 'refresh-xyz-777' }, 'an info line');
    log.error('an error line');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    // The transport writes from a worker thread: wait until both files hold their lines.
    const read = (prefix: string) => {
      const file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.log'));
      return file ? readFileSync(path.join(dir, file), 'utf8') : '';
    };
    await pollUntil(
      () => read('vigil.').includes('an error line') && read('vigil-error.').includes('an error line'),
      (written) => written,
      { timeoutMs: 10_000, what: 'both log files to hold the error line' },
    );
    const all = read('vigil.');
    const errors = read('vigil-error.');
    expect(all).toContain('an info line');
    expect(all).toContain('an error line');
    expect(errors).toContain('an error line');
    expect(errors).not.toContain('an info line');
    expect(all).not.toContain('refresh-xyz-777');
    expect(readdirSync(dir).some((f) => /^vigil\.\d{4}-\d{2}-\d{2}\.\d+\.log$/.test(f))).toBe(true);
    // Files carry the same format as stdout: level labels, ISO time.
    expect(JSON.parse(all.split('\n')[0]!)).toMatchObject({ level: 'info', msg: 'an info line', time: expect.stringMatching(/Z$/) });
  });
});

describe('log destination', () => {
  const linesIn = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

  it('gathers lines into few writes, and flushLogs writes out every line, in order', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-logdest-')), 'out.log');
    const destination = logDestination(file);
    const log = createLogger({ level: 'info', destination });
    await pollUntil(
      () => (destination as unknown as { fd: number }).fd,
      (fd) => fd >= 0,
      { timeoutMs: 5_000, what: 'the file to open' },
    );
    for (let i = 0; i < 20; i++) log.info({ i }, 'one line');
    // 20 short lines are under the 4 KB batch: they are gathered, not written one by one (a line
    // per write would be in the file by now; the gathered ones wait for the 100 ms flush).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(linesIn(file)).toEqual([]);
    await flushLogs(log);
    const lines = linesIn(file).map((line) => JSON.parse(line) as { i: number });
    expect(lines.map((line) => line.i)).toEqual([...Array(20).keys()]);
  });

  it('writes a lone line within a moment, without any flush', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-logdest-')), 'out.log');
    const log = createLogger({ level: 'info', destination: logDestination(file) });
    log.info('alone');
    await pollUntil(
      () => linesIn(file),
      (lines) => lines.length === 1,
      { timeoutMs: 5_000, what: 'the line to be written' },
    );
    expect(JSON.parse(linesIn(file)[0]!)).toMatchObject({ msg: 'alone' });
  });
});
