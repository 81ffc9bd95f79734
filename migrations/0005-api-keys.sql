-- API keys for machines (CI, scripts, Prometheus): one role, globally or on an org unit's subtree.
-- The key itself is shown once at creation and stored only as its SHA-256 hash (it carries 256
-- random bits, so a slow hash adds nothing); `prefix` lets people tell keys apart in lists.
create table api_keys (
  id uuid primary key,
  name text not null check (length(name) between 1 and 100),
  role text not null check (role in ('admin', 'operator', 'viewer')),
  org_unit_code text null check (org_unit_code is null or length(org_unit_code) between 1 and 64),
  key_hash text not null unique,
  prefix text not null,
  created_at timestamptz not null default now(),
  created_by text null,
  expires_at timestamptz null,
  last_used_at timestamptz null,
  revoked_at timestamptz null
);
-- A name is unique among the keys still in force.
create unique index api_keys_name_active on api_keys (lower(name)) where revoked_at is null;
