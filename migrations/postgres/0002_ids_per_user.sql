-- Ids are per user (DESIGN.md §4): every synced row is keyed by (user_id, id), so the same
-- id in two accounts is two unrelated records and no account can occupy another's ids.
-- Parent references carry the user too, and the lookups a push and a cascade make
-- (by user and id, by user and parent) are served by these keys.


-- Child-to-parent references are re-made below on the new keys.
alter table routine_workouts drop constraint routine_workouts_routine_fk, drop constraint routine_workouts_workout_fk;
alter table workout_exercise drop constraint workout_exercise_workout_fk;
alter table workout_exercise_sets drop constraint workout_exercise_sets_parent_fk;
alter table log_exercise drop constraint log_exercise_log_fk;
alter table log_exercise_sets drop constraint log_exercise_sets_parent_fk;

alter table user_settings drop constraint user_settings_pkey, add constraint user_settings_pkey primary key (user_id, id);
alter table routines drop constraint routines_pkey, add constraint routines_pkey primary key (user_id, id);
alter table workouts drop constraint workouts_pkey, add constraint workouts_pkey primary key (user_id, id);
alter table routine_workouts drop constraint routine_workouts_pkey, add constraint routine_workouts_pkey primary key (user_id, id);
alter table workout_exercise drop constraint workout_exercise_pkey, add constraint workout_exercise_pkey primary key (user_id, id);
alter table workout_exercise_sets drop constraint workout_exercise_sets_pkey, add constraint workout_exercise_sets_pkey primary key (user_id, id);
alter table logs drop constraint logs_pkey, add constraint logs_pkey primary key (user_id, id);
alter table log_exercise drop constraint log_exercise_pkey, add constraint log_exercise_pkey primary key (user_id, id);
alter table log_exercise_sets drop constraint log_exercise_sets_pkey, add constraint log_exercise_sets_pkey primary key (user_id, id);
alter table custom_exercises drop constraint custom_exercises_pkey, add constraint custom_exercises_pkey primary key (user_id, id);

alter table routine_workouts add constraint routine_workouts_routine_fk foreign key (user_id, routine_id) references routines (user_id, id),
    add constraint routine_workouts_workout_fk foreign key (user_id, workout_id) references workouts (user_id, id);
alter table workout_exercise add constraint workout_exercise_workout_fk foreign key (user_id, workout_id) references workouts (user_id, id);
alter table workout_exercise_sets add constraint workout_exercise_sets_parent_fk foreign key (user_id, workout_exercise_id) references workout_exercise (user_id, id);
alter table log_exercise add constraint log_exercise_log_fk foreign key (user_id, log_id) references logs (user_id, id);
alter table log_exercise_sets add constraint log_exercise_sets_parent_fk foreign key (user_id, log_exercise_id) references log_exercise (user_id, id);

-- The primary key (user_id, id) serves every lookup by user, alone or with ids. The only
-- other indexes find a parent's children and do not start with user_id, so no query by
-- user and id can be planned on them: a plan made while a table was small (few rows per
-- user) would otherwise scan all of a user's rows once the account has grown.

drop index routines_user_idx;
drop index workouts_user_idx;
drop index routine_workouts_user_idx;
drop index workout_exercise_user_idx;
drop index workout_exercise_sets_user_idx;
drop index logs_user_idx;
drop index log_exercise_user_idx;
drop index log_exercise_sets_user_idx;
drop index custom_exercises_user_idx;
drop index routine_workouts_routine_idx;
create index routine_workouts_routine_idx on routine_workouts (routine_id, user_id);
drop index routine_workouts_workout_idx;
create index routine_workouts_workout_idx on routine_workouts (workout_id, user_id);
drop index workout_exercise_workout_idx;
create index workout_exercise_workout_idx on workout_exercise (workout_id, user_id);
drop index workout_exercise_sets_parent_idx;
create index workout_exercise_sets_parent_idx on workout_exercise_sets (workout_exercise_id, user_id);
drop index log_exercise_log_idx;
create index log_exercise_log_idx on log_exercise (log_id, user_id);
drop index log_exercise_sets_parent_idx;
create index log_exercise_sets_parent_idx on log_exercise_sets (log_exercise_id, user_id);
