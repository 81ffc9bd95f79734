-- Lease renewals rewrite every held camera's row each cycle, heartbeats their process's row, and
-- published statuses their camera's row every second. With full pages each new version goes to a
-- new page and the table grows until VACUUM, which PGlite never runs by itself (measured: 3,000
-- leases grew 230 KB per cycle, 45 MB in 200 cycles). With half-full pages the new version stays on
-- its page (a HOT update: expires_at, heartbeat_at and status are not indexed) and the dead ones are
-- pruned as the page is next read, so the tables stay at their live size without VACUUM.
alter table camera_leases set (fillfactor = 50);
alter table camera_runtime set (fillfactor = 50);
alter table vigil_nodes set (fillfactor = 50);
