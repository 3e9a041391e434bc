-- The PostgreSQL store's keys for sharding (its 0006) have no use in one embedded file;
-- this keeps the two stores' migration numbers in step. A pull orders a user's changes
-- by stamp, then id: SQLite's (user_id, "timestamp") index carries the rowid, which is id.
select 1;
