-- The user's stamp before the latest write (see the PostgreSQL store's 0007).
alter table user_profile add column previous_change_at bigint not null default 0;
