-- The audit trail: one row per change (or refused attempt), written in the same transaction as
-- the change it records. Rows are only ever inserted, and deleted by the retention job.
create table audit_events (
  id uuid primary key,
  at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('user', 'api_key', 'system', 'anonymous')),
  actor_id text null,
  action text not null check (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  resource_type text not null,
  resource_id text null,
  org_unit_code text null,
  before jsonb null,
  after jsonb null,
  result text not null check (result in ('success', 'failure', 'denied')),
  request_id text null,
  ip text null
);

-- Listing is newest first by (at, id); the filters each have an index that keeps that order.
create index audit_events_at_idx on audit_events (at desc, id desc);
create index audit_events_resource_idx on audit_events (resource_type, resource_id, at desc, id desc);
create index audit_events_actor_idx on audit_events (actor_id, at desc, id desc);
create index audit_events_org_unit_idx on audit_events (org_unit_code, at desc, id desc);
-- text_pattern_ops serves both an exact action and a prefix such as 'auth.%' whatever the collation.
create index audit_events_action_idx on audit_events (action text_pattern_ops, at desc, id desc);
