-- The org tree's stamp: a number that changes in every transaction that changes org_units or
-- org_unit_versions, in that transaction. A process that keeps a tree answer (org-units.service.ts)
-- keeps it with the stamp read in the same query as the tree, and serves it again only while the
-- stamp it reads is the same: a write committed by any process changes the stamp when it commits.
create table org_tree_stamp (
  id boolean primary key default true check (id),
  stamp bigint not null
);
insert into org_tree_stamp (id, stamp) values (true, 1);

-- Deferred: the row is updated at commit, after the transaction has taken its other locks, so
-- concurrent writers queue on it only for the end of their commit (never in a lock cycle); once per
-- transaction (a transaction-local setting says it is done).
create function org_tree_stamp_bump() returns trigger language plpgsql as $$
begin
  if current_setting('vigil.org_tree_stamped', true) is distinct from 'yes' then
    perform set_config('vigil.org_tree_stamped', 'yes', true);
    update org_tree_stamp set stamp = stamp + 1;
  end if;
  return null;
end $$;

create constraint trigger org_units_tree_stamp
  after insert or update or delete on org_units
  deferrable initially deferred
  for each row execute function org_tree_stamp_bump();

create constraint trigger org_unit_versions_tree_stamp
  after insert or update or delete on org_unit_versions
  deferrable initially deferred
  for each row execute function org_tree_stamp_bump();

-- A truncate (tests, restores) is a change too.
create function org_tree_stamp_truncated() returns trigger language plpgsql as $$
begin
  update org_tree_stamp set stamp = stamp + 1;
  return null;
end $$;

create trigger org_units_tree_stamp_truncate after truncate on org_units
  for each statement execute function org_tree_stamp_truncated();
create trigger org_unit_versions_tree_stamp_truncate after truncate on org_unit_versions
  for each statement execute function org_tree_stamp_truncated();
