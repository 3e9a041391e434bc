//! Attempt limits kept in the database, so that any number of server processes on it count
//! the same attempts (a limit per process would let n processes allow n times as many).

use super::db::{Db, SqlValue};
use super::error::StoreResult;
use super::sql::Dialect;
use std::time::Duration;

/// A rate of attempts per key (generic cell rate algorithm): `burst` at once, then one
/// more every `window / burst`. The database keeps one instant per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptRate {
    interval_ms: i64,
    tolerance_ms: i64,
}

impl AttemptRate {
    pub fn new(burst: u32, window: Duration) -> Self {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 4);
        let interval_ms = (window_ms / i64::from(burst.max(1))).max(1);
        Self {
            interval_ms,
            tolerance_ms: window_ms - interval_ms,
        }
    }
}

/// Spends one attempt of `key` at `now` (ms); when none is left, how long until the next.
pub(super) async fn take(
    db: &mut dyn Db,
    dialect: Dialect,
    key: &str,
    rate: AttemptRate,
    now: i64,
) -> StoreResult<Result<(), Duration>> {
    // One statement: the row is locked while it decides, so attempts made at once on
    // several processes are counted one after another.
    let taken = db
        .fetch_optional(
            &super::sql::take_attempt(dialect),
            vec![
                SqlValue::text(key),
                SqlValue::int(now),
                SqlValue::int(rate.interval_ms),
                SqlValue::int(rate.tolerance_ms),
            ],
            &[app::model::ColumnKind::Int],
        )
        .await?;
    if taken.is_some() {
        // Now and then, forget keys whose attempts are all back.
        if now % 64 == 0 {
            db.execute(
                "delete from attempt_limit where tat < $1",
                vec![SqlValue::int(now)],
            )
            .await?;
        }
        return Ok(Ok(()));
    }
    let tat = db
        .fetch_int(
            "select tat from attempt_limit where key = $1",
            vec![SqlValue::text(key)],
        )
        .await?;
    let wait = (tat - rate.tolerance_ms - now).max(1);
    Ok(Err(Duration::from_millis(wait as u64)))
}
