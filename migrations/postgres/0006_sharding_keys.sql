-- Keys a sharded deployment can keep (Citus: README "When one primary is not enough").
-- Every table of user data is distributed by its user: its primary key and unique keys
-- include the user, and references between user tables carry it. Reference data (the
-- exercise library, server secrets, local accounts by e-mail) is copied to every node,
-- and a copied table cannot point at a sharded one.

-- The change log and the sign-in sessions were keyed by id alone.
alter table changes drop constraint changes_pkey, add constraint changes_pkey primary key (user_id, id);
alter table auth_session drop constraint auth_session_pkey, add constraint auth_session_pkey primary key (user_id, id);
drop index auth_session_user_idx;

-- Local accounts are found by e-mail, on any node; the user they name is checked by the
-- code that creates both in one transaction.
alter table local_account drop constraint local_account_user_fk;

-- A pull reads a user's changes in the order of their stamps; the id only orders the
-- changes of one stamp, which one transaction wrote in that order. No sequence decides
-- the order between transactions, so ids drawn on several nodes could not reorder them.
drop index changes_user_timestamp_idx;
create index changes_user_timestamp_idx on changes (user_id, "timestamp", id);
