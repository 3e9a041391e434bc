//! The client's sync engine: WatermelonDB's synchronisation algorithm over any local store
//! and any transport. The browser runs it on IndexedDB, the native tests on the in-memory
//! store against the real server.

use super::record::{after_push, merge_remote, LocalRecord, Status};
use super::wire::{ChangeSet, PullResponse, PushRequest, PushResponse};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::fmt;

/// How many pull-then-push rounds one sync tries before giving up on conflicts.
pub const MAX_ATTEMPTS: usize = 5;

/// A record the replica holds, with its table.
pub type TableRecord = (String, LocalRecord);

/// The replica. Futures are not `Send`: in the browser they hold IndexedDB handles.
#[async_trait(?Send)]
pub trait LocalStore {
    type Error: fmt::Display;

    async fn last_pulled_at(&self) -> Result<Option<i64>, Self::Error>;

    /// Applies a pull (see [`merge_remote`]; a remote delete removes the local record) and
    /// stores its cursor, all in one transaction.
    async fn apply_pull(&self, pull: &PullResponse) -> Result<(), Self::Error>;

    /// Every record that is not synced.
    async fn pending(&self) -> Result<Vec<TableRecord>, Self::Error>;

    /// Ends a push that the server accepted: records unchanged since they were `sent`
    /// become synced (pushed tombstones disappear); rejected ones stay pending.
    async fn finish_push(
        &self,
        sent: &[TableRecord],
        rejected: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), Self::Error>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteError {
    /// 409: something changed on the server since our pull.
    Conflict,
    /// 401: the session is gone.
    Unauthorized,
    /// The network or the server failed; try later.
    Unavailable(String),
    /// The server refused the request (4xx); retrying will not help.
    Refused(String),
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict => f.write_str("the server has newer changes"),
            Self::Unauthorized => f.write_str("signed out"),
            Self::Unavailable(m) => write!(f, "server unavailable: {m}"),
            Self::Refused(m) => write!(f, "server refused the changes: {m}"),
        }
    }
}

/// The two sync endpoints.
#[async_trait(?Send)]
pub trait Remote {
    async fn pull(&self, last_pulled_at: Option<i64>) -> Result<PullResponse, RemoteError>;
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, RemoteError>;
}

#[derive(Debug)]
pub enum SyncError<E> {
    Local(E),
    Remote(RemoteError),
    /// Every attempt met a conflict (another device kept pushing).
    TooManyConflicts,
}

impl<E: fmt::Display> fmt::Display for SyncError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(e) => write!(f, "local storage failed: {e}"),
            Self::Remote(e) => e.fmt(f),
            Self::TooManyConflicts => {
                f.write_str("kept conflicting with other devices; will retry")
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pulled: usize,
    pub pushed: usize,
    pub rejected: usize,
    pub attempts: usize,
}

/// What local records become on the wire.
pub fn change_set(pending: &[TableRecord]) -> ChangeSet {
    let mut changes = ChangeSet::new();
    for (table, record) in pending {
        let entry = changes.entry(table.clone()).or_default();
        match record.status {
            Status::Created => entry.created.push(record.raw.clone()),
            Status::Updated => entry.updated.push(record.raw.clone()),
            Status::Deleted => entry.deleted.push(record.id().to_owned()),
            Status::Synced => {}
        }
    }
    changes
}

fn count(pull: &PullResponse) -> usize {
    pull.changes
        .values()
        .map(|t| t.created.len() + t.updated.len() + t.deleted.len())
        .sum()
}

/// One synchronisation: pull and apply, then push what is pending; on a conflict, again.
pub async fn synchronize<S: LocalStore, R: Remote>(
    store: &S,
    remote: &R,
) -> Result<SyncReport, SyncError<S::Error>> {
    let mut report = SyncReport::default();
    for attempt in 1..=MAX_ATTEMPTS {
        report.attempts = attempt;
        let since = store.last_pulled_at().await.map_err(SyncError::Local)?;
        let pull = remote.pull(since).await.map_err(SyncError::Remote)?;
        report.pulled += count(&pull);
        store.apply_pull(&pull).await.map_err(SyncError::Local)?;

        let sent = store.pending().await.map_err(SyncError::Local)?;
        if sent.is_empty() {
            return Ok(report);
        }
        let request = PushRequest {
            last_pulled_at: Some(pull.timestamp),
            changes: change_set(&sent),
        };
        match remote.push(&request).await {
            Ok(response) => {
                report.rejected = response
                    .experimental_rejected_ids
                    .values()
                    .map(Vec::len)
                    .sum();
                report.pushed = sent.len() - report.rejected;
                store
                    .finish_push(&sent, &response.experimental_rejected_ids)
                    .await
                    .map_err(SyncError::Local)?;
                return Ok(report);
            }
            Err(RemoteError::Conflict) => continue,
            Err(e) => return Err(SyncError::Remote(e)),
        }
    }
    Err(SyncError::TooManyConflicts)
}

/// Applies a pull to a table map; shared by every store that keeps records in maps.
pub fn apply_pull_to(
    tables: &mut BTreeMap<String, BTreeMap<String, LocalRecord>>,
    pull: &PullResponse,
) {
    for (table, changes) in &pull.changes {
        let records = tables.entry(table.clone()).or_default();
        for remote in changes.created.iter().chain(&changes.updated) {
            let Some(id) = remote.get("id").and_then(|v| v.as_str()) else {
                continue;
            };
            if let Some(merged) = merge_remote(records.get(id), remote) {
                records.insert(id.to_owned(), merged);
            }
        }
        for id in &changes.deleted {
            records.remove(id);
        }
    }
}

/// Ends a push on a table map; shared by every store that keeps records in maps.
pub fn finish_push_on(
    tables: &mut BTreeMap<String, BTreeMap<String, LocalRecord>>,
    sent: &[TableRecord],
    rejected: &BTreeMap<String, Vec<String>>,
) {
    for (table, record) in sent {
        let id = record.id();
        if rejected
            .get(table)
            .is_some_and(|ids| ids.iter().any(|r| r == id))
        {
            continue;
        }
        let records = tables.entry(table.clone()).or_default();
        let Some(now) = records.get(id) else { continue };
        match after_push(record, now) {
            Some(next) => {
                records.insert(id.to_owned(), next);
            }
            None => {
                records.remove(id);
            }
        }
    }
}
