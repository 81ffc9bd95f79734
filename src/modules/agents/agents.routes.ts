import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PlatformErrors } from '../../platform/errors.js';
import { DEFAULT_LIMIT, Page, PageQuery } from '../../platform/http/pagination.js';
import { actorOf, ifMatchOf } from '../../platform/http/request.js';
import type { AgentMetrics } from './agents.metrics.js';
import {
  AgentBody,
  AgentListQuery,
  AgentParams,
  AgentPatchBody,
  AgentView,
  ExportQuery,
  MessageBody,
  MessageParams,
  MessageView,
  SessionBody,
  SessionParams,
  SessionPatchBody,
  SessionView,
} from './agents.schemas.js';
import type { AgentService } from './agents.service.js';
import type { ChatCaller, ChatMessage, ChatService } from './chat.service.js';
import type { ReplyEvent } from './generation.js';

export interface AgentRouteDeps {
  agents: AgentService;
  chat: ChatService;
  metrics: Pick<AgentMetrics, 'streams'>;
  isShuttingDown: () => boolean;
  /** A comment line on open streams this often. */
  keepAliveMs?: number;
}

const AGENTS = '/api/v1/agents';
const SESSIONS = '/api/v1/chat/sessions';
const ifMatchHeader = (what: string) =>
  Type.Object(
    { 'if-match': Type.Optional(Type.String({ description: `The ${what}'s revision; a stale one answers 412 PRECONDITION_FAILED.` })) },
    { additionalProperties: true },
  );
