-- Extensions the modules rely on: range exclusion constraints over dates (btree_gist),
-- materialized hierarchy paths (ltree), and gen_random_bytes/digest (pgcrypto).
create extension if not exists btree_gist;
create extension if not exists ltree;
create extension if not exists pgcrypto;
