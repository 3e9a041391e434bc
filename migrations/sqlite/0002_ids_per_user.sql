-- Ids are per user (DESIGN.md §4): every synced row is keyed by (user_id, id), so the same
-- id in two accounts is two unrelated records and no account can occupy another's ids.
-- Parent references carry the user too, and the lookups a push and a cascade make
-- (by user and id, by user and parent) are served by these keys.
-- SQLite cannot change a primary key in place: each table is rebuilt and its rows copied.

alter table user_settings rename to user_settings_v1;
alter table routines rename to routines_v1;
alter table workouts rename to workouts_v1;
alter table routine_workouts rename to routine_workouts_v1;
alter table workout_exercise rename to workout_exercise_v1;
alter table workout_exercise_sets rename to workout_exercise_sets_v1;
alter table logs rename to logs_v1;
alter table log_exercise rename to log_exercise_v1;
alter table log_exercise_sets rename to log_exercise_sets_v1;
alter table custom_exercises rename to custom_exercises_v1;

create table user_settings (
    id                    text not null,
    user_id               text not null,
    weight_unit           text,
    distance_unit         text,
    theme                 text,
    default_rest_seconds  bigint,
    one_rm_formula        text,
    week_start            bigint,
    updated_at            bigint,
    server_changed_at     bigint not null,
    constraint user_settings_pkey primary key (user_id, id),
    constraint user_settings_user_fk foreign key (user_id) references user_profile (id),
    constraint user_settings_user_key unique (user_id)
);
insert into user_settings select * from user_settings_v1;

create table routines (
    id                 text not null,
    user_id            text not null,
    title              text,
    description        text,
    "order"            real,
    default_routine    integer,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint routines_pkey primary key (user_id, id),
    constraint routines_user_fk foreign key (user_id) references user_profile (id)
);
insert into routines select * from routines_v1;

create table workouts (
    id                  text not null,
    user_id             text not null,
    title               text,
    notes               text,
    "order"             real,
    estimated_duration  bigint,
    created_at          bigint,
    updated_at          bigint,
    server_changed_at   bigint not null,
    constraint workouts_pkey primary key (user_id, id),
    constraint workouts_user_fk foreign key (user_id) references user_profile (id)
);
insert into workouts select * from workouts_v1;

create table routine_workouts (
    id                 text not null,
    user_id            text not null,
    routine_id         text not null,
    workout_id         text not null,
    "order"            real,
    server_changed_at  bigint not null,
    constraint routine_workouts_pkey primary key (user_id, id),
    constraint routine_workouts_user_fk foreign key (user_id) references user_profile (id),
    constraint routine_workouts_routine_fk foreign key (user_id, routine_id) references routines (user_id, id),
    constraint routine_workouts_workout_fk foreign key (user_id, workout_id) references workouts (user_id, id)
);
insert into routine_workouts select * from routine_workouts_v1;

create table workout_exercise (
    id                 text not null,
    user_id            text not null,
    workout_id         text not null,
    exercise_id        text,
    "order"            real,
    rest_time          bigint,
    notes              text,
    is_saved           integer,
    superset_group     bigint,
    server_changed_at  bigint not null,
    constraint workout_exercise_pkey primary key (user_id, id),
    constraint workout_exercise_user_fk foreign key (user_id) references user_profile (id),
    constraint workout_exercise_workout_fk foreign key (user_id, workout_id) references workouts (user_id, id)
);
insert into workout_exercise select * from workout_exercise_v1;

create table workout_exercise_sets (
    id                   text not null,
    user_id              text not null,
    workout_exercise_id  text not null,
    "order"              real,
    set_type             text,
    reps                 bigint,
    weight               real,
    duration             bigint,
    distance             real,
    rest_time            bigint,
    rpe                  real,
    notes                text,
    server_changed_at    bigint not null,
    constraint workout_exercise_sets_pkey primary key (user_id, id),
    constraint workout_exercise_sets_user_fk foreign key (user_id) references user_profile (id),
    constraint workout_exercise_sets_parent_fk foreign key (user_id, workout_exercise_id) references workout_exercise (user_id, id)
);
insert into workout_exercise_sets select * from workout_exercise_sets_v1;

create table logs (
    id                 text not null,
    user_id            text not null,
    workout_id         text,
    workout_title      text,
    notes              text,
    session_date       bigint,
    duration           bigint,
    is_imported        integer,
    imported_at        bigint,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint logs_pkey primary key (user_id, id),
    constraint logs_user_fk foreign key (user_id) references user_profile (id)
);
insert into logs select * from logs_v1;

create table log_exercise (
    id                 text not null,
    user_id            text not null,
    log_id             text not null,
    exercise_id        text,
    "order"            real,
    notes              text,
    superset_group     bigint,
    server_changed_at  bigint not null,
    constraint log_exercise_pkey primary key (user_id, id),
    constraint log_exercise_user_fk foreign key (user_id) references user_profile (id),
    constraint log_exercise_log_fk foreign key (user_id, log_id) references logs (user_id, id)
);
insert into log_exercise select * from log_exercise_v1;

create table log_exercise_sets (
    id                 text not null,
    user_id            text not null,
    log_exercise_id    text not null,
    "order"            real,
    set_type           text,
    reps               bigint,
    weight             real,
    duration           bigint,
    distance           real,
    rpe                real,
    completed          integer,
    notes              text,
    server_changed_at  bigint not null,
    constraint log_exercise_sets_pkey primary key (user_id, id),
    constraint log_exercise_sets_user_fk foreign key (user_id) references user_profile (id),
    constraint log_exercise_sets_parent_fk foreign key (user_id, log_exercise_id) references log_exercise (user_id, id)
);
insert into log_exercise_sets select * from log_exercise_sets_v1;

create table custom_exercises (
    id                 text not null,
    user_id            text not null,
    name               text,
    category           text,
    equipment          text,
    primary_muscle     text,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint custom_exercises_pkey primary key (user_id, id),
    constraint custom_exercises_user_fk foreign key (user_id) references user_profile (id)
);
insert into custom_exercises select * from custom_exercises_v1;

drop table custom_exercises_v1;
drop table log_exercise_sets_v1;
drop table log_exercise_v1;
drop table logs_v1;
drop table workout_exercise_sets_v1;
drop table workout_exercise_v1;
drop table routine_workouts_v1;
drop table workouts_v1;
drop table routines_v1;
drop table user_settings_v1;


-- The primary key (user_id, id) serves every lookup by user, alone or with ids. The only
-- other indexes find a parent's children and do not start with user_id, so no query by
-- user and id can be planned on them: a plan made while a table was small (few rows per
-- user) would otherwise scan all of a user's rows once the account has grown.

create index routine_workouts_routine_idx on routine_workouts (routine_id, user_id);
create index routine_workouts_workout_idx on routine_workouts (workout_id, user_id);
create index workout_exercise_workout_idx on workout_exercise (workout_id, user_id);
create index workout_exercise_sets_parent_idx on workout_exercise_sets (workout_exercise_id, user_id);
create index log_exercise_log_idx on log_exercise (log_id, user_id);
create index log_exercise_sets_parent_idx on log_exercise_sets (log_exercise_id, user_id);
