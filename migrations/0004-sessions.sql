-- Signing keys of access tokens (private halves sealed with the secrets key), login sessions
-- (one refresh-token family each) and their refresh tokens, stored only as SHA-256 hashes.
create table signing_keys (
  kid text primary key,
  alg text not null check (alg in ('EdDSA')),
  public_jwk jsonb not null,
  private_jwk_sealed text not null,
  created_at timestamptz not null default now(),
  -- Retired keys no longer sign but still verify until the tokens they signed have expired.
  retired_at timestamptz null
);

create table auth_sessions (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_used_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip text null,
  user_agent text null,
  revoked_at timestamptz null,
  revoked_reason text null check (revoked_reason in ('logout', 'logout_all', 'reuse', 'ended', 'disabled'))
);
create index auth_sessions_user on auth_sessions (user_id) where revoked_at is null;

create table refresh_tokens (
  id uuid primary key,
  session_id uuid not null references auth_sessions (id) on delete cascade,
  parent_id uuid null references refresh_tokens (id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  -- Set when the token is exchanged for a successor.
  used_at timestamptz null
);
create index refresh_tokens_session on refresh_tokens (session_id);
create index refresh_tokens_parent on refresh_tokens (parent_id);
