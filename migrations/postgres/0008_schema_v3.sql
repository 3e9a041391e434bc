-- Schema version 3: the plates a user loads and their warm-up ramp, how a template
-- exercise progresses, and body measurements. Clients of versions 1 and 2 are never sent
-- these columns or the table, and their pushes leave them as they are.
alter table user_settings add column plate_unit text;
alter table user_settings add column bar_weight double precision;
alter table user_settings add column plates text;
alter table user_settings add column warmup_ramp text;

alter table workout_exercise add column progression text;
alter table workout_exercise add column rep_range_top bigint;
alter table workout_exercise add column one_rm_percent double precision;

create table body_measurements (
    id                 text not null,
    user_id            text not null,
    measured_at        bigint,
    bodyweight         double precision,
    body_fat           double precision,
    neck               double precision,
    chest              double precision,
    waist              double precision,
    hips               double precision,
    arm                double precision,
    thigh              double precision,
    calf               double precision,
    notes              text,
    created_at         bigint,
    updated_at         bigint,
    server_changed_at  bigint not null,
    constraint body_measurements_pkey primary key (user_id, id),
    constraint body_measurements_user_fk foreign key (user_id) references user_profile (id)
);
