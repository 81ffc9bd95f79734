-- Roots (organizations) in force on a date. A tree read asks whether its unit is the only root
-- that day: then its tree is every version in force, read in one scan instead of unit by unit.
-- The GiST index on (parent_code, valid) answers `parent_code is null` by visiting most of itself.
create index org_unit_versions_roots on org_unit_versions using gist (valid) where parent_code is null;
