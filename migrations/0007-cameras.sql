-- Cameras at each org unit, and their event log (state changes, errors, operator actions).
create table cameras (
  id uuid primary key,
  org_unit_code text not null references org_units (code),
  name text not null check (length(name) between 1 and 200),
  source_url text not null check (length(source_url) between 8 and 2048),
  -- mjpeg: an http(s) multipart stream; snapshot: an http(s) JPEG polled at expected_fps; rtsp: through ffmpeg.
  source_type text not null check (source_type in ('mjpeg', 'snapshot', 'rtsp')),
  expected_fps real not null check (expected_fps > 0 and expected_fps <= 120),
  -- {username, password} sealed with the secrets key (AES-256-GCM, context camera:<id>:credentials).
  credentials_sealed text null,
  labels text[] not null default '{}',
  active boolean not null default true,
  auto_start boolean not null default false,
  revision integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index cameras_org_unit on cameras (org_unit_code, id);
create index cameras_labels on cameras using gin (labels);

create table camera_events (
  id uuid primary key,
  camera_id uuid not null references cameras (id) on delete cascade,
  at timestamptz not null default now(),
  level text not null check (level in ('debug', 'info', 'warn', 'error')),
  kind text not null check (kind in ('state', 'error', 'operator')),
  message text not null,
  details jsonb null,
  actor_type text null,
  actor_id text null
);
create index camera_events_camera on camera_events (camera_id, at desc, id desc);
create index camera_events_at on camera_events (at);

-- Sharing the fleet between processes. `desired_running` is what operators asked for (start sets
-- it, stop and deactivate clear it); each camera that should run is ingested by exactly one
-- process, the holder of its lease, which renews it; a dead process's leases expire and another
-- process takes its cameras. `restart_seq` asks the holder for a fresh connection.
alter table cameras add column desired_running boolean not null default false;
alter table cameras add column restart_seq integer not null default 0;

create table vigil_nodes (
  id text primary key,
  host text not null,
  pid integer not null,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now()
);

create table camera_leases (
  camera_id uuid primary key references cameras (id) on delete cascade,
  owner text not null,
  expires_at timestamptz not null,
  acquired_at timestamptz not null default now()
);
create index camera_leases_owner on camera_leases (owner);

-- The holder publishes each camera's runtime status here, so any process can answer for any camera.
create table camera_runtime (
  camera_id uuid primary key references cameras (id) on delete cascade,
  owner text not null,
  status jsonb not null,
  updated_at timestamptz not null default now()
);
