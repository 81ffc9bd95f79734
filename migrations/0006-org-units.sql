-- Organization units and their effective-dated versions.
--
-- A version is in force over the half-open date range [effective_from, effective_to); a null
-- effective_to means "until further notice". A unit's versions never overlap (the exclusion
-- constraint) and leave no gap from the first one on, with only the last one open (the deferred
-- constraint trigger): on any date from a unit's first effective date, exactly one version is in
-- force. The API shows the inclusive `endDate` = effective_to - 1 day.
create table org_units (
  code text primary key check (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  -- Bumped by every write to the unit's timeline; clients send it back in If-Match.
  revision integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table org_unit_versions (
  code text not null references org_units (code) on delete cascade,
  effective_from date not null,
  effective_to date null,
  valid daterange generated always as (daterange(effective_from, effective_to, '[)')) stored,
  name text not null check (length(name) between 1 and 200),
  unit_type text not null check (unit_type ~ '^[A-Z][A-Z0-9_]{0,39}$'),
  parent_code text null references org_units (code),
  status text not null check (status in ('ACTIVE', 'INACTIVE')),
  sort_order integer not null default 0,
  description text null check (description is null or length(description) <= 2000),
  attributes jsonb not null default '{}'::jsonb check (jsonb_typeof(attributes) = 'object'),
  change_reason text null check (change_reason is null or length(change_reason) <= 500),
  changed_by text null,
  changed_at timestamptz not null default now(),
  primary key (code, effective_from),
  check (effective_to is null or effective_to > effective_from),
  check (parent_code is null or parent_code <> code),
  constraint org_unit_versions_no_overlap exclude using gist (code with =, valid with &&)
);
-- Children of a unit on a date (tree reads).
create index org_unit_versions_parent on org_unit_versions using gist (parent_code, valid);
-- Versions in force on a date, across all units (whole-tree reads, today's scope map).
create index org_unit_versions_valid on org_unit_versions using gist (valid);

create function org_unit_versions_contiguous() returns trigger language plpgsql as $$
declare
  unit text;
begin
  if tg_op = 'DELETE' then unit := old.code; else unit := new.code; end if;
  if exists (
    select 1 from (
      select effective_from,
             lag(effective_to) over (order by effective_from) as previous_to,
             row_number() over (order by effective_from) as n
      from org_unit_versions where code = unit
    ) t
    where n > 1 and previous_to is distinct from effective_from
  ) then
    raise exception 'the versions of org unit % leave a gap, or a version before the last is open', unit
      using errcode = '23514', constraint = 'org_unit_versions_contiguous';
  end if;
  return null;
end $$;

create constraint trigger org_unit_versions_contiguous
  after insert or update or delete on org_unit_versions
  deferrable initially deferred
  for each row execute function org_unit_versions_contiguous();

-- Generated codes are 7-digit numbers; the sequence hands them out without races.
create sequence org_unit_code_seq start 1000000 minvalue 1000000 maxvalue 9999999 no cycle;
