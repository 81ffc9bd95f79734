-- Alert rules, their alert instances (with history), the notification outbox and silences.
create table alert_rules (
  id uuid primary key,
  name text not null check (length(name) between 1 and 200),
  enabled boolean not null default true,
  -- The unit whose subtree (in today's tree) the rule watches, and which decides who may see and change it.
  org_unit_code text null,
  camera_ids uuid[] not null default '{}',
  label_matchers jsonb not null default '{}',
  condition jsonb not null,
  for_s integer not null check (for_s >= 0),
  keep_firing_for_s integer not null check (keep_firing_for_s >= 0),
  severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
  labels jsonb not null default '{}',
  annotations jsonb not null default '{}',
  -- The channels as shown (secrets replaced by hasSecret) and sealed whole (secrets included).
  channels jsonb not null default '[]',
  channels_sealed text null,
  repeat_interval_s integer not null check (repeat_interval_s > 0),
  revision integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by text null
);
create index alert_rules_unit on alert_rules (org_unit_code, id);

-- One row per alert: a series (rule, fingerprint of its labels) has at most one active row
-- (pending or firing); resolved rows are the history.
create table alert_instances (
  id uuid primary key,
  -- A deleted rule leaves its alerts as history (their labels name it).
  rule_id uuid null references alert_rules (id) on delete set null,
  fingerprint text not null,
  camera_id uuid null,
  org_unit_code text null,
  state text not null check (state in ('pending', 'firing', 'resolved')),
  severity text not null,
  labels jsonb not null,
  annotations jsonb not null,
  value double precision null,
  active_since timestamptz not null,
  fired_at timestamptz null,
  resolved_at timestamptz null,
  -- When the condition was first seen not to hold while firing (null while it holds): keepFiringFor counts from here.
  false_since timestamptz null,
  last_notified_at timestamptz null,
  last_resent_at timestamptz null,
  acked_by text null,
  acked_at timestamptz null,
  revision integer not null default 1
);
create unique index alert_instances_active on alert_instances (rule_id, fingerprint) where state <> 'resolved';
create index alert_instances_list on alert_instances (active_since desc, id desc);
create index alert_instances_state on alert_instances (state) where state <> 'resolved';
create index alert_instances_resolved on alert_instances (resolved_at) where state = 'resolved';

-- Notifications to send, written in the transaction that changes the alert; claimed with
-- FOR UPDATE SKIP LOCKED by any process, sent with the idempotency key, retried with backoff.
create table alert_outbox (
  id uuid primary key,
  instance_id uuid null references alert_instances (id) on delete set null,
  rule_id uuid null,
  channel_index integer not null,
  channel_type text not null check (channel_type in ('webhook', 'alertmanager', 'email')),
  endpoint text not null,
  event_type text not null check (event_type in ('firing', 'resolved', 'repeat', 'resend')),
  payload jsonb not null,
  -- A webhook's signing secret, sealed (the rule may change or go before the notification is sent).
  secret_sealed text null,
  idempotency_key text not null unique,
  created_at timestamptz not null,
  next_attempt_at timestamptz not null,
  attempts integer not null default 0,
  claimed_until timestamptz null,
  last_error text null,
  delivered_at timestamptz null,
  failed_at timestamptz null
);
create index alert_outbox_due on alert_outbox (next_attempt_at) where delivered_at is null and failed_at is null;
create index alert_outbox_created on alert_outbox (created_at);

create table alert_silences (
  id uuid primary key,
  matchers jsonb not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  created_by text null,
  comment text not null default '',
  org_unit_code text null,
  created_at timestamptz not null,
  expired_at timestamptz null,
  check (ends_at > starts_at)
);
create index alert_silences_active on alert_silences (ends_at) where expired_at is null;
