-- Schema version 1 (DESIGN.md §3). Never edit an applied migration: add a new one.

-- Accounts ------------------------------------------------------------------

create table user_profile (
    id              text primary key,
    email           text,
    created_at      bigint not null,
    -- The per-user sync cursor: the stamp of this user's latest change (DESIGN.md §4).
    last_change_at  bigint not null default 0
);

create table local_account (
    user_id        text primary key,
    email          text not null,
    password_hash  text not null,
    created_at     bigint not null,
    constraint local_account_user_fk foreign key (user_id) references user_profile (id),
    constraint local_account_email_key unique (email)
);

-- Secrets the server generates once and shares between its processes (token signing key).
create table server_secret (
    name        text primary key,
    value       text not null,
    created_at  bigint not null
);

-- Synced tables ---------------------------------------------------------------
-- Every row carries the owner's user_id (set from the token, never from the client) and
-- server_changed_at, the sync stamp of its latest write, used for conflict checks.

create table user_settings (
    id                    text primary key,
    user_id               text not null,
    weight_unit           text,
    distance_unit         text,
    theme                 text,
    default_rest_seconds  bigint,
    one_rm_formula        text,
    week_start            bigint,
    updated_at            bigint,
    server_changed_at     bigint not null,
    constraint user_settings_user_fk foreign key (user_id) references user_profile (id),
    constraint user_settings_user_key unique (user_id)
);

create table routines (
    id                 text primary key,
    user_id            text not null,
    title              text,
    description        text,
    "order"            double precision,
    default_routine    boolean,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint routines_user_fk foreign key (user_id) references user_profile (id)
);
create index routines_user_idx on routines (user_id);

create table workouts (
    id                  text primary key,
    user_id             text not null,
    title               text,
    notes               text,
    "order"             double precision,
    estimated_duration  bigint,
    created_at          bigint,
    updated_at          bigint,
    server_changed_at   bigint not null,
    constraint workouts_user_fk foreign key (user_id) references user_profile (id)
);
create index workouts_user_idx on workouts (user_id);

create table routine_workouts (
    id                 text primary key,
    user_id            text not null,
    routine_id         text not null,
    workout_id         text not null,
    "order"            double precision,
    server_changed_at  bigint not null,
    constraint routine_workouts_user_fk foreign key (user_id) references user_profile (id),
    constraint routine_workouts_routine_fk foreign key (routine_id) references routines (id),
    constraint routine_workouts_workout_fk foreign key (workout_id) references workouts (id)
);
create index routine_workouts_user_idx on routine_workouts (user_id);
create index routine_workouts_routine_idx on routine_workouts (routine_id);
create index routine_workouts_workout_idx on routine_workouts (workout_id);

create table workout_exercise (
    id                 text primary key,
    user_id            text not null,
    workout_id         text not null,
    exercise_id        text,
    "order"            double precision,
    rest_time          bigint,
    notes              text,
    is_saved           boolean,
    superset_group     bigint,
    server_changed_at  bigint not null,
    constraint workout_exercise_user_fk foreign key (user_id) references user_profile (id),
    constraint workout_exercise_workout_fk foreign key (workout_id) references workouts (id)
);
create index workout_exercise_user_idx on workout_exercise (user_id);
create index workout_exercise_workout_idx on workout_exercise (workout_id);

create table workout_exercise_sets (
    id                   text primary key,
    user_id              text not null,
    workout_exercise_id  text not null,
    "order"              double precision,
    set_type             text,
    reps                 bigint,
    weight               double precision,
    duration             bigint,
    distance             double precision,
    rest_time            bigint,
    rpe                  double precision,
    notes                text,
    server_changed_at    bigint not null,
    constraint workout_exercise_sets_user_fk foreign key (user_id) references user_profile (id),
    constraint workout_exercise_sets_parent_fk foreign key (workout_exercise_id) references workout_exercise (id)
);
create index workout_exercise_sets_user_idx on workout_exercise_sets (user_id);
create index workout_exercise_sets_parent_idx on workout_exercise_sets (workout_exercise_id);

create table logs (
    id                 text primary key,
    user_id            text not null,
    workout_id         text,
    workout_title      text,
    notes              text,
    session_date       bigint,
    duration           bigint,
    is_imported        boolean,
    imported_at        bigint,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint logs_user_fk foreign key (user_id) references user_profile (id)
);
create index logs_user_idx on logs (user_id, session_date);

create table log_exercise (
    id                 text primary key,
    user_id            text not null,
    log_id             text not null,
    exercise_id        text,
    "order"            double precision,
    notes              text,
    superset_group     bigint,
    server_changed_at  bigint not null,
    constraint log_exercise_user_fk foreign key (user_id) references user_profile (id),
    constraint log_exercise_log_fk foreign key (log_id) references logs (id)
);
create index log_exercise_user_idx on log_exercise (user_id);
create index log_exercise_log_idx on log_exercise (log_id);

create table log_exercise_sets (
    id                 text primary key,
    user_id            text not null,
    log_exercise_id    text not null,
    "order"            double precision,
    set_type           text,
    reps               bigint,
    weight             double precision,
    duration           bigint,
    distance           double precision,
    rpe                double precision,
    completed          boolean,
    notes              text,
    server_changed_at  bigint not null,
    constraint log_exercise_sets_user_fk foreign key (user_id) references user_profile (id),
    constraint log_exercise_sets_parent_fk foreign key (log_exercise_id) references log_exercise (id)
);
create index log_exercise_sets_user_idx on log_exercise_sets (user_id);
create index log_exercise_sets_parent_idx on log_exercise_sets (log_exercise_id);

create table custom_exercises (
    id                 text primary key,
    user_id            text not null,
    name               text,
    category           text,
    equipment          text,
    primary_muscle     text,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint custom_exercises_user_fk foreign key (user_id) references user_profile (id)
);
create index custom_exercises_user_idx on custom_exercises (user_id);

-- The append-only change log (the seed's `changes` entity) --------------------

create table changes (
    id           bigserial primary key,
    table_name   varchar(255) not null,
    record_id    varchar(255) not null,
    change_type  varchar(255) not null,
    changes      jsonb,
    user_id      varchar(255) not null,
    "timestamp"  bigint not null,
    constraint changes_user_fk foreign key (user_id) references user_profile (id),
    constraint changes_change_type_check check (change_type in ('created', 'updated', 'deleted'))
);
-- Incremental pull: this user's changes after a cursor.
create index changes_user_timestamp_idx on changes (user_id, "timestamp");
-- Conflict checks: the latest change of one record.
create index changes_user_record_idx on changes (user_id, table_name, record_id, "timestamp");

create function changes_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'changes is append-only';
end;
$$;
create trigger changes_append_only
    before update or delete on changes
    for each statement execute function changes_append_only();

-- Read-only reference data --------------------------------------------------

create table exercises (
    id                 text primary key,
    name               text not null,
    category           text not null,
    equipment          text not null,
    primary_muscle     text not null,
    -- Comma-separated list; the API returns it as an array.
    secondary_muscles  text not null
);
