// Chat replies across crashes and processes, with real `vigil serve` processes and `vigil model-sim`
// semantics (the simulator runs in this test process):
// - a process killed with SIGKILL while it writes a reply: after a restart the person's message is
//   there, the reply is `interrupted` with the text saved before the kill, nothing is left
//   `streaming`, and its stream, resumed, ends with `interrupted`;
// - two processes on one PostgreSQL: a stream begun on one is resumed on the other with
//   Last-Event-ID and gets the rest, in order; with Redis, a cancel sent to the other stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator } from '../src/tools/model-sim/simulator.js';
import type { ModelSimulator } from '../src/tools/model-sim/simulator.js';
import { createTestDatabase, realDatabaseUrl, realRedisUrl, testRedisPrefix } from './helpers/databases.js';
import type { TestDatabase } from './helpers/databases.js';
import { pollUntil } from './helpers/poll.js';
import { freePort, runVigil, signIn } from './helpers/process.js';
import type { VigilProcess } from './helpers/process.js';
import { readSse } from './helpers/sse.js';

const ADMIN = { email: 'admin@example.com', password: 'harbour-lantern-test-42' };
const SECRET_KEY = Buffer.alloc(32, 9).toString('base64');
type Headers = Record<string, string>;
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i + 1} `).join('');

function cluster(database: TestDatabase | undefined, redis: boolean) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-chat-'));
  const prefix = testRedisPrefix();
  const processes: VigilProcess[] = [];
  return {
    async serve(): Promise<{ proc: VigilProcess; url: string }> {
      const proc = runVigil(['serve'], {
        DATA_DIR: database ? mkdtempSync(path.join(dir, 'node-')) : dir,
        PORT: String(await freePort()),
        ...(database?.url ? { DATABASE_URL: database.url } : {}),
        ...(redis && realRedisUrl ? { REDIS_URL: realRedisUrl, VIGIL_REDIS_KEY_PREFIX: prefix } : {}),
        LOG_LEVEL: 'info',
        VIGIL_ADMIN_EMAIL: ADMIN.email,
        VIGIL_ADMIN_PASSWORD: ADMIN.password,
        VIGIL_SECRET_KEY: SECRET_KEY,
        VIGIL_RATE_LIMIT_MAX: '1000000',
        VIGIL_RATE_LIMIT_AUTH_MAX: '1000000',
        VIGIL_CAMERA_AUTO_START: 'false',
        VIGIL_CHAT_SAVE_INTERVAL_MS: '100',
        VIGIL_CHAT_STALE_AFTER_MS: '2000',
      });
      processes.push(proc);
      const line = await proc.waitForLog((r) => r.msg === 'vigil is serving', 90_000);
      return { proc, url: line.url as string };
    },
    async kill(proc: VigilProcess) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function json(url: string, method: string, route: string, headers: Headers, body?: unknown) {
  const res = await fetch(`${url}${route}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** An agent on the simulator and a session with it; answers the session id. */
async function chatSetUp(url: string, headers: Headers, sim: ModelSimulator): Promise<string> {
  const agent = await json(url, 'POST', '/api/v1/agents', headers, {
    name: `Agent ${Math.random().toString(36).slice(2, 8)}`,
    provider: { type: 'openai-compatible', baseUrl: sim.baseUrl, model: 'vigil-sim' },
  });
  const session = await json(url, 'POST', '/api/v1/chat/sessions', headers, { agentId: agent.id });
  return session.id as string;
}

