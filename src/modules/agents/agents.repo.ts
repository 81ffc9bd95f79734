// The SQL of agents, chat sessions, messages and reply events.
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.js';

export type AgentRow = Selectable<Schema['agents']>;
export type NewAgentRow = Insertable<Schema['agents']>;
export type SessionRow = Selectable<Schema['chat_sessions']>;
export type MessageRow = Selectable<Schema['chat_messages']>;
export type NewMessageRow = Insertable<Schema['chat_messages']>;
export type EventRow = Selectable<Schema['chat_events']>;
type Db = Kysely<Schema>;

const UNFINISHED = ['pending', 'streaming'] as const;

export const agentsRepo = {
  insertAgent: (db: Db, row: NewAgentRow) => db.insertInto('agents').values(row).returningAll().executeTakeFirstOrThrow(),
  findAgent: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('agents').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },
  nameTaken: async (db: Db, name: string, except?: string) =>
    (await db
      .selectFrom('agents')
      .select('id')
      .where(sql<boolean>`lower(name) = lower(${name})`)
      .$if(except !== undefined, (q) => q.where('id', '<>', except!))
      .executeTakeFirst()) !== undefined,
  listAgents: (db: Db, options: { limit: number; after?: string; units?: readonly string[]; global: boolean; enabled?: boolean }) =>
    db
      .selectFrom('agents')
      .selectAll()
      .$if(options.units !== undefined, (q) =>
        q.where(
          options.global
            ? sql<boolean>`(org_unit_code = any(${[...options.units!]}::text[]) or org_unit_code is null)`
            : sql<boolean>`org_unit_code = any(${[...options.units!]}::text[])`,
        ),
      )
      .$if(options.enabled !== undefined, (q) => q.where('enabled', '=', options.enabled!))
      .$if(options.after !== undefined, (q) => q.where('id', '>', options.after!))
      .orderBy('id')
      .limit(options.limit)
      .execute(),
  updateAgent: (db: Db, id: string, changes: Updateable<Schema['agents']>) =>
    db
      .updateTable('agents')
      .set({ ...changes, revision: sql<number>`revision + 1` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  deleteAgent: (db: Db, id: string) => db.deleteFrom('agents').where('id', '=', id).execute(),

  // Sessions.
  insertSession: (db: Db, row: Insertable<Schema['chat_sessions']>) =>
    db.insertInto('chat_sessions').values(row).returningAll().executeTakeFirstOrThrow(),
  findSession: (db: Db, id: string, lock = false) => {
    const query = db.selectFrom('chat_sessions').selectAll().where('id', '=', id);
    return (lock ? query.forNoKeyUpdate() : query).executeTakeFirst();
  },
  listSessions: (db: Db, ownerId: string, options: { limit: number; before?: { at: Date; id: string }; agentId?: string }) =>
    db
      .selectFrom('chat_sessions')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .$if(options.agentId !== undefined, (q) => q.where('agent_id', '=', options.agentId!))
      .$if(options.before !== undefined, (q) =>
        q.where(sql<boolean>`(last_activity_at, id) < (${options.before!.at}::timestamptz, ${options.before!.id}::uuid)`),
      )
      .orderBy('last_activity_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute(),
  updateSession: (db: Db, id: string, changes: Updateable<Schema['chat_sessions']>, bump = true) =>
    db
      .updateTable('chat_sessions')
      .set(bump ? { ...changes, revision: sql<number>`revision + 1` } : changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),
  deleteSession: (db: Db, id: string) => db.deleteFrom('chat_sessions').where('id', '=', id).execute(),

  // Messages.
  insertMessage: (db: Db, row: NewMessageRow) => db.insertInto('chat_messages').values(row).returningAll().executeTakeFirstOrThrow(),
  findMessage: (db: Db, sessionId: string, id: string) =>
    db.selectFrom('chat_messages').selectAll().where('session_id', '=', sessionId).where('id', '=', id).executeTakeFirst(),
  byClientId: (db: Db, sessionId: string, clientMessageId: string) =>
    db
      .selectFrom('chat_messages')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('client_message_id', '=', clientMessageId)
      .executeTakeFirst(),
  replyTo: (db: Db, messageId: string) =>
    db.selectFrom('chat_messages').selectAll().where('reply_to', '=', messageId).where('role', '=', 'assistant').executeTakeFirst(),
  /** The reply under way in a session, if any. */
  generating: (db: Db, sessionId: string) =>
    db.selectFrom('chat_messages').selectAll().where('session_id', '=', sessionId).where('status', 'in', UNFINISHED).executeTakeFirst(),
  listMessages: (db: Db, sessionId: string, options: { limit: number; before?: string }) =>
    db
      .selectFrom('chat_messages')
      .selectAll()
      .where('session_id', '=', sessionId)
      .$if(options.before !== undefined, (q) => q.where('id', '<', options.before!))
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute(),
  /** The conversation before `before` (ids are time-ordered), oldest first, for the model. */
  history: async (db: Db, sessionId: string, before: string, limit: number) =>
    (
      await db
        .selectFrom('chat_messages')
        .select(['id', 'role', 'content', 'status'])
        .where('session_id', '=', sessionId)
        .where('id', '<', before)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute()
    ).reverse(),
  updateMessage: (db: Db, id: string, changes: Updateable<Schema['chat_messages']>) =>
    db.updateTable('chat_messages').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
  /** Replies whose writer stopped saving them before `staleBefore`, or whose writer is `deadWriter`: marked interrupted. */
  interruptAbandoned: (db: Db, options: { staleBefore: Date; writer?: string; now: Date }) =>
    db
      .updateTable('chat_messages')
      .set({ status: 'interrupted', updated_at: options.now, writer: null })
      .where('status', 'in', UNFINISHED)
      .where((eb) =>
        options.writer !== undefined
          ? eb.or([eb('updated_at', '<', options.staleBefore), eb('writer', '=', options.writer)])
          : eb('updated_at', '<', options.staleBefore),
      )
      .returning(['id', 'session_id'])
      .execute(),

  // Reply events.
  insertEvents: (db: Db, rows: readonly Insertable<Schema['chat_events']>[]) =>
    rows.length === 0
      ? Promise.resolve()
      : db
          .insertInto('chat_events')
          .values([...rows])
          .execute()
          .then(() => undefined),
  eventsAfter: (db: Db, messageId: string, after: number) =>
    db
      .selectFrom('chat_events')
      .select(['seq', 'type', 'data'])
      .where('message_id', '=', messageId)
      .where('seq', '>', after)
      .orderBy('seq')
      .execute(),
  lastSeq: async (db: Db, messageId: string) =>
    (
      await db
        .selectFrom('chat_events')
        .select(sql<number>`coalesce(max(seq), 0)::int`.as('seq'))
        .where('message_id', '=', messageId)
        .executeTakeFirstOrThrow()
    ).seq,
};
