// Chat sessions with agents: a person's own sessions (no one else sees them, admins included), their
// messages, and the replies. Sending stores the person's message first (that is the acknowledgement)
// together with its reply, `pending`, in one transaction; a unique index allows one unfinished reply
// per session, so two sends at once give one reply and one 409. The reply is written by a `Reply`
// in this process, detached from the connection that asked: the text and the numbered events are
// saved every saveIntervalMs and touched at least every heartbeatMs, so a client that lost its
// stream resumes it from the stored events (from any process), and a reply whose writer died (no
// save for staleAfterMs) is marked `interrupted` by the sweep, keeping its text.
import type { Kysely } from 'kysely';
import type { Actor, Audit } from '../../platform/audit.js';
import { byActor } from '../../platform/audit.js';
import type { ChatMessageStatus, Schema } from '../../platform/db/schema.js';
import type { Principal } from '../../platform/http/access.js';
import { cursorCodec, cursorField, cursorShape } from '../../platform/http/pagination.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Counters, PubSub } from '../../platform/kv/types.js';
import type { Logger } from '../../platform/log.js';
import { AgentErrors } from './agents.errors.js';
import type { AgentMetrics } from './agents.metrics.js';
import type { MessageRow, SessionRow } from './agents.repo.js';
import { agentsRepo } from './agents.repo.js';
import type { AgentService } from './agents.service.js';
import type { Generator, ModelMessage, ReplyEvent, ToolCallRecord } from './generation.js';
import { ProviderError } from './generation.js';

export interface ChatCaller {
  principal: Principal;
  actor: Actor;
}

export interface ChatSession {
  id: string;
  agentId: string;
  title: string;
  revision: number;
  createdAt: string;
  lastActivityAt: string;
}

export interface ChatMessage {
  id: string;
  sessionId: string;
  role: 'user' | 'assistant';
  content: string;
  status: ChatMessageStatus;
  clientMessageId: string | null;
  replyTo: string | null;
  toolCalls: ToolCallRecord[];
  error: { code: string; message: string } | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  firstTokenMs: number | null;
  latencyMs: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChatSettings {
  saveIntervalMs: number;
  heartbeatMs: number;
  /** A reply not saved for this long has lost its writer: the sweep marks it interrupted. */
  staleAfterMs: number;
  /** Messages of the conversation sent to the model with a new one. */
  historyMessages: number;
  /** How often a stream followed from the database looks for new events. */
  followPollMs: number;
}

export interface ChatServiceDeps {
  db: Kysely<Schema>;
  audit: Audit;
  agents: AgentService;
  generator: Generator;
  counters: Counters;
  pubsub: PubSub;
  metrics: AgentMetrics;
  log: Logger;
  settings: ChatSettings;
  now?: () => Date;
}

export const CHAT_CANCEL_CHANNEL = 'vigil:chat-cancel';
const FINAL: readonly ChatMessageStatus[] = ['complete', 'interrupted', 'error'];
const sessionCursor = cursorCodec('chat-sessions', cursorShape({ a: cursorField.instantMicros, i: cursorField.uuid }));
const messageCursor = cursorCodec('chat-messages', cursorShape({ i: cursorField.uuid }));

function micros(date: Date): string {
  return date.toISOString().replace('Z', '000Z');
}

export function toSession(row: SessionRow): ChatSession {
  return {
    id: row.id,
    agentId: row.agent_id,
    title: row.title,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    lastActivityAt: row.last_activity_at.toISOString(),
  };
}

export function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    sessionId: row.session_id,
    role: row.role,
    content: row.content,
    status: row.status,
    clientMessageId: row.client_message_id,
    replyTo: row.reply_to,
    toolCalls: row.tool_calls as ToolCallRecord[],
    error: row.error,
    usage: row.prompt_tokens === null ? null : { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens ?? 0 },
    firstTokenMs: row.first_token_ms,
    latencyMs: row.latency_ms,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** What a finished reply's stream ends with. */
function finalEvent(row: MessageRow): Pick<ReplyEvent, 'type' | 'data'> {
  const message = toMessage(row);
  if (row.status === 'complete') return { type: 'done', data: { message } };
  if (row.status === 'error')
    return { type: 'error', data: { error: row.error ?? { code: 'PROVIDER_FAILED', message: 'the reply failed' }, message } };
  return { type: 'interrupted', data: { message } };
}

/** A reply being written in this process: its events in order, its listeners, and its saves. */
class Reply {
  readonly events: ReplyEvent[] = [];
  readonly listeners = new Set<(event: ReplyEvent) => void>();
  readonly abort = new AbortController();
  content = '';
  toolCalls: ToolCallRecord[] = [];
  cancelled = false;
  finished = false;
  private saved = 0;
  private savedAt = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly sessionId: string,
    firstSeq: number,
    private readonly save: (reply: Reply, events: ReplyEvent[]) => Promise<void>,
    private readonly heartbeatMs: number,
  ) {
    this.seq = firstSeq;
  }
  private seq: number;

