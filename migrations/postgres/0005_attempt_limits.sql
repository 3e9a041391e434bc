-- Sign-in attempt limits, kept here so that every server process on this database counts
-- the same attempts. One row per limited key (a hash of a client address or an e-mail):
-- the instant its next attempt is free, as in the generic cell rate algorithm. Rows whose
-- instant has passed hold nothing and are swept.

create table attempt_limit (
    key   text primary key,
    tat   bigint not null
);

create index attempt_limit_tat_idx on attempt_limit (tat);
