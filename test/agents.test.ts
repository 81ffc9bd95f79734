// Agents and chat against `vigil model-sim` (a real HTTP model server on loopback): agent CRUD with
// sealed secrets, a streamed answer, a tool call that sees only the caller's units, a repeated
// clientMessageId, two sends at once, cancel, provider 429/500, a dropped stream, resume with
// Last-Event-ID, and the metrics each path records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator } from '../src/tools/model-sim/simulator.js';
import type { ModelSimulator } from '../src/tools/model-sim/simulator.js';
import { startTestVigil } from './helpers/app.js';
import type { TestVigil } from './helpers/app.js';
import { parseSse, readSse } from './helpers/sse.js';
import type { SseEvent } from './helpers/sse.js';

type Headers = Record<string, string>;

const API_KEY = 'sk-agent-secret-7f3a9c';
const HEADER_SECRET = 'gateway-secret-51c2';

const textOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => e.data.text as string)
    .join('');

describe('agents and chat', () => {
  let vigil: TestVigil;
  let sim: ModelSimulator;
  let admin: Headers;
  let agentId: string;

  // Without a body, without its content type (an empty JSON body is refused).
  const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Headers, payload?: unknown) => {
    const { 'content-type': _type, ...bare } = headers;
    return vigil.app.inject({
      method,
      url,
      ...(payload !== undefined ? { headers, payload: payload as Record<string, unknown> } : { headers: bare }),
    });
  };
  const metric = async (line: RegExp) => {
    const text = (await vigil.app.inject({ method: 'GET', url: '/metrics' })).body;
    const found = text.split('\n').find((l) => line.test(l));
    return found ? Number(found.split(' ').at(-1)) : 0;
  };
  const newSession = async (headers: Headers, agent = agentId) => {
    const res = await inject('POST', '/api/v1/chat/sessions', headers, { agentId: agent });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string; title: string }>().id;
  };
  let clientIds = 0;
  const send = async (headers: Headers, sessionId: string, content: string, clientMessageId = `c-${++clientIds}`) => {
    const res = await inject('POST', `/api/v1/chat/sessions/${sessionId}/messages`, headers, { content, clientMessageId });
    return { res, events: res.statusCode === 200 ? parseSse(res.body) : [] };
  };
  const userHeaders = async (email: string, grants: { role: string; orgUnitCode?: string }[]) => {
    const created = await inject('POST', '/api/v1/users', admin, { email, password: 'quiet-harbour-lantern-42', grants });
    expect(created.statusCode, created.body).toBe(201);
    const login = await vigil.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: 'quiet-harbour-lantern-42' },
    });
    return { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` };
  };

  beforeAll(async () => {
    sim = await startModelSimulator({ deltasPerSecond: 200, apiKey: API_KEY });
    vigil = await startTestVigil({
      listen: true,
      env: { VIGIL_CAMERA_AUTO_START: 'false', VIGIL_AGENT_RETRY_BASE_MS: '20', VIGIL_CHAT_SAVE_INTERVAL_MS: '50' },
    });
    admin = { ...(await vigil.adminAuth()), 'content-type': 'application/json' };
    for (const code of ['SITE-A', 'SITE-B']) {
      const unit = await inject('POST', '/api/v1/organization-units', admin, {
        code,
        name: code,
        unitType: 'SITE',
        effectiveDate: '2026-01-01',
      });
      expect(unit.statusCode, unit.body).toBe(201);
    }
    for (const [unit, name] of [
      ['SITE-A', 'North gate A'],
      ['SITE-B', 'South dock B'],
    ]) {
      const camera = await inject('POST', '/api/v1/cameras', admin, { orgUnitCode: unit, name, sourceUrl: 'http://127.0.0.1:9/x.mjpg' });
      expect(camera.statusCode, camera.body).toBe(201);
    }
  });
  afterAll(async () => {
    await vigil?.stop();
    await sim?.close();
  });

  it('creates an agent with its key and headers sealed: never answered, never logged, audited', async () => {
    const res = await inject('POST', '/api/v1/agents', admin, {
      name: 'Fleet assistant',
      provider: {
        type: 'openai-compatible',
        baseUrl: sim.baseUrl,
        model: 'vigil-sim',
        apiKey: API_KEY,
        headers: { 'X-Gateway': HEADER_SECRET },
      },
      systemPrompt: 'You help operators.',
      tools: ['list_cameras', 'camera_status'],
      rateLimitPerMinute: 1000,
    });
    expect(res.statusCode, res.body).toBe(201);
    const agent = res.json<{ id: string; provider: Record<string, unknown>; revision: number; rateLimitPerMinute: number }>();
    agentId = agent.id;
    expect(agent.provider).toEqual({
      type: 'openai-compatible',
      baseUrl: sim.baseUrl,
      model: 'vigil-sim',
      hasApiKey: true,
      headerNames: ['X-Gateway'],
    });
    expect(agent.rateLimitPerMinute).toBe(1000);
    expect(res.body).not.toContain(API_KEY);
    const stored = (await vigil.database.db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirstOrThrow()) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(stored)).not.toContain(API_KEY);
    expect(JSON.stringify(stored)).not.toContain(HEADER_SECRET);
    const audit = await inject('GET', `/api/v1/audit?action=agent.create`, admin);
    expect(audit.json<{ items: unknown[] }>().items).toHaveLength(1);
    expect(audit.body).not.toContain(API_KEY);
  });

  it('refuses bad agents with clear 4xx and keeps what is stored', async () => {
    const base = { name: 'Other', provider: { type: 'openai-compatible', baseUrl: sim.baseUrl, model: 'm' } };
    const cases: [unknown, number, string][] = [
      [{ ...base, name: 'fleet ASSISTANT' }, 409, 'AGENT_NAME_TAKEN'],
      [{ ...base, provider: { ...base.provider, baseUrl: 'ftp://x/v1' } }, 400, 'INVALID_AGENT'],
      [{ ...base, provider: { ...base.provider, baseUrl: 'http://user:pw@x/v1' } }, 400, 'INVALID_AGENT'],
      [{ ...base, tools: ['rm_rf'] }, 400, 'VALIDATION_FAILED'],
      [{ ...base, surprise: true }, 400, 'VALIDATION_FAILED'],
      [{ ...base, orgUnitCode: 'NOWHERE' }, 400, 'INVALID_AGENT'],
      [{ ...base, temperature: 3 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [body, status, code] of cases) {
      const res = await inject('POST', '/api/v1/agents', admin, body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json<{ code: string }>().code).toBe(code);
    }
    const list = await inject('GET', '/api/v1/agents', admin);
    expect(list.json<{ items: { name: string }[] }>().items.map((a) => a.name)).toEqual(['Fleet assistant']);
  });

  it('changes an agent under If-Match, keeps the key when it is left out, and refuses a stale revision', async () => {
    const stale = await inject('PATCH', `/api/v1/agents/${agentId}`, { ...admin, 'if-match': '"7"' }, { description: 'x' });
    expect(stale.statusCode).toBe(412);
    const res = await inject(
      'PATCH',
      `/api/v1/agents/${agentId}`,
      { ...admin, 'if-match': '"1"' },
      { description: 'Answers about the fleet' },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ description: 'Answers about the fleet', revision: 2, provider: { hasApiKey: true } });
  });

  it('streams a reply: the stored message first, text deltas, usage, done; both messages stored', async () => {
    const sessionId = await newSession(admin);
    const { res, events } = await send(admin, sessionId, 'How are the cameras?');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(events[0]).toMatchObject({ id: 1, event: 'message' });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(textOf(events)).toBe('You said: How are the cameras?');
    expect(events.find((e) => e.event === 'usage')?.data).toMatchObject({ completionTokens: 6 });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.message).toMatchObject({ role: 'assistant', status: 'complete', content: 'You said: How are the cameras?' });
    // The model got the system prompt, the key and the header.
    const seen = sim.requests.at(-1)!;
    expect(seen.body.messages?.[0]).toEqual({ role: 'system', content: 'You help operators.' });
    expect(seen.headers.authorization).toBe(`Bearer <${API_KEY.length} characters>`);
    expect(seen.headers['x-gateway']).toBe(HEADER_SECRET);
    const messages = await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages`, admin);
    const items = messages.json<{ items: { role: string; status: string; content: string }[] }>().items;
    expect(items.map((m) => [m.role, m.status])).toEqual([
      ['assistant', 'complete'],
      ['user', 'complete'],
    ]);
    // The session is named after its first message.
    expect((await inject('GET', `/api/v1/chat/sessions/${sessionId}`, admin)).json()).toMatchObject({ title: 'How are the cameras?' });
    expect(await metric(/^messages_sent_total\{status="complete"\}/)).toBeGreaterThan(0);
    expect(await metric(/^agent_requests_total\{result="ok"\}/)).toBeGreaterThan(0);
    expect(await metric(/^agent_time_to_first_token_seconds_count/)).toBeGreaterThan(0);
    expect(await metric(/^message_send_duration_seconds_count/)).toBeGreaterThan(0);
    expect(await metric(/^agent_tokens_total\{kind="completion"\}/)).toBeGreaterThan(0);
    expect(vigil.logs.text()).not.toContain(API_KEY);
    expect(vigil.logs.text()).not.toContain(HEADER_SECRET);
  });

  it('runs a tool with the rights of the person chatting: an operator of SITE-A gets no SITE-B camera', async () => {
    const ana = await userHeaders('ana@example.com', [{ role: 'operator', orgUnitCode: 'SITE-A' }]);
    const sessionId = await newSession(ana);
    const { events } = await send(ana, sessionId, 'Which cameras? [[tool:list_cameras {}]]');
    const call = events.find((e) => e.event === 'tool_call');
    const result = events.find((e) => e.event === 'tool_result');
    expect(call?.data).toMatchObject({ name: 'list_cameras', arguments: '{}' });
    expect(result?.data.error).toBeNull();
    expect(result?.data.result).toContain('North gate A');
    expect(result?.data.result).not.toContain('South dock B');
    expect(textOf(events)).toContain('North gate A');
    expect(textOf(events)).not.toContain('South dock B');
    expect(events.at(-1)?.data.message).toMatchObject({ toolCalls: [{ name: 'list_cameras', error: null }] });
    // The admin sees both through the same tool.
    const adminSession = await newSession(admin);
    const all = (await send(admin, adminSession, 'All? [[tool:list_cameras {}]]')).events.find((e) => e.event === 'tool_result');
    expect(all?.data.result).toContain('South dock B');
    // A session is its holder's alone, admins included.
    expect((await inject('GET', `/api/v1/chat/sessions/${sessionId}`, admin)).statusCode).toBe(404);
    expect((await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages`, admin)).json()).toMatchObject({
      code: 'CHAT_SESSION_NOT_FOUND',
    });
    // Bad tool arguments are an answer the model reads, not a failure.
    const bad = (await send(ana, sessionId, 'Bad [[tool:camera_status {"cameraId":"nope"}]]')).events.find(
      (e) => e.event === 'tool_result',
    );
    expect(bad?.data.error).toMatch(/cameraId/);
    expect(await metric(/^agent_tool_calls_total\{tool="list_cameras",result="ok"\}/)).toBeGreaterThanOrEqual(2);
  });

  it('refuses chat to a viewer (no agents:use) and hides an agent outside the caller units', async () => {
    const viewer = await userHeaders('vic@example.com', [{ role: 'viewer' }]);
    const res = await inject('POST', '/api/v1/chat/sessions', viewer, { agentId });
    expect(res.statusCode).toBe(403);
    const scoped = await inject('POST', '/api/v1/agents', admin, {
      name: 'South only',
      provider: { type: 'openai-compatible', baseUrl: sim.baseUrl, model: 'vigil-sim', apiKey: API_KEY },
      orgUnitCode: 'SITE-B',
    });
    expect(scoped.statusCode, scoped.body).toBe(201);
    const bea = await userHeaders('bea@example.com', [{ role: 'operator', orgUnitCode: 'SITE-A' }]);
    const hidden = await inject('POST', '/api/v1/chat/sessions', bea, { agentId: scoped.json<{ id: string }>().id });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toMatchObject({ code: 'AGENT_NOT_FOUND' });
    const names = (await inject('GET', '/api/v1/agents', bea)).json<{ items: { name: string }[] }>().items.map((a) => a.name);
    expect(names).toEqual(['Fleet assistant']);
  });

  it('answers a repeated clientMessageId with the stored message and its reply, without asking the model again', async () => {
    const sessionId = await newSession(admin);
    const first = await send(admin, sessionId, 'Once only', 'same-id');
    const asked = sim.requests.length;
    const again = await send(admin, sessionId, 'Once only', 'same-id');
    expect(again.res.statusCode).toBe(200);
    expect(sim.requests.length).toBe(asked);
    expect(again.events[0]!.data).toEqual(first.events[0]!.data);
    expect(textOf(again.events)).toBe(textOf(first.events));
    const other = await send(admin, sessionId, 'Different text', 'same-id');
    expect(other.res.statusCode).toBe(409);
    expect(other.res.json()).toMatchObject({ code: 'MESSAGE_ID_REUSED' });
    const items = (await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages`, admin)).json<{ items: unknown[] }>().items;
    expect(items).toHaveLength(2);
  });

  it('allows one reply at a time per session (409 GENERATION_IN_PROGRESS), and cancel keeps what was written', async () => {
    const sessionId = await newSession(admin);
    const controller = new AbortController();
    const response = await fetch(`${vigil.url}/api/v1/chat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ content: 'Long one [[words:400]] [[rate:40]]', clientMessageId: 'long-1' }),
      signal: controller.signal,
    });
    const early = await readSse(response, 4, controller);
    const replyId = early[0]!.data.replyId as string;
    const second = await send(admin, sessionId, 'Me too');
    expect(second.res.statusCode).toBe(409);
    expect(second.res.json()).toMatchObject({ code: 'GENERATION_IN_PROGRESS', details: { replyId } });
    const cancelled = await inject('POST', `/api/v1/chat/sessions/${sessionId}/messages/${replyId}/cancel`, admin);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const message = cancelled.json<{ status: string; content: string }>();
    expect(message.status).toBe('interrupted');
    expect(message.content).toMatch(/^word1 word2 word3/);
    expect(message.content.split(' ').length).toBeLessThan(400);
    // The session is free again.
    expect((await send(admin, sessionId, 'Now me')).res.statusCode).toBe(200);
    expect(await metric(/^messages_sent_total\{status="cancelled"\}/)).toBeGreaterThan(0);
  });

  it('lets one of two sends at once through, and answers two sends of one clientMessageId with one message (races run on PostgreSQL too)', async () => {
    for (let round = 0; round < 3; round++) {
      const sessionId = await newSession(admin);
      const both = await Promise.all([send(admin, sessionId, 'first [[words:20]]'), send(admin, sessionId, 'second [[words:20]]')]);
      expect(both.map((b) => b.res.statusCode).sort()).toEqual([200, 409]);
      expect(both.find((b) => b.res.statusCode === 409)!.res.json()).toMatchObject({ code: 'GENERATION_IN_PROGRESS' });
      const twin = await newSession(admin);
      const same = await Promise.all([send(admin, twin, 'twin', `twin-${round}`), send(admin, twin, 'twin', `twin-${round}`)]);
      expect(same.map((b) => b.res.statusCode)).toEqual([200, 200]);
      expect(same[0].events[0]!.data).toEqual(same[1].events[0]!.data);
      const stored = (await inject('GET', `/api/v1/chat/sessions/${twin}/messages`, admin)).json<{ items: unknown[] }>().items;
      expect(stored).toHaveLength(2);
    }
  });

  it('tries a 429 again before the first token, and ends a 500 with a clear error event', async () => {
    const sessionId = await newSession(admin);
    const retried = await send(admin, sessionId, 'Busy [[status:429 times:1]]');
    expect(retried.events.at(-1)?.event).toBe('done');
    expect(textOf(retried.events)).toBe('You said: Busy');
    expect(await metric(/^agent_errors_total\{kind="rate_limited"\}/)).toBeGreaterThan(0);
    expect(await metric(/^agent_errors_total\{kind="retried"\}/)).toBeGreaterThan(0);

    const failed = await send(admin, sessionId, 'Broken [[status:500]]');
    const end = failed.events.at(-1)!;
    expect(end.event).toBe('error');
    expect(end.data).toMatchObject({
      error: { code: 'PROVIDER_FAILED', message: expect.stringContaining('500') },
      message: { status: 'error', content: '' },
    });
    const stored = (await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages?limit=1`, admin)).json<{
      items: { status: string; error: unknown }[];
    }>();
    expect(stored.items[0]).toMatchObject({ status: 'error', error: { code: 'PROVIDER_FAILED' } });
    expect(await metric(/^agent_errors_total\{kind="server_error"\}/)).toBeGreaterThan(0);
  });

  it('ends a stream the model dropped with an error event, keeping the text written', async () => {
    const sessionId = await newSession(admin);
    const { events } = await send(admin, sessionId, 'Drop [[words:10]] [[drop:3]]');
    expect(textOf(events)).toBe('word1 word2 word3 ');
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { error: { code: 'STREAM_DROPPED' } } });
    const stored = (await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages?limit=1`, admin)).json<{
      items: { status: string; content: string }[];
    }>();
    expect(stored.items[0]).toMatchObject({ status: 'error', content: 'word1 word2 word3 ' });
  });

  it('resumes a dropped stream with Last-Event-ID: the rest, in order, nothing twice', async () => {
    const sessionId = await newSession(admin);
    const controller = new AbortController();
    const response = await fetch(`${vigil.url}/api/v1/chat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ content: 'Resume [[words:40]] [[rate:40]]', clientMessageId: 'resume-1' }),
      signal: controller.signal,
    });
    const before = await readSse(response, 5, controller);
    const replyId = before[0]!.data.replyId as string;
    const last = before.at(-1)!.id!;
    const resumed = await fetch(`${vigil.url}/api/v1/chat/sessions/${sessionId}/messages/${replyId}/stream`, {
      headers: { ...admin, 'last-event-id': String(last) },
    });
    expect(resumed.status).toBe(200);
    const after = await readSse(resumed);
    expect(after[0]!.id).toBe(last + 1);
    expect(after.at(-1)!.event).toBe('done');
    const all = [...before, ...after];
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 1));
    expect(textOf(all)).toBe(Array.from({ length: 40 }, (_, i) => `word${i + 1} `).join(''));
    // A finished reply streams again from the start; a bad Last-Event-ID is a 400.
    const replay = parseSse((await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages/${replyId}/stream`, admin)).body);
    expect(replay.map((e) => e.event)).toEqual(all.map((e) => e.event));
    const bad = await inject('GET', `/api/v1/chat/sessions/${sessionId}/messages/${replyId}/stream`, { ...admin, 'last-event-id': 'abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('exports a session as JSON and Markdown, and deletes it with its messages', async () => {
    const sessionId = await newSession(admin);
    await send(admin, sessionId, 'Export me');
    const json = await inject('GET', `/api/v1/chat/sessions/${sessionId}/export`, admin);
    expect(json.json<{ messages: { role: string }[] }>().messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const md = await inject('GET', `/api/v1/chat/sessions/${sessionId}/export?format=markdown`, admin);
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.body).toContain('# Export me');
    expect(md.body).toContain('You said: Export me');
    const removed = await inject('DELETE', `/api/v1/chat/sessions/${sessionId}`, admin);
    expect(removed.statusCode).toBe(204);
    expect((await inject('GET', `/api/v1/chat/sessions/${sessionId}`, admin)).statusCode).toBe(404);
    const left = await vigil.database.db.selectFrom('chat_messages').select('id').where('session_id', '=', sessionId).execute();
    expect(left).toHaveLength(0);
  });

  it('limits messages per person and agent a minute (429 RATE_LIMITED)', async () => {
    const limited = await inject('POST', '/api/v1/agents', admin, {
      name: 'Tight',
      provider: { type: 'openai-compatible', baseUrl: sim.baseUrl, model: 'vigil-sim', apiKey: API_KEY },
      rateLimitPerMinute: 2,
    });
    const sessionId = await newSession(admin, limited.json<{ id: string }>().id);
    expect((await send(admin, sessionId, 'one')).res.statusCode).toBe(200);
    expect((await send(admin, sessionId, 'two')).res.statusCode).toBe(200);
    const third = await send(admin, sessionId, 'three');
    expect(third.res.statusCode).toBe(429);
    expect(third.res.json()).toMatchObject({ code: 'RATE_LIMITED', details: { limitPerMinute: 2 } });
  });

  it('answers a disabled agent 409 AGENT_DISABLED and keeps its sessions', async () => {
    const sessionId = await newSession(admin);
    const off = await inject('PATCH', `/api/v1/agents/${agentId}`, admin, { enabled: false });
    expect(off.statusCode).toBe(200);
    const res = await send(admin, sessionId, 'Anyone?');
    expect(res.res.statusCode).toBe(409);
    expect(res.res.json()).toMatchObject({ code: 'AGENT_DISABLED' });
    expect((await inject('GET', `/api/v1/chat/sessions/${sessionId}`, admin)).statusCode).toBe(200);
    await inject('PATCH', `/api/v1/agents/${agentId}`, admin, { enabled: true });
  });
});
