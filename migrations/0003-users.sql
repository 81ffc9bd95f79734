-- People who sign in, and the roles they hold, globally or on an org unit (covering its subtree).
create table users (
  id uuid primary key,
  email text not null check (length(email) between 3 and 320 and position('@' in email) > 1),
  display_name text not null check (length(display_name) between 1 and 200),
  password_hash text not null,
  status text not null default 'active' check (status in ('active', 'disabled')),
  revision integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  password_changed_at timestamptz not null default now()
);
-- Emails are unique whatever their case.
create unique index users_email_key on users (lower(email));

create table role_grants (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('admin', 'operator', 'viewer')),
  -- null: the grant holds everywhere; a code: that unit and its subtree.
  org_unit_code text null check (org_unit_code is null or length(org_unit_code) between 1 and 64),
  created_at timestamptz not null default now(),
  created_by text null
);
create unique index role_grants_unique on role_grants (user_id, role, coalesce(org_unit_code, ''));
create index role_grants_user on role_grants (user_id);
