-- Rest alerts by Web Push. A browser's push subscription (where its push service takes
-- messages, and the keys they are encrypted for), and at most one alert per subscription
-- waiting for its rest to end. Neither is synced: they belong to a browser, not to the
-- training data, and a sent or cancelled alert leaves nothing behind.
create table push_subscription (
    user_id     text not null,
    endpoint    text not null,
    p256dh      text not null,
    auth        text not null,
    created_at  bigint not null,
    constraint push_subscription_pkey primary key (user_id, endpoint)
);

-- A browser that signs in as someone else takes its endpoint along.
create index push_subscription_endpoint_idx on push_subscription (endpoint);

create table rest_alert (
    user_id     text not null,
    endpoint    text not null,
    due_at      bigint not null,
    session_id  text not null,
    next        text,
    constraint rest_alert_pkey primary key (user_id, endpoint)
);

-- The sender takes what is due, oldest first.
create index rest_alert_due_idx on rest_alert (due_at);
