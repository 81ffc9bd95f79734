-- AI agents (a model behind an OpenAI-compatible API, its prompt and its tools), the chat sessions
-- people hold with them, their messages, and the events of each reply (kept so that a client that
-- lost its stream can resume it from any process).
create table agents (
  id uuid primary key,
  name text not null check (length(name) between 1 and 100),
  description text not null default '',
  -- The provider: an OpenAI-compatible chat-completions server. The API key and the extra headers
  -- (which may carry credentials too) are sealed; only whether they are set is shown.
  provider_type text not null check (provider_type in ('openai-compatible')),
  base_url text not null,
  model text not null check (length(model) between 1 and 200),
  api_key_sealed text null,
  headers_sealed text null,
  header_names text[] not null default '{}',
  system_prompt text not null default '',
  temperature real null check (temperature is null or (temperature >= 0 and temperature <= 2)),
  max_tokens integer null check (max_tokens is null or max_tokens between 1 and 1000000),
  tools text[] not null default '{}',
  enabled boolean not null default true,
  -- Who may chat with it: people whose agents:use grants reach this unit (null: global grants only).
  org_unit_code text null,
  -- Messages a person may send it per minute.
  rate_limit_per_minute integer not null check (rate_limit_per_minute between 1 and 10000),
  revision integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by text null
);
create unique index agents_name on agents (lower(name));
create index agents_unit on agents (org_unit_code, id);

create table chat_sessions (
  id uuid primary key,
  agent_id uuid not null references agents (id) on delete cascade,
  -- The principal that holds it (a user or an API key); only they see it.
  owner_type text not null check (owner_type in ('user', 'api_key')),
  owner_id text not null,
  title text not null check (length(title) between 1 and 200),
  revision integer not null default 1,
  created_at timestamptz not null,
  -- The last message's time: sessions are listed newest activity first.
  last_activity_at timestamptz not null
);
create index chat_sessions_owner on chat_sessions (owner_id, last_activity_at desc, id desc);
create index chat_sessions_agent on chat_sessions (agent_id);

create table chat_messages (
  id uuid primary key,
  session_id uuid not null references chat_sessions (id) on delete cascade,
  role text not null check (role in ('user', 'assistant')),
  content text not null default '',
  status text not null check (status in ('pending', 'streaming', 'complete', 'interrupted', 'error')),
  -- The sender's own id for a user message: a repeat is answered with the stored one.
  client_message_id text null,
  -- An assistant message answers this user message.
  reply_to uuid null references chat_messages (id) on delete cascade,
  -- The tool calls of the reply, with their results (bounded).
  tool_calls jsonb not null default '[]',
  error jsonb null,
  prompt_tokens integer null,
  completion_tokens integer null,
  first_token_ms integer null,
  latency_ms integer null,
  -- The process writing a reply, and when it last saved it (a reply whose writer stopped saving is interrupted).
  writer text null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index chat_messages_client_id on chat_messages (session_id, client_message_id) where client_message_id is not null;
-- One reply under way per session.
create unique index chat_messages_generating on chat_messages (session_id) where status in ('pending', 'streaming');
create index chat_messages_session on chat_messages (session_id, id desc);
create index chat_messages_reply on chat_messages (reply_to) where reply_to is not null;
create index chat_messages_unfinished on chat_messages (updated_at) where status in ('pending', 'streaming');

-- The events of a reply as its stream sent them (text deltas, tool calls and results, usage, the
-- end), numbered from 1: a client resumes after the last one it saw.
create table chat_events (
  message_id uuid not null references chat_messages (id) on delete cascade,
  seq integer not null,
  type text not null,
  data jsonb not null,
  primary key (message_id, seq)
);
