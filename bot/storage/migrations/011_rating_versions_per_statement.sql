-- Nothing changes on SQLite. On PostgreSQL this migration counts rating_versions (010) once per
-- statement instead of once per row, the same counts for far fewer writes of the counter row in
-- a batch of ratings; SQLite's triggers run in the writer's own process, where a row's trigger
-- costs no round trip, and SQLite has no statement-level triggers.
SELECT 1;
