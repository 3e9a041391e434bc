//! The client's sync engine: WatermelonDB's synchronisation algorithm over any local store
//! and any transport. The browser runs it on IndexedDB, the native tests on the in-memory
//! store against the real server.

use super::noticed::Noticed;
use crate::local::record::{LocalRecord, SetAside, Status};
use crate::model::tables::{SCHEMA_VERSION, TABLES};
use crate::model::wire::{
    ChangeSet, ErrorBody, PullResponse, PushRequest, PushResponse, RefusedRecord,
};
use async_trait::async_trait;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;

/// How many pull-then-push rounds one sync tries before giving up on conflicts.
pub const MAX_ATTEMPTS: usize = 5;

/// A record the replica holds, with its table.
pub type TableRecord = (String, LocalRecord);

/// Splits pending records into those to push and the set-aside entries still in force
/// (entries whose record changed or disappeared are dropped).
pub fn partition_pending(
    pending: Vec<TableRecord>,
    aside: &[SetAside],
) -> (Vec<TableRecord>, Vec<SetAside>) {
    let mut live = Vec::new();
    let mut send = Vec::new();
    for p in pending {
        match aside.iter().find(|a| a.covers(&p)) {
            Some(a) => live.push(a.clone()),
            None => send.push(p),
        }
    }
    (send, live)
}

/// The replica. Futures are not `Send`: in the browser they hold IndexedDB handles.
#[async_trait(?Send)]
pub trait LocalStore {
    type Error: fmt::Display;

    async fn last_pulled_at(&self) -> Result<Option<i64>, Self::Error>;

    /// The schema version of the last applied pull: when older than this build's, the next
    /// pull asks for what the versions since added (WatermelonDB's migration sync).
    async fn pulled_version(&self) -> Result<u32, Self::Error>;

    /// Applies a pull (see [`merge_remote`]; a remote delete removes the local record and
    /// everything under it, pending or not) and stores its cursor, all in one transaction.
    /// A `full` pull is the server's whole state: synced records missing from it are gone
    /// on the server and are removed.
    async fn apply_pull(&self, pull: PullResponse, full: bool) -> Result<(), Self::Error>;

    /// What an incremental `pull` changes of what this store holds, asked before it is
    /// applied (see [`super::noticed`]).
    async fn notice(&self, pull: &PullResponse) -> Result<Vec<Noticed>, Self::Error>;

    /// Every record that is not synced.
    async fn pending(&self) -> Result<Vec<TableRecord>, Self::Error>;

    /// Ends a push that the server accepted: records unchanged since they were `sent`
    /// become synced (pushed tombstones disappear); rejected ones stay pending.
    async fn finish_push(
        &self,
        sent: &[TableRecord],
        rejected: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), Self::Error>;

    /// Changes set aside so far (possibly stale: see [`partition_pending`]).
    async fn set_aside(&self) -> Result<Vec<SetAside>, Self::Error>;

    /// Replaces the list of changes set aside.
    async fn store_aside(&self, entries: Vec<SetAside>) -> Result<(), Self::Error>;

    /// Drops a set-aside change: a record created here disappears (with what was created
    /// under it); an edit or a delete is undone by taking the server's version again,
    /// which the next sync fetches with a full pull.
    async fn discard(&self, table: &str, id: &str) -> Result<(), Self::Error>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteError {
    /// 409: something changed on the server since our pull.
    Conflict,
    /// 401: the session is gone.
    Unauthorized,
    /// The network, the server or something between failed, or answered what is not the
    /// server's refusal of a record (a proxy's 404, a 403, an HTML page): nothing is wrong
    /// with the changes themselves, so nothing is set aside; try later.
    Unavailable(String),
    /// 413: the push is bigger than the server takes; smaller ones may pass.
    TooLarge,
    /// 400 naming the record it was refused for: retrying it unchanged will not help,
    /// but the rest of the push may pass without it.
    Refused {
        message: String,
        record: RefusedRecord,
    },
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict => f.write_str("the server has newer changes"),
            Self::Unauthorized => f.write_str("signed out"),
            Self::Unavailable(m) => write!(f, "server unavailable: {m}"),
            Self::TooLarge => f.write_str("the changes are too large to send at once"),
            Self::Refused { message, .. } => write!(f, "server refused a change: {message}"),
        }
    }
}