const EVENT_STREAM = {
  description:
    'Server-Sent Events, each with an `id` (its number in the reply): `message` (the stored message and the reply id), `delta` ({text}), `tool_call` ({id, name, arguments}), `tool_result` ({id, name, result, error}), `usage` ({promptTokens, completionTokens}), then one of `done` ({message}: the reply as stored), `error` ({error: {code, message}, message}) or `interrupted` ({message}). A comment line every 15 s keeps the connection open.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};
const LAST_EVENT_ID = /^\d{1,9}$/;

export const agentRoutes: FastifyPluginCallbackTypebox<AgentRouteDeps> = (app, deps, done) => {
  const { agents, chat, isShuttingDown } = deps;
  const keepAliveMs = deps.keepAliveMs ?? 15_000;
  const callerOf = (request: FastifyRequest): ChatCaller => ({ principal: request.principal!, actor: actorOf(request) });

  /** Answers the request with the reply's events after `afterSeq` until it ends or the client goes. */
  async function stream(
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    messageId: string,
    afterSeq: number,
    first?: ReplyEvent,
  ) {
    if (isShuttingDown()) throw PlatformErrors.shuttingDown();
    const aborted = new AbortController();
    // The session and message are checked before any byte is sent (a 404 stays a 404).
    const target = await chat.replyFor(callerOf(request), sessionId, messageId);
    const write = (event: ReplyEvent) => {
      reply.raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    };
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-request-id': request.id,
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    });
    deps.metrics.streams.inc();
    if (first) write(first);
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
    keepAlive.unref();
    // The response's close, not the request's: a POST's request closes once its body is read.
    const gone = () => aborted.abort();
    raw.on('close', gone);
    try {
      await chat.follow(target, first ? first.seq : afterSeq, write, aborted.signal);
    } catch (error) {
      request.log.warn({ err: error }, 'a chat stream ended on an error');
      raw.write(
        `event: error\ndata: ${JSON.stringify({ error: { code: 'STREAM_FAILED', message: 'the stream failed; resume it with Last-Event-ID' }, message: null })}\n\n`,
      );
    } finally {
      clearInterval(keepAlive);
      raw.off('close', gone);
      deps.metrics.streams.dec();
      raw.end();
    }
  }

  // Agents.
  app.post(
    AGENTS,
    {
      config: { permission: 'agents:write' },
      schema: {
        tags: ['agents'],
        summary: 'Create an agent',
        description:
          'An agent answers chat messages with a model on an OpenAI-compatible server, its system prompt and the tools it may call. The API key and extra headers are sealed at rest and never returned. Audited as `agent.create`. 409 AGENT_NAME_TAKEN for a name in use; 400 INVALID_AGENT for a base URL that is not http(s) or holds credentials, or a unit that does not exist or is outside your grants.',
        body: AgentBody,
        response: { 201: Type.Ref(AgentView) },
      },
    },
    async (request, reply) => reply.code(201).send(await agents.create(callerOf(request), request.body)),
  );

  app.get(
    AGENTS,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['agents'],
        summary: 'List agents',
        description: 'The agents you may chat with or manage, by id, cursor-paginated.',
        querystring: AgentListQuery,
        response: { 200: Page(Type.Ref(AgentView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return agents.list(callerOf(request), {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.enabled !== undefined ? { enabled: q.enabled } : {}),
      });
    },
  );

  app.get(
    `${AGENTS}/:agent_id`,
    {
      config: { permission: 'agents:use' },
      schema: { tags: ['agents'], summary: 'One agent', params: AgentParams, response: { 200: Type.Ref(AgentView) } },
    },
    async (request) => agents.get(callerOf(request), request.params.agent_id),
  );

  app.patch(
    `${AGENTS}/:agent_id`,
    {
      config: { permission: 'agents:write' },
      schema: {
        tags: ['agents'],
        summary: 'Change an agent',
        description:
          'Only the fields given change; `provider.apiKey: null` removes the key, leaving it out keeps it. Every process sees the change on its next read. Audited as `agent.update`.',
        params: AgentParams,
        headers: ifMatchHeader('agent'),
        body: AgentPatchBody,
        response: { 200: Type.Ref(AgentView) },
      },
    },
    async (request) => agents.update(callerOf(request), request.params.agent_id, request.body, ifMatchOf(request)),
  );

  app.delete(
    `${AGENTS}/:agent_id`,
    {
      config: { permission: 'agents:write' },
      schema: {
        tags: ['agents'],
        summary: 'Delete an agent',
        description: 'Deletes the agent with every session held with it. Audited as `agent.delete`.',
        params: AgentParams,
        headers: ifMatchHeader('agent'),
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await agents.remove(callerOf(request), request.params.agent_id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  // Sessions.
  app.post(
    SESSIONS,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Start a chat session',
        description: 'A session with an agent you may use; only you see it. Audited as `chat_session.create`.',
        body: SessionBody,
        response: { 201: Type.Ref(SessionView) },
      },
    },
    async (request, reply) => reply.code(201).send(await chat.createSession(callerOf(request), request.body)),
  );

  app.get(
    SESSIONS,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'List your chat sessions',
        description: 'Your own sessions, latest activity first, cursor-paginated.',
        querystring: Type.Object(
          { ...PageQuery, agentId: Type.Optional(Type.String({ format: 'uuid', description: 'Only sessions with this agent.' })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref(SessionView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return chat.listSessions(callerOf(request), {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.agentId !== undefined ? { agentId: q.agentId } : {}),
      });
    },
  );

  app.get(
    `${SESSIONS}/:session_id`,
    {
      config: { permission: 'agents:use' },
      schema: { tags: ['chat'], summary: 'One of your chat sessions', params: SessionParams, response: { 200: Type.Ref(SessionView) } },
    },
    async (request) => chat.getSession(callerOf(request), request.params.session_id),
  );

  app.patch(
    `${SESSIONS}/:session_id`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Rename a chat session',
        description: 'Audited as `chat_session.update`.',
        params: SessionParams,
        headers: ifMatchHeader('session'),
        body: SessionPatchBody,
        response: { 200: Type.Ref(SessionView) },
      },
    },
    async (request) => chat.renameSession(callerOf(request), request.params.session_id, request.body.title, ifMatchOf(request)),
  );

  app.delete(
    `${SESSIONS}/:session_id`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Delete a chat session',
        description: 'Deletes the session and its messages; a reply under way stops. Audited as `chat_session.delete`.',
        params: SessionParams,
        headers: ifMatchHeader('session'),
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await chat.deleteSession(callerOf(request), request.params.session_id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    `${SESSIONS}/:session_id/export`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Export a chat session',
        description: 'The whole conversation, oldest first: JSON (`{session, messages}`) or Markdown (`format=markdown`).',
        params: SessionParams,
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The conversation.',
            content: {
              'application/json': {
                schema: Type.Object(
                  { session: Type.Ref(SessionView), messages: Type.Array(Type.Ref(MessageView)) },
                  { additionalProperties: false },
                ),
              },
              'text/markdown': { schema: { type: 'string' } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { session, messages } = await chat.exportSession(callerOf(request), request.params.session_id);
      const name = `chat-${session.id}`;
      if (request.query.format === 'markdown') {
        return reply
          .header('content-type', 'text/markdown; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.md"`)
          .send(markdownOf(session.title, messages));
      }
      return reply.header('content-disposition', `attachment; filename="${name}.json"`).send({ session, messages });
    },
  );

  // Messages.
  app.get(
    `${SESSIONS}/:session_id/messages`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'List the messages of a session',
        description: 'Newest first, cursor-paginated; a reply being written shows what it has saved so far.',
        params: SessionParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(Type.Ref(MessageView)) },
      },
    },
    async (request) =>
      chat.listMessages(callerOf(request), request.params.session_id, {
        limit: request.query.limit ?? DEFAULT_LIMIT,
        ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
      }),
  );

  app.post(
    `${SESSIONS}/:session_id/messages`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Send a message and stream the reply',
        description:
          "Stores your message first (the `message` event is the acknowledgement), then streams the reply as it is written. The reply goes on if the connection drops: resume it with GET …/messages/{message_id}/stream and `Last-Event-ID`. Sending a `clientMessageId` again answers the stored message and its reply, never a second one (409 MESSAGE_ID_REUSED when the content differs). One reply at a time per session: 409 GENERATION_IN_PROGRESS. 429 RATE_LIMITED past the agent's messages a minute. Audited as `chat_message.send`.",
        params: SessionParams,
        body: MessageBody,
        response: { 200: EVENT_STREAM },
      },
    },
    async (request, reply) => {
      const sent = await chat.send(callerOf(request), request.params.session_id, request.body);
      const first: ReplyEvent = { seq: 1, type: 'message', data: { message: sent.message, replyId: sent.replyId } };
      // A repeat streams the stored reply from its start (its first event is the same message).
      return stream(request, reply, request.params.session_id, sent.replyId, 0, sent.created ? first : undefined);
    },
  );

  app.get(
    `${SESSIONS}/:session_id/messages/:message_id/stream`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Resume the stream of a reply',
        description:
          "The reply to a message (give the reply's id or the message's): its events after `Last-Event-ID` (all without it), then each new one until it ends, from whichever process writes it. A finished reply streams its stored events and its end.",
        params: MessageParams,
        headers: Type.Object(
          { 'last-event-id': Type.Optional(Type.String({ description: 'The id of the last event you received.' })) },
          { additionalProperties: true },
        ),
        response: { 200: EVENT_STREAM },
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      if (header !== undefined && !LAST_EVENT_ID.test(header.trim()))
        throw PlatformErrors.badRequest(`Last-Event-ID must be an event id from this stream (a number), got ${JSON.stringify(header)}`);
      return stream(request, reply, request.params.session_id, request.params.message_id, header === undefined ? 0 : Number(header.trim()));
    },
  );

  app.post(
    `${SESSIONS}/:session_id/messages/:message_id/cancel`,
    {
      config: { permission: 'agents:use' },
      schema: {
        tags: ['chat'],
        summary: 'Stop a reply',
        description:
          'Stops the reply to a message (give either id), in whichever process writes it; what it wrote stays, marked `interrupted`. A finished reply is answered as it is. Audited as `chat_message.cancel`.',
        params: MessageParams,
        response: { 200: Type.Ref(MessageView) },
      },
    },
    async (request) => chat.cancel(callerOf(request), request.params.session_id, request.params.message_id),
  );

  done();
};

/** A conversation as Markdown: a heading per message, tool calls as lists. */
export function markdownOf(title: string, messages: readonly ChatMessage[]): string {
  const lines = [`# ${title}`, ''];
  for (const message of messages) {
    lines.push(
      `## ${message.role === 'user' ? 'You' : 'Agent'} · ${message.createdAt}${message.status === 'complete' ? '' : ` (${message.status})`}`,
      '',
    );
    for (const call of message.toolCalls)
      lines.push(`- tool \`${call.name}\` ${call.arguments}${call.error ? ` → error: ${call.error}` : ''}`);
    if (message.toolCalls.length > 0) lines.push('');
    lines.push(message.content || '_(no text)_', '');
  }
  return lines.join('\n');
}
