-- Where the other processes reach a process: the snapshot of a camera is served by its holder,
-- and a request that reaches another process is forwarded there.
alter table vigil_nodes add column url text;
