-- Sign-in sessions. A token this server signs names its session; sign-out ends that
-- session and a password change ends all of the user's, and an ended session's token is
-- refused from then on, even before it expires.

create table auth_session (
    id          text primary key,
    user_id     text not null,
    created_at  bigint not null,
    ended_at    bigint,
    constraint auth_session_user_fk foreign key (user_id) references user_profile (id)
);

create index auth_session_user_idx on auth_session (user_id);
