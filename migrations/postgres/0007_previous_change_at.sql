-- The user's stamp before the latest write: the write that takes a new stamp reads the
-- old one in the same statement, so a push learns whether its cursor had seen every
-- change without asking the change log.
alter table user_profile add column previous_change_at bigint not null default 0;
