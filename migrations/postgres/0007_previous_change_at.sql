-- The user's stamp before the latest write: the write that takes a new stamp reads the
-- old one in the same statement, so a push learns whether its cursor had seen every
-- change without asking the change log.
alter table user_profile add column previous_change_at bigint not null default 0;

-- Fewer structures to write per change (a push of one session writes 31 records and 31
-- log entries). The log's key is the order a pull reads it in, so one index serves as
-- both; ids stay unique on their own (one sequence).
alter table changes drop constraint changes_pkey;
drop index changes_user_timestamp_idx;
alter table changes add constraint changes_pkey primary key (user_id, "timestamp", id);

-- A row under a parent reaches its user through the parent's key (user_id, parent id),
-- which references a row that references the user: its own reference to the user checked
-- the same fact again on every insert.
alter table routine_workouts drop constraint routine_workouts_user_fk;
alter table workout_exercise drop constraint workout_exercise_user_fk;
alter table workout_exercise_sets drop constraint workout_exercise_sets_user_fk;
alter table log_exercise drop constraint log_exercise_user_fk;
alter table log_exercise_sets drop constraint log_exercise_sets_user_fk;
-- The change log is written only in a transaction that has just updated the user's row
-- (the stamp), which fails when there is none.
alter table changes drop constraint changes_user_fk;