impl RemoteError {
    /// What a non-2xx answer of the sync endpoints means; `body` is the server's error
    /// body ([`ErrorBody`]) or anything else a proxy may have said. Only a `400` in the
    /// server's shape that locates a record refuses anything: any other answer is taken
    /// as the way to the server failing, never as a verdict on the user's changes.
    pub fn from_status(status: u16, body: &str) -> Self {
        let parsed = serde_json::from_str::<ErrorBody>(body).ok();
        match (status, parsed) {
            (401, _) => Self::Unauthorized,
            (409, _) => Self::Conflict,
            (413, _) => Self::TooLarge,
            (
                400,
                Some(ErrorBody {
                    message,
                    record: Some(record),
                    ..
                }),
            ) => Self::Refused { message, record },
            (_, Some(body)) => Self::Unavailable(format!("HTTP {status}: {}", body.message)),
            (_, None) => Self::Unavailable(format!("HTTP {status}")),
        }
    }
}

/// The two sync endpoints.
#[async_trait(?Send)]
pub trait Remote {
    /// `migrated_from`: the schema version the replica last pulled with, when older than
    /// [`SCHEMA_VERSION`] (sent as WatermelonDB's `migration`).
    async fn pull(
        &self,
        last_pulled_at: Option<i64>,
        migrated_from: Option<u32>,
    ) -> Result<PullResponse, RemoteError>;
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
    /// Changes set aside by this sync (refused, or rejected as orphans).
    pub set_aside: usize,
    pub attempts: usize,
    /// Sessions, templates and routines this device held that the pulls changed or
    /// removed (another device's edits and deletes).
    pub noticed: Vec<Noticed>,
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

/// The pushed record a refusal names, if it is one of `sent`.
fn refused_record(
    sent: &[TableRecord],
    changes: &ChangeSet,
    r: &RefusedRecord,
) -> Option<TableRecord> {
    let t = changes.get(&r.table)?;
    let id = match r.list.as_str() {
        "created" => t.created.get(r.index)?.get("id")?.as_str()?.to_owned(),
        "updated" => t.updated.get(r.index)?.get("id")?.as_str()?.to_owned(),
        "deleted" => t.deleted.get(r.index)?.clone(),
        _ => return None,
    };
    sent.iter()
        .find(|(table, rec)| *table == r.table && rec.id() == id)
        .cloned()
}

/// A refusal's message without the location the server puts first for developers
/// (`changes.routines.created[0] (id r1): title must be …` → `title must be …`).
fn readable(message: &str) -> &str {
    match message.strip_prefix("changes.") {
        Some(rest) => rest
            .split_once("): ")
            .or_else(|| rest.split_once(": "))
            .map_or(message, |(_, why)| why),
        None => message,
    }
}

fn aside(records: Vec<TableRecord>, reason: &str) -> Vec<SetAside> {
    records
        .into_iter()
        .map(|(table, record)| SetAside {
            table,
            record,
            reason: reason.to_owned(),
        })
        .collect()
}

/// One synchronisation: pull and apply, then push what is pending; on a conflict, again.
/// A change the server refuses, or rejects as an orphan, is set aside and the rest goes on.
pub async fn synchronize<S: LocalStore, R: Remote>(
    store: &S,
    remote: &R,
) -> Result<SyncReport, SyncError<S::Error>> {
    let mut report = SyncReport::default();
    let mut conflicts = 0;
    loop {
        report.attempts += 1;
        let since = store.last_pulled_at().await.map_err(SyncError::Local)?;
        let migrated_from = match since {
            Some(_) => Some(store.pulled_version().await.map_err(SyncError::Local)?)
                .filter(|v| *v < SCHEMA_VERSION),
            None => None,
        };
        let pull = remote
            .pull(since, migrated_from)
            .await
            .map_err(SyncError::Remote)?;
        report.pulled += count(&pull);
        let pulled_at = pull.timestamp;
        if since.is_some() {
            for n in store.notice(&pull).await.map_err(SyncError::Local)? {
                if !report.noticed.contains(&n) {
                    report.noticed.push(n);
                }
            }
        }
        store
            .apply_pull(pull, since.is_none())
            .await
            .map_err(SyncError::Local)?;

        let pending = store.pending().await.map_err(SyncError::Local)?;
        let earlier = store.set_aside().await.map_err(SyncError::Local)?;
        let (sent, mut still_aside) = partition_pending(pending, &earlier);
        if still_aside.len() != earlier.len() {
            // Forget entries whose record was edited, synced or removed since.
            store
                .store_aside(still_aside.clone())
                .await
                .map_err(SyncError::Local)?;
        }
        if sent.is_empty() {
            return Ok(report);
        }
        // Pushed whole, or, when the server finds it too large, in halves (each halved
        // again as needed), parents before children so no half holds an orphan.
        let mut sent = sent;
        sent.sort_by_key(|(table, _)| TABLES.iter().position(|t| t.name == table.as_str()));
        let mut parts = VecDeque::from([sent]);
        let mut again = false;
        while let Some(part) = parts.pop_front() {
            let request = PushRequest {
                last_pulled_at: Some(pulled_at),
                changes: change_set(&part),
            };
            match remote.push(&request).await {
                Ok(response) => {
                    let rejected = &response.experimental_rejected_ids;
                    let orphans: Vec<TableRecord> = part
                        .iter()
                        .filter(|(t, r)| {
                            rejected
                                .get(t)
                                .is_some_and(|ids| ids.iter().any(|i| i == r.id()))
                        })
                        .cloned()
                        .collect();
                    report.set_aside += orphans.len();
                    report.pushed += part.len() - orphans.len();
                    if !orphans.is_empty() {
                        let reason = "what it belongs to is no longer on the server";
                        still_aside.extend(aside(orphans, reason));
                        store
                            .store_aside(still_aside.clone())
                            .await
                            .map_err(SyncError::Local)?;
                    }
                    store
                        .finish_push(&part, rejected)
                        .await
                        .map_err(SyncError::Local)?;
                }
                Err(RemoteError::TooLarge) if part.len() > 1 => {
                    let mut first = part;
                    let second = first.split_off(first.len() / 2);
                    parts.push_front(second);
                    parts.push_front(first);
                }
                // One record the server will never take: it waits for the user.
                Err(RemoteError::TooLarge) => {
                    report.set_aside += 1;
                    still_aside.extend(aside(part, "it is too large for the server to take"));
                    store
                        .store_aside(still_aside.clone())
                        .await
                        .map_err(SyncError::Local)?;
                }
                Err(RemoteError::Conflict) => {
                    conflicts += 1;
                    if conflicts >= MAX_ATTEMPTS {
                        return Err(SyncError::TooManyConflicts);
                    }
                    again = true;
                    break;
                }
                // Each refusal sets one record aside, so this ends.
                Err(RemoteError::Refused { message, record }) => {
                    let Some(refused) = refused_record(&part, &request.changes, &record) else {
                        return Err(SyncError::Remote(RemoteError::Unavailable(format!(
                            "the server refused a change this device did not send: {message}"
                        ))));
                    };
                    report.set_aside += 1;
                    still_aside.extend(aside(vec![refused], readable(&message)));
                    store
                        .store_aside(still_aside.clone())
                        .await
                        .map_err(SyncError::Local)?;
                    again = true;
                    break;
                }
                Err(e) => return Err(SyncError::Remote(e)),
            }
        }
        if !again {
            return Ok(report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::apply::apply_pull_to;
    use crate::model::wire::{TableChanges, WireRecord};
    use serde_json::json;

    fn raw(v: serde_json::Value) -> WireRecord {
        v.as_object().unwrap().clone()
    }

    type Map = BTreeMap<String, BTreeMap<String, LocalRecord>>;

    fn put(tables: &mut Map, table: &str, record: LocalRecord) {
        tables
            .entry(table.into())
            .or_default()
            .insert(record.id().to_owned(), record);
    }

    #[test]
    fn a_full_pull_drops_synced_records_the_server_lost_and_keeps_pending_ones() {
        let mut tables = Map::new();
        put(
            &mut tables,
            "routines",
            LocalRecord::synced(raw(json!({ "id": "gone" }))),
        );
        put(
            &mut tables,
            "routines",
            LocalRecord::synced(raw(json!({ "id": "kept", "title": "old" }))),
        );
        put(
            &mut tables,
            "routines",
            LocalRecord::created(raw(json!({ "id": "mine" }))),
        );
        let mut pull = PullResponse::default();
        pull.changes.insert(
            "routines".into(),
            TableChanges {
                created: vec![raw(json!({ "id": "kept", "title": "new" }))],
                ..Default::default()
            },
        );
        let mut incremental = tables.clone();
        apply_pull_to(&mut incremental, pull.clone(), false);
        assert!(incremental["routines"].contains_key("gone"));
        apply_pull_to(&mut tables, pull, true);
        let ids: Vec<&String> = tables["routines"].keys().collect();
        assert_eq!(ids, ["kept", "mine"]);
        assert_eq!(tables["routines"]["kept"].raw["title"], "new");
    }

    #[test]
    fn a_remote_delete_takes_every_descendant() {
        let mut tables = Map::new();
        put(
            &mut tables,
            "workouts",
            LocalRecord::synced(raw(json!({ "id": "w" }))),
        );
        put(
            &mut tables,
            "workout_exercise",
            LocalRecord::synced(raw(json!({ "id": "we", "workout_id": "w" }))),
        );
        put(
            &mut tables,
            "workout_exercise_sets",
            LocalRecord::created(raw(json!({ "id": "s", "workout_exercise_id": "we" }))),
        );
        put(
            &mut tables,
            "workout_exercise_sets",
            LocalRecord::created(raw(json!({ "id": "other", "workout_exercise_id": "x" }))),
        );
        let mut pull = PullResponse::default();
        pull.changes.insert(
            "workouts".into(),
            TableChanges {
                deleted: vec!["w".into()],
                ..Default::default()
            },
        );
        apply_pull_to(&mut tables, pull, false);
        assert!(tables["workouts"].is_empty());
        assert!(tables["workout_exercise"].is_empty());
        let left: Vec<&String> = tables["workout_exercise_sets"].keys().collect();
        assert_eq!(left, ["other"]);
    }

    #[test]
    fn a_refusal_names_one_record_or_else_the_whole_push() {
        let sent: Vec<TableRecord> = vec![
            (
                "routines".into(),
                LocalRecord::created(raw(json!({ "id": "a" }))),
            ),
            (
                "routines".into(),
                LocalRecord::created(raw(json!({ "id": "b" }))),
            ),
        ];
        let changes = change_set(&sent);
        let located = RefusedRecord {
            table: "routines".into(),
            list: "created".into(),
            index: 1,
            id: None,
        };
        let one = refused_record(&sent, &changes, &located).expect("located");
        assert_eq!(one.1.id(), "b");
        let elsewhere = RefusedRecord {
            index: 5,
            ..located
        };
        assert!(refused_record(&sent, &changes, &elsewhere).is_none());
    }

    #[test]
    fn an_edited_refusal_is_sent_again() {
        let mut record = LocalRecord::created(raw(json!({ "id": "a", "title": 5 })));
        let aside = vec![SetAside {
            table: "routines".into(),
            record: record.clone(),
            reason: "no".into(),
        }];
        let (send, live) = partition_pending(vec![("routines".into(), record.clone())], &aside);
        assert!(send.is_empty() && live.len() == 1);
        record.update(&raw(json!({ "title": "fixed" })));
        let (send, live) = partition_pending(vec![("routines".into(), record)], &aside);
        assert!(send.len() == 1 && live.is_empty());
    }

    #[test]
    fn refusal_reasons_drop_the_location() {
        assert_eq!(
            readable("changes.routines.created[0] (id r1): title must be a string or null"),
            "title must be a string or null"
        );
        assert_eq!(
            readable("changes.logs.deleted[2]: the id must be a string"),
            "the id must be a string"
        );
        assert_eq!(readable("request body too large"), "request body too large");
    }

    #[test]
    fn only_a_located_400_refuses_anything() {
        assert_eq!(
            RemoteError::from_status(429, ""),
            RemoteError::Unavailable("HTTP 429".into())
        );
        let body = r#"{"error":"bad_request","message":"m","record":{"table":"logs","list":"updated","index":0,"id":"l"}}"#;
        match RemoteError::from_status(400, body) {
            RemoteError::Refused { message, record } => {
                assert_eq!(message, "m");
                assert_eq!(record.id.as_deref(), Some("l"));
            }
            other => panic!("{other:?}"),
        }
        // The same body under another status, a 400 naming no record, a proxy's page.
        for (status, body) in [
            (403, body),
            (404, "<html>Not Found</html>"),
            (405, ""),
            (
                400,
                r#"{"error":"bad_request","message":"schemaVersion 9 is newer"}"#,
            ),
            (400, "Bad Request"),
            (502, "<html>Bad gateway</html>"),
        ] {
            assert!(
                matches!(
                    RemoteError::from_status(status, body),
                    RemoteError::Unavailable(_)
                ),
                "{status} {body}"
            );
        }
        assert_eq!(
            RemoteError::from_status(413, "too big"),
            RemoteError::TooLarge
        );
    }
}