function sendMessage(url: string, headers: Headers, sessionId: string, content: string, controller: AbortController) {
  return fetch(`${url}/api/v1/chat/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ content, clientMessageId: `m-${Date.now()}` }),
    signal: controller.signal,
  });
}

describe('chat replies across processes', () => {
  let sim: ModelSimulator;
  beforeAll(async () => {
    sim = await startModelSimulator({ deltasPerSecond: 50 });
  });
  afterAll(() => sim?.close());

  it('keeps the message and the saved text of a reply whose process was killed, marked interrupted', async () => {
    const database = realDatabaseUrl ? await createTestDatabase() : undefined;
    const nodes = cluster(database, true);
    try {
      const first = await nodes.serve();
      const headers = await signIn(first.url, ADMIN);
      const sessionId = await chatSetUp(first.url, headers, sim);
      const controller = new AbortController();
      const response = await sendMessage(first.url, headers, sessionId, `Tell me a lot [[words:400]] [[rate:25]]`, controller);
      const seen = await readSse(response, 12, controller);
      const replyId = seen[0]!.data.replyId as string;
      // Let a save happen after the events seen, then kill.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await nodes.kill(first.proc);

      const second = await nodes.serve();
      const again = await signIn(second.url, ADMIN);
      const messages = await pollUntil(
        async () =>
          (await json(second.url, 'GET', `/api/v1/chat/sessions/${sessionId}/messages`, again)).items as {
            id: string;
            role: string;
            status: string;
            content: string;
          }[],
        (items) => items.some((m) => m.id === replyId && m.status === 'interrupted'),
        { timeoutMs: 60_000, intervalMs: 250, what: 'the reply to be marked interrupted' },
      );
      const user = messages.find((m) => m.role === 'user')!;
      const reply = messages.find((m) => m.id === replyId)!;
      expect(user).toMatchObject({ status: 'complete', content: 'Tell me a lot [[words:400]] [[rate:25]]' });
      // The text saved before the kill: at least what the stream had shown, a prefix of the whole.
      const shown = seen
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text as string)
        .join('');
      expect(reply.content.startsWith(shown)).toBe(true);
      expect(words(400).startsWith(reply.content)).toBe(true);
      expect(reply.content.length).toBeLessThan(words(400).length);
      expect(messages.filter((m) => m.status === 'streaming' || m.status === 'pending')).toEqual([]);

      // Its stream, resumed on the new process, ends with `interrupted`.
      const resumed = await fetch(`${second.url}/api/v1/chat/sessions/${sessionId}/messages/${replyId}/stream`, {
        headers: { ...again, 'last-event-id': String(seen.at(-1)!.id) },
      });
      const rest = await readSse(resumed, Infinity);
      expect(rest.at(-1)).toMatchObject({ event: 'interrupted', data: { message: { id: replyId, status: 'interrupted' } } });
      // The session takes a new message.
      const next = await readSse(await sendMessage(second.url, again, sessionId, 'Still there?', new AbortController()), Infinity);
      expect(next.at(-1)).toMatchObject({ event: 'done', data: { message: { content: 'You said: Still there?' } } });
    } finally {
      await nodes.close();
      await database?.drop();
    }
  });

  it.skipIf(!realDatabaseUrl)('resumes on another process with Last-Event-ID, and cancels there (PostgreSQL, Redis)', async () => {
    const database = await createTestDatabase();
    const nodes = cluster(database, true);
    try {
      const [a, b] = [await nodes.serve(), await nodes.serve()];
      const headers = await signIn(a.url, ADMIN);
      const sessionId = await chatSetUp(a.url, headers, sim);
      const controller = new AbortController();
      const before = await readSse(
        await sendMessage(a.url, headers, sessionId, 'Count [[words:60]] [[rate:40]]', controller),
        6,
        controller,
      );
      const replyId = before[0]!.data.replyId as string;
      const resumed = await fetch(`${b.url}/api/v1/chat/sessions/${sessionId}/messages/${replyId}/stream`, {
        headers: { ...headers, 'last-event-id': String(before.at(-1)!.id) },
      });
      expect(resumed.status).toBe(200);
      const after = await readSse(resumed, Infinity);
      const all = [...before, ...after];
      expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
      expect(all.at(-1)!.event).toBe('done');
      const text = all
        .filter((e) => e.event === 'delta')
        .map((e) => e.data.text as string)
        .join('');
      expect(text).toBe(words(60));

      if (realRedisUrl) {
        const slow = new AbortController();
        const started = await readSse(await sendMessage(a.url, headers, sessionId, 'Slow [[words:400]] [[rate:20]]', slow), 3, slow);
        const slowId = started[0]!.data.replyId as string;
        const cancelled = await json(b.url, 'POST', `/api/v1/chat/sessions/${sessionId}/messages/${slowId}/cancel`, {
          authorization: headers.authorization!,
        });
        expect(cancelled.status).toBe('interrupted');
        expect(String(cancelled.content).length).toBeLessThan(words(400).length);
      }
    } finally {
      await nodes.close();
      await database.drop();
    }
  });
});
