//! Push subscriptions and the rest alerts waiting on them. Every server process on one
//! database sends from the same table: an alert is taken (deleted) by the one process whose
//! claim reaches it first, so it is sent at most once however many processes run.

use super::db::{Cells, Db, SqlValue};
use super::error::StoreResult;
use super::sql::Dialect;
use app::model::ColumnKind;

/// A browser's push subscription, its keys checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    pub endpoint: String,
    /// The browser's P-256 public key, base64url.
    pub p256dh: String,
    /// The 16-byte authentication secret, base64url.
    pub auth: String,
}

/// A rest alert to keep until `due_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAlert {
    pub endpoint: String,
    /// Epoch milliseconds, by the server's clock.
    pub due_at: i64,
    pub session_id: String,
    pub next: Option<String>,
}

/// An alert taken for sending, with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAlert {
    pub user_id: String,
    pub target: PushTarget,
    pub due_at: i64,
    pub next: Option<String>,
    /// The session it was for has been finished (its `logs` record exists): not sent.
    pub finished: bool,
}

/// Keeps `target` for the user. An endpoint belongs to one browser, so one kept for
/// another user (the browser signed in as someone else) goes, with its alert.
pub(super) async fn save_subscription(
    db: &mut dyn Db,
    user_id: &str,
    target: &PushTarget,
    now: i64,
) -> StoreResult<()> {
    for table in ["rest_alert", "push_subscription"] {
        db.execute(
            &format!("delete from {table} where endpoint = $1 and user_id <> $2"),
            vec![SqlValue::text(&target.endpoint), SqlValue::text(user_id)],
        )
        .await?;
    }
    db.execute(
        "insert into push_subscription (user_id, endpoint, p256dh, auth, created_at) \
         values ($1, $2, $3, $4, $5) on conflict (user_id, endpoint) \
         do update set p256dh = excluded.p256dh, auth = excluded.auth",
        vec![
            SqlValue::text(user_id),
            SqlValue::text(&target.endpoint),
            SqlValue::text(&target.p256dh),
            SqlValue::text(&target.auth),
            SqlValue::int(now),
        ],
    )
    .await?;
    Ok(())
}

/// Forgets the user's subscription and its alert.
pub(super) async fn forget_subscription(
    db: &mut dyn Db,
    user_id: &str,
    endpoint: &str,
) -> StoreResult<()> {
    for table in ["rest_alert", "push_subscription"] {
        db.execute(
            &format!("delete from {table} where user_id = $1 and endpoint = $2"),
            vec![SqlValue::text(user_id), SqlValue::text(endpoint)],
        )
        .await?;
    }
    Ok(())
}

/// Keeps the alert in place of the subscription's last; false when the user has no
/// such subscription (it was never stored, or its push service has dropped it).
pub(super) async fn schedule(
    db: &mut dyn Db,
    user_id: &str,
    alert: &ScheduledAlert,
) -> StoreResult<bool> {
    let known = db
        .fetch_optional(
            "select cast(1 as bigint) from push_subscription where user_id = $1 and endpoint = $2",
            vec![SqlValue::text(user_id), SqlValue::text(&alert.endpoint)],
            &[ColumnKind::Int],
        )
        .await?
        .is_some();
    if !known {
        return Ok(false);
    }
    db.execute(
        "insert into rest_alert (user_id, endpoint, due_at, session_id, next) \
         values ($1, $2, $3, $4, $5) on conflict (user_id, endpoint) \
         do update set due_at = excluded.due_at, session_id = excluded.session_id, \
         next = excluded.next",
        vec![
            SqlValue::text(user_id),
            SqlValue::text(&alert.endpoint),
            SqlValue::int(alert.due_at),
            SqlValue::text(&alert.session_id),
            SqlValue::Text(alert.next.clone()),
        ],
    )
    .await?;
    Ok(true)
}

/// Cancels the user's alert on `endpoint`, if any.
pub(super) async fn cancel(db: &mut dyn Db, user_id: &str, endpoint: &str) -> StoreResult<()> {
    db.execute(
        "delete from rest_alert where user_id = $1 and endpoint = $2",
        vec![SqlValue::text(user_id), SqlValue::text(endpoint)],
    )
    .await?;
    Ok(())
}

/// When the next alert is due, if any is waiting.
pub(super) async fn next_due(db: &mut dyn Db) -> StoreResult<Option<i64>> {
    Ok(db
        .fetch_value(
            "select min(due_at) from rest_alert",
            vec![],
            ColumnKind::Int,
        )
        .await?
        .and_then(SqlValue::into_int))
}

/// Takes up to `limit` alerts due by `now`, oldest first. On PostgreSQL rows another
/// process is taking are skipped, not waited for.
pub(super) async fn take_due(
    db: &mut dyn Db,
    dialect: Dialect,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<DueAlert>> {
    let claim = match dialect {
        Dialect::Postgres => {
            "delete from rest_alert a using (select user_id, endpoint from rest_alert \
             where due_at <= $1 order by due_at limit $2 for update skip locked) d \
             where a.user_id = d.user_id and a.endpoint = d.endpoint \
             returning a.user_id, a.endpoint, a.due_at, a.session_id, a.next"
        }
        Dialect::Sqlite => {
            "delete from rest_alert where rowid in (select rowid from rest_alert \
             where due_at <= $1 order by due_at limit $2) \
             returning user_id, endpoint, due_at, session_id, next"
        }
    };
    let kinds = [
        ColumnKind::Text,
        ColumnKind::Text,
        ColumnKind::Int,
        ColumnKind::Text,
        ColumnKind::Text,
    ];
    let rows = db
        .fetch(
            claim,
            vec![SqlValue::int(now), SqlValue::int(limit)],
            &kinds,
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells = Cells::new(row);
        let user_id = cells.text("user_id")?;
        let endpoint = cells.text("endpoint")?;
        let due_at = cells.int("due_at")?;
        let session_id = cells.text("session_id")?;
        let next = cells.opt_text();
        let keys = db
            .fetch_optional(
                "select p256dh, auth from push_subscription where user_id = $1 and endpoint = $2",
                vec![SqlValue::text(&user_id), SqlValue::text(&endpoint)],
                &[ColumnKind::Text, ColumnKind::Text],
            )
            .await?;
        let Some(keys) = keys else { continue };
        let mut keys = Cells::new(keys);
        let finished = db
            .fetch_optional(
                "select cast(1 as bigint) from logs where user_id = $1 and id = $2",
                vec![SqlValue::text(&user_id), SqlValue::text(&session_id)],
                &[ColumnKind::Int],
            )
            .await?
            .is_some();
        out.push(DueAlert {
            target: PushTarget {
                endpoint,
                p256dh: keys.text("p256dh")?,
                auth: keys.text("auth")?,
            },
            user_id,
            due_at,
            next,
            finished,
        });
    }
    Ok(out)
}