  emit(type: ReplyEvent['type'], data: unknown): ReplyEvent {
    const event = { seq: ++this.seq, type, data };
    this.events.push(event);
    if (type === 'delta') this.content += (data as { text: string }).text;
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /**
   * Saves what is new since the last save (events and text); with nothing new, only every
   * heartbeatMs (the save's time says that its writer is alive). Saves run one after another.
   */
  flush(force = false): Promise<void> {
    this.saving = this.saving.then(async () => {
      const fresh = this.events.slice(this.saved);
      if (!force && fresh.length === 0 && performance.now() - this.savedAt < this.heartbeatMs) return;
      this.saved += fresh.length;
      this.savedAt = performance.now();
      await this.save(this, fresh);
    });
    return this.saving;
  }
}

export function createChatService(deps: ChatServiceDeps) {
  const { db, audit, agents, metrics, log, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const writer = uuidv7();
  const replies = new Map<string, Reply>();
  let closed = false;

  /** The caller's own session; 404 for anyone else's. */
  async function ownSession(caller: ChatCaller, id: string, executor: Kysely<Schema> = db, lock = false): Promise<SessionRow> {
    const row = await agentsRepo.findSession(executor, id, lock);
    if (!row || row.owner_id !== caller.principal.id) throw AgentErrors.sessionNotFound(id);
    return row;
  }

  async function saveReply(reply: Reply, events: ReplyEvent[]): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await agentsRepo.insertEvents(
        tx,
        events.map((e) => ({ message_id: reply.id, seq: e.seq, type: e.type, data: JSON.stringify(e.data) })),
      );
      if (!reply.finished)
        await agentsRepo.updateMessage(tx, reply.id, {
          content: reply.content,
          tool_calls: JSON.stringify(reply.toolCalls),
          status: 'streaming',
          updated_at: now(),
        });
    });
  }

  /** The messages sent to the model: the agent's prompt, the conversation so far, the new message. */
  async function conversation(systemPrompt: string, sessionId: string, message: MessageRow): Promise<ModelMessage[]> {
    const history = await agentsRepo.history(db, sessionId, message.id, settings.historyMessages);
    const messages: ModelMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
    for (const row of history) {
      if (row.content === '' || (row.role === 'assistant' && row.status === 'error' && row.content === '')) continue;
      messages.push({ role: row.role, content: row.content });
    }
    messages.push({ role: 'user', content: message.content });
    return messages;
  }

  /** Writes the reply to `message` in this process until it ends; never throws. */
  async function write(caller: ChatCaller, agentId: string, message: MessageRow, replyRow: MessageRow): Promise<void> {
    const started = performance.now();
    let firstTokenMs: number | null = null;
    const reply = new Reply(replyRow.id, replyRow.session_id, 1, saveReply, settings.heartbeatMs);
    replies.set(reply.id, reply);
    metrics.replies.inc();
    const timer = setInterval(
      () => void reply.flush().catch((error: unknown) => log.warn({ err: error }, 'could not save a reply')),
      settings.saveIntervalMs,
    );
    timer.unref();
    let status: ChatMessageStatus = 'complete';
    let error: { code: string; message: string } | null = null;
    let usage: { promptTokens: number; completionTokens: number } | null = null;
    try {
      const found = await agents.usable(caller, agentId);
      const result = await deps.generator.generate({
        provider: agents.access(found),
        agent: found.agent,
        messages: await conversation(found.agent.systemPrompt, message.session_id, message),
        caller,
        signal: reply.abort.signal,
        emit: (type, data) => {
          reply.emit(type, data);
          if (type === 'tool_result') reply.toolCalls = [...reply.toolCalls, data as ToolCallRecord];
        },
        onFirstToken: () => {
          firstTokenMs = Math.round(performance.now() - started);
          metrics.firstToken.observe(firstTokenMs / 1000);
        },
      });
      reply.toolCalls = result.toolCalls;
      usage = result.usage;
      if (reply.cancelled) status = 'interrupted';
    } catch (failure) {
      if (reply.cancelled || closed) status = 'interrupted';
      else {
        status = 'error';
        error =
          failure instanceof ProviderError
            ? { code: failure.code, message: failure.message }
            : failure instanceof Error && 'code' in failure && typeof failure.code === 'string' && 'status' in failure
              ? { code: failure.code, message: failure.message }
              : { code: 'INTERNAL', message: 'the reply failed inside Vigil; it has been logged' };
        if (!(failure instanceof ProviderError)) log.error({ err: failure, messageId: reply.id }, 'a chat reply failed');
      }
    } finally {
      clearInterval(timer);
    }
    const latencyMs = Math.round(performance.now() - started);
    try {
      await reply.flush(true);
      reply.finished = true;
      const row = await db.transaction().execute(async (tx) => {
        const updated = await agentsRepo.updateMessage(tx, reply.id, {
          content: reply.content,
          tool_calls: JSON.stringify(reply.toolCalls),
          status,
          error: error === null ? null : JSON.stringify(error),
          prompt_tokens: usage?.promptTokens ?? null,
          completion_tokens: usage?.completionTokens ?? null,
          first_token_ms: firstTokenMs,
          latency_ms: latencyMs,
          writer: null,
          updated_at: now(),
        });
        const end = finalEvent(updated);
        const event = reply.emit(end.type, end.data);
        await agentsRepo.insertEvents(tx, [{ message_id: reply.id, seq: event.seq, type: event.type, data: JSON.stringify(event.data) }]);
        return updated;
      });
      metrics.messages.inc({ status: reply.cancelled ? 'cancelled' : row.status });
      metrics.sendDuration.observe(latencyMs / 1000);
    } catch (saveError) {
      // The database is gone: the sweep marks the reply interrupted once it answers again.
      log.error({ err: saveError, messageId: reply.id }, 'could not save the end of a chat reply');
      reply.emit('interrupted', { message: null });
    } finally {
      replies.delete(reply.id);
      metrics.replies.dec();
    }
  }

  /** Stops a reply this process writes; false when it writes no such reply. */
  function stopLocal(replyId: string): boolean {
    const local = replies.get(replyId);
    if (!local) return false;
    local.cancelled = true;
    local.abort.abort();
    return true;
  }

  /** Stops a reply here, or asks the other processes to (the one that writes it does). */
  async function stop(replyId: string): Promise<void> {
    if (!stopLocal(replyId)) await deps.pubsub.publish(CHAT_CANCEL_CHANNEL, replyId);
  }

  /** The reply to a user message, or the reply itself. */
  async function replyOf(session: SessionRow, messageId: string): Promise<MessageRow> {
    const found = await agentsRepo.findMessage(db, session.id, messageId);
    if (!found) throw AgentErrors.messageNotFound(messageId);
    if (found.role === 'assistant') return found;
    const reply = await agentsRepo.replyTo(db, found.id);
    if (!reply) throw AgentErrors.messageNotFound(messageId);
    return reply;
  }

  return {
    writer,

    async createSession(caller: ChatCaller, input: { agentId: string; title?: string }): Promise<ChatSession> {
      await agents.usable(caller, input.agentId);
      const at = now();
      const row = await db.transaction().execute(async (tx) => {
        const created = await agentsRepo.insertSession(tx, {
          id: uuidv7(),
          agent_id: input.agentId,
          owner_type: caller.principal.type,
          owner_id: caller.principal.id,
          title: input.title ?? 'New chat',
          revision: 1,
          created_at: at,
          last_activity_at: at,
        });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'chat_session.create',
          resourceType: 'chat_session',
          resourceId: created.id,
          after: { agentId: created.agent_id, title: created.title },
          result: 'success',
        });
        return created;
      });
      return toSession(row);
    },

    getSession: async (caller: ChatCaller, id: string) => toSession(await ownSession(caller, id)),

    async listSessions(caller: ChatCaller, options: { limit: number; cursor?: string; agentId?: string }) {
      const position = sessionCursor.decode(options.cursor);
      const rows = await agentsRepo.listSessions(db, caller.principal.id, {
        limit: options.limit + 1,
        ...(position ? { before: { at: new Date(position.a), id: position.i } } : {}),
        ...(options.agentId !== undefined ? { agentId: options.agentId } : {}),
      });
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        items: page.map(toSession),
        nextCursor: rows.length > options.limit && last ? sessionCursor.encode({ a: micros(last.last_activity_at), i: last.id }) : null,
      };
    },

    async renameSession(caller: ChatCaller, id: string, title: string, ifMatch?: number): Promise<ChatSession> {
      const row = await db.transaction().execute(async (tx) => {
        const current = await ownSession(caller, id, tx, true);
        if (ifMatch !== undefined && ifMatch !== current.revision) throw AgentErrors.stale('chat session', id, ifMatch, current.revision);
        const updated = await agentsRepo.updateSession(tx, id, { title });
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'chat_session.update',
          resourceType: 'chat_session',
          resourceId: id,
          before: { title: current.title },
          after: { title },
          result: 'success',
        });
        return updated;
      });
      return toSession(row);
    },

    async deleteSession(caller: ChatCaller, id: string, ifMatch?: number): Promise<void> {
      const underWay = await db.transaction().execute(async (tx) => {
        const current = await ownSession(caller, id, tx, true);
        if (ifMatch !== undefined && ifMatch !== current.revision) throw AgentErrors.stale('chat session', id, ifMatch, current.revision);
        const generating = await agentsRepo.generating(tx, id);
        await agentsRepo.deleteSession(tx, id);
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'chat_session.delete',
          resourceType: 'chat_session',
          resourceId: id,
          before: { agentId: current.agent_id, title: current.title },
          result: 'success',
        });
        return generating;
      });
      // A reply under way stops, in whichever process writes it.
      if (underWay) await stop(underWay.id);
    },

    async listMessages(caller: ChatCaller, sessionId: string, options: { limit: number; cursor?: string }) {
      await ownSession(caller, sessionId);
      const before = messageCursor.decode(options.cursor)?.i;
      const rows = await agentsRepo.listMessages(db, sessionId, { limit: options.limit + 1, ...(before !== undefined ? { before } : {}) });
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        items: page.map(toMessage),
        nextCursor: rows.length > options.limit && last ? messageCursor.encode({ i: last.id }) : null,
      };
    },

    /** The whole conversation, oldest first, for export. */
    async exportSession(caller: ChatCaller, sessionId: string) {
      const session = await ownSession(caller, sessionId);
      const messages: ChatMessage[] = [];
      let before: string | undefined;
      for (;;) {
        const rows = await agentsRepo.listMessages(db, sessionId, { limit: 500, ...(before !== undefined ? { before } : {}) });
        messages.push(...rows.map(toMessage));
        if (rows.length < 500) break;
        before = rows.at(-1)!.id;
      }
      return { session: toSession(session), messages: messages.reverse() };
    },

    /**
     * Stores the caller's message and its reply (pending), and starts writing the reply. A repeated
     * clientMessageId answers the stored message and its reply (`created: false`), never a second one.
     */
    async send(caller: ChatCaller, sessionId: string, input: { content: string; clientMessageId: string }) {
      const session = await ownSession(caller, sessionId);
      /** The stored message of this clientMessageId with its reply; MESSAGE_ID_REUSED for other content. */
      const repeatOf = async (executor: Kysely<Schema>) => {
        const twin = await agentsRepo.byClientId(executor, sessionId, input.clientMessageId);
        if (!twin) return undefined;
        if (twin.content !== input.content) throw AgentErrors.messageIdReused(input.clientMessageId);
        return { message: twin, reply: (await agentsRepo.replyTo(executor, twin.id))! };
      };
      // A repeat is answered as it was, whatever the agent and the rate limit say now.
      const repeat = await repeatOf(db);
      if (repeat) return { created: false, message: toMessage(repeat.message), replyId: repeat.reply.id };
      const found = await agents.usable(caller, session.agent_id);
      const limit = found.agent.rateLimitPerMinute;
      const hit = await deps.counters.hit(`chat:${found.agent.id}:${caller.principal.id}`, 60_000);
      if (hit.count > limit) throw AgentErrors.rateLimited(found.agent.id, limit, Math.max(1, Math.ceil(hit.resetMs / 1000)));
      const at = now();
      // The session's row lock orders the sends to one session: a twin or another message sent at the
      // same moment is seen here (the unique indexes stay as the last guard: a violation is a 409).
      const stored = await db.transaction().execute(async (tx) => {
        await ownSession(caller, sessionId, tx, true);
        const twin = await repeatOf(tx);
        if (twin) return { ...twin, repeat: true };
        const busy = await agentsRepo.generating(tx, sessionId);
        if (busy) throw AgentErrors.generating(sessionId, busy.id);
        const message = await agentsRepo.insertMessage(tx, {
          id: uuidv7(),
          session_id: sessionId,
          role: 'user',
          content: input.content,
          status: 'complete',
          client_message_id: input.clientMessageId,
          created_at: at,
          updated_at: at,
        });
        const reply = await agentsRepo.insertMessage(tx, {
          id: uuidv7(),
          session_id: sessionId,
          role: 'assistant',
          content: '',
          status: 'pending',
          reply_to: message.id,
          writer,
          created_at: at,
          updated_at: at,
        });
        const first = { message: toMessage(message), replyId: reply.id };
        await agentsRepo.insertEvents(tx, [{ message_id: reply.id, seq: 1, type: 'message', data: JSON.stringify(first) }]);
        const titled = session.title === 'New chat' && session.revision === 1;
        await agentsRepo.updateSession(
          tx,
          sessionId,
          { last_activity_at: at, ...(titled ? { title: titleFrom(input.content) } : {}) },
          false,
        );
        await audit.write(tx, {
          ...byActor(caller.actor),
          action: 'chat_message.send',
          resourceType: 'chat_message',
          resourceId: message.id,
          after: { sessionId, agentId: session.agent_id, replyId: reply.id, characters: input.content.length },
          result: 'success',
        });
        return { message, reply, repeat: false };
      });
      if (stored.repeat) return { created: false, message: toMessage(stored.message), replyId: stored.reply.id };
      void write(caller, found.agent.id, stored.message, stored.reply);
      return { created: true, message: toMessage(stored.message), replyId: stored.reply.id };
    },

    /** The reply to the caller's message (or the reply itself): 404 when it is not in their session. */
    async replyFor(caller: ChatCaller, sessionId: string, messageId: string) {
      const target = await replyOf(await ownSession(caller, sessionId), messageId);
      return { id: target.id, sessionId };
    },

    /**
     * The events of a reply after `afterSeq`, then each new one until it ends: from this process's
     * writer when it writes the reply, else from the database (polled). `onEvent` is called in
     * order; resolves when the reply's last event was given, or when `signal` aborts.
     */
    async follow(target: { id: string; sessionId: string }, afterSeq: number, onEvent: (event: ReplyEvent) => void, signal: AbortSignal) {
      const sessionId = target.sessionId;
      let last = afterSeq;
      const give = (event: ReplyEvent) => {
        if (event.seq <= last) return;
        last = event.seq;
        onEvent(event);
      };
      const ends = (type: ReplyEvent['type']) => type === 'done' || type === 'error' || type === 'interrupted';
      for (;;) {
        if (signal.aborted) return;
        for (const row of await agentsRepo.eventsAfter(db, target.id, last)) {
          give({ seq: row.seq, type: row.type as ReplyEvent['type'], data: row.data });
          if (ends(row.type as ReplyEvent['type'])) return;
        }
        const live = replies.get(target.id);
        if (live) {
          // Then the events this process holds (those saved already are skipped by their number).
          for (const event of live.events) give(event);
          if (live.events.some((e) => ends(e.type))) return;
          await new Promise<void>((resolve) => {
            const listener = (event: ReplyEvent) => {
              give(event);
              if (ends(event.type)) done();
            };
            const done = () => {
              live.listeners.delete(listener);
              signal.removeEventListener('abort', done);
              resolve();
            };
            live.listeners.add(listener);
            signal.addEventListener('abort', done, { once: true });
            for (const event of live.events) give(event);
            if (live.events.some((e) => ends(e.type))) done();
          });
          return;
        }
        const current = await agentsRepo.findMessage(db, sessionId, target.id);
        if (!current) return;
        if (FINAL.includes(current.status)) {
          // Ended without a stored last event (its writer died): the end as it stands now.
          const pending = await agentsRepo.eventsAfter(db, target.id, last);
          for (const row of pending) give({ seq: row.seq, type: row.type as ReplyEvent['type'], data: row.data });
          if (pending.some((row) => ends(row.type as ReplyEvent['type']))) return;
          const end = finalEvent(current);
          give({ seq: last + 1, ...end });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, settings.followPollMs));
      }
    },

    /** Stops a reply under way (in whichever process writes it); what it wrote stays, marked interrupted. */
    async cancel(caller: ChatCaller, sessionId: string, messageId: string): Promise<ChatMessage> {
      const session = await ownSession(caller, sessionId);
      const target = await replyOf(session, messageId);
      if (FINAL.includes(target.status)) return toMessage(target);
      await audit.write(db, {
        ...byActor(caller.actor),
        action: 'chat_message.cancel',
        resourceType: 'chat_message',
        resourceId: target.id,
        after: { sessionId },
        result: 'success',
      });
      await stop(target.id);
      // Wait (briefly) for the writer to save the end.
      for (let i = 0; i < 50; i++) {
        const current = await agentsRepo.findMessage(db, sessionId, target.id);
        if (!current || FINAL.includes(current.status)) return toMessage(current ?? target);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return toMessage((await agentsRepo.findMessage(db, sessionId, target.id)) ?? target);
    },

    /** A cancel published by another process: stops the reply if this process writes it. */
    cancelLocal(replyId: string): void {
      stopLocal(replyId);
    },

    /** Marks replies whose writer stopped saving them as interrupted; answers how many. */
    async sweep(): Promise<number> {
      const at = now();
      const rows = await agentsRepo.interruptAbandoned(db, { staleBefore: new Date(at.getTime() - settings.staleAfterMs), now: at });
      if (rows.length > 0) metrics.messages.inc({ status: 'interrupted' }, rows.length);
      if (rows.length > 0)
        log.warn({ replies: rows.map((r) => r.id) }, 'chat replies left unfinished by a stopped process are now interrupted');
      return rows.length;
    },

    /** Replies under way in this process. */
    active: () => replies.size,

    /** Stops every reply this process writes (at shutdown): each is saved as interrupted. */
    async close(): Promise<void> {
      closed = true;
      const pending = [...replies.values()];
      for (const reply of pending) reply.abort.abort();
      for (let i = 0; i < 50 && replies.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      deps.generator.close();
    },
  };
}

/** A session's title from its first message: its first line, cut at a word near 60 characters. */
export function titleFrom(content: string): string {
  const line =
    content
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'New chat';
  if (line.length <= 60) return line;
  const cut = line.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export type ChatService = ReturnType<typeof createChatService>;
