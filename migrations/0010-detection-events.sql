-- Detection events from external detectors (and later Vigil itself), with their review workflow.
-- An event belongs to the unit its camera was at when the event was stored (`org_unit_code`): the
-- scope of who may see it does not move when the camera does. A repeated idempotency key for the
-- same camera is the same event (the unique index answers a racing second insert).
alter table api_keys drop constraint api_keys_role_check;
alter table api_keys add constraint api_keys_role_check check (role in ('admin', 'operator', 'viewer', 'detector'));
alter table role_grants drop constraint role_grants_role_check;
alter table role_grants add constraint role_grants_role_check check (role in ('admin', 'operator', 'viewer', 'detector'));

create table detection_events (
  id uuid primary key,
  camera_id uuid not null references cameras (id) on delete cascade,
  org_unit_code text not null,
  type text not null check (type ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  occurred_at timestamptz not null,
  received_at timestamptz not null,
  confidence double precision not null check (confidence >= 0 and confidence <= 1),
  bbox jsonb null,
  track_id text null check (track_id is null or length(track_id) between 1 and 128),
  attributes jsonb not null default '{}',
  idempotency_key text null check (idempotency_key is null or length(idempotency_key) between 1 and 200),
  has_snapshot boolean not null default false,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'false_positive', 'resolved')),
  notes text null check (notes is null or length(notes) <= 4000),
  handled_by_type text null,
  handled_by text null,
  handled_at timestamptz null,
  revision integer not null default 1,
  -- Who reported it (the detector's API key, usually).
  reported_by_type text not null,
  reported_by text null
);
create unique index detection_events_idempotency on detection_events (camera_id, idempotency_key) where idempotency_key is not null;
-- Lists newest first (keyset on occurred_at, id), by camera, by unit, by status.
create index detection_events_occurred on detection_events (occurred_at desc, id desc);
create index detection_events_camera on detection_events (camera_id, occurred_at desc, id desc);
create index detection_events_unit on detection_events (org_unit_code, occurred_at desc, id desc);
create index detection_events_pending on detection_events (occurred_at desc, id desc) where status = 'pending';
create index detection_events_received on detection_events (received_at);

-- A snapshot apart from its event: lists never read the bytes, and retention can drop snapshots
-- sooner than events.
create table detection_event_snapshots (
  event_id uuid primary key references detection_events (id) on delete cascade,
  jpeg bytea not null,
  stored_at timestamptz not null
);
create index detection_event_snapshots_stored on detection_event_snapshots (stored_at);
