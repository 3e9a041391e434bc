//! The replica in IndexedDB: one database per user holding the records many per stored
//! value in the `chunks` store (see [`crate::local::chunks`]) and a `meta` store (cursor, schema
//! version, client id, the changes set aside, the cached exercise library).
//!
//! Every change loads the chunks it touches inside its own readwrite transaction, applies
//! the change to what is stored there (not to this tab's copy), and writes back only the
//! chunks that changed: two tabs editing records of one chunk never overwrite each other.

use crate::local::chunks::{self, ChunkKey};
use crate::local::persist::{rewrite, Change, MetaWrite, Persistence};
use crate::local::record::SetAside;
use crate::local::Tables;
use crate::model::tables::{SCHEMA_VERSION, TABLES};
use crate::model::wire::WireRecord;
use crate::workout::{ActiveSession, Edit as SessionEdit};
use async_trait::async_trait;
use idb::{
    Database, DatabaseEvent, Factory, KeyRange, ObjectStoreParams, Query, Transaction,
    TransactionMode,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use wasm_bindgen::{JsCast, JsValue};

/// 1: one object store per table, one value per record. 2: chunks.
const DB_VERSION: u32 = 2;
const CHUNKS: &str = "chunks";
const META: &str = "meta";
/// The meta key of the cached exercise library (one JSON value).
const LIBRARY: &str = "exercise_library";
/// The meta key of the changes set aside (a JSON list of [`SetAside`]).
const SET_ASIDE: &str = "set_aside";
const CURSOR: &str = "last_pulled_at";
/// The session being logged ([`ActiveSession`] as JSON): the device's, never synced.
const ACTIVE: &str = "active_session";
/// The prefix of the meta keys of active-session edits kept but not yet applied; the
/// rest of a key orders them ([`IdbStore::keep_active_edit`]).
const ACTIVE_EDIT: &str = "active_edit:";
/// Just past every key that starts with [`ACTIVE_EDIT`].
const ACTIVE_EDIT_END: &str = "active_edit;";
/// The schema version the cursor was pulled with: earlier builds wrote theirs on open.
const PULLED_VERSION: &str = "schema_version";

#[derive(Debug, Clone)]
pub struct ReplicaError(pub String);

impl fmt::Display for ReplicaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<idb::Error> for ReplicaError {
    fn from(e: idb::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<serde_json::Error> for ReplicaError {
    fn from(e: serde_json::Error) -> Self {
        Self(format!("bad record in the replica: {e}"))
    }
}

fn js_error(e: JsValue) -> ReplicaError {
    ReplicaError(format!("{e:?}"))
}

type Result<T, E = ReplicaError> = std::result::Result<T, E>;

fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T> {
    let text: String = js_sys::JSON::stringify(value).map_err(js_error)?.into();
    Ok(serde_json::from_str(&text)?)
}

pub struct IdbStore {
    db: Database,
    /// This store's random id: keys of edits kept by two tabs in one millisecond differ.
    tab: String,
    /// The last journal stamp (epoch microseconds, or one past the last): keys of this
    /// store's edits increase in the order the edits were made.
    journal_stamp: std::cell::Cell<u64>,
}

impl IdbStore {
    pub fn database_name(user_id: &str) -> String {
        format!("ezlift-{user_id}")
    }

    pub async fn open(user_id: &str) -> Result<Self> {
        let factory = Factory::new()?;
        let mut request = factory.open(&Self::database_name(user_id), Some(DB_VERSION))?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                let _ = create_stores(&db);
            }
        });
        let mut db = request.await?;
        // Another tab upgrading the schema must not be blocked by this one.
        db.on_version_change(|event| {
            if let Some(db) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::IdbDatabase>().ok())
            {
                db.close();
            }
        });
        let store = Self {
            db,
            tab: super::clock::new_id(),
            journal_stamp: std::cell::Cell::new(0),
        };
        store.upgrade_v1().await?;
        store.ensure_meta().await?;
        Ok(store)
    }

    pub fn close(&self) {
        self.db.close();
    }

    /// Deletes a user's database from this device (waits while another tab holds it).
    pub async fn delete(user_id: &str) -> Result<()> {
        Factory::new()?
            .delete(&Self::database_name(user_id))?
            .await?;
        Ok(())
    }

    fn tx(&self, stores: &[&str], mode: TransactionMode) -> Result<Transaction> {
        Ok(self.db.transaction(stores, mode)?)
    }

    async fn ensure_meta(&self) -> Result<()> {
        let tx = self.tx(&[META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        if meta.get(JsValue::from_str("client_id"))?.await?.is_none() {
            let id = super::clock::new_id();
            meta.put(
                &JsValue::from_str(&id),
                Some(&JsValue::from_str("client_id")),
            )?;
        }
        tx.commit()?.await?;
        Ok(())
    }

    /// Moves the records of a version-1 replica (one object store per table, one value
    /// per record) into chunks, in one transaction: pending changes, tombstones and the
    /// cursor (in `meta`, untouched) are kept, so nothing is downloaded again. The old
    /// stores are left empty.
    async fn upgrade_v1(&self) -> Result<()> {
        let names = self.db.store_names();
        let old: Vec<&str> = TABLES
            .iter()
            .map(|t| t.name)
            .filter(|n| names.iter().any(|s| s == n))
            .collect();
        if old.is_empty() {
            return Ok(());
        }
        let mut stores = old.clone();
        stores.push(CHUNKS);
        let tx = self.tx(&stores, TransactionMode::ReadWrite)?;
        let mut tables = Tables::new();
        for name in &old {
            let store = tx.object_store(name)?;
            let rows = store.get_all(None, None)?.await?;
            if rows.is_empty() {
                continue;
            }
            let array: js_sys::Array = rows.iter().collect();
            let stored: Vec<WireRecord> = from_js(&array.into())?;
            let records = tables.entry((*name).to_owned()).or_default();
            for r in stored
                .into_iter()
                .filter_map(crate::local::stored::from_stored)
            {
                records.insert(r.id().to_owned(), r);
            }
            store.clear()?;
        }
        if !tables.is_empty() {
            let keys: BTreeSet<ChunkKey> = chunks::split(&tables).into_keys().collect();
            write_chunks(&tx, chunks::rewrites(&keys, &Tables::new(), &tables))?;
        }
        commit(tx, "upgrading the replica").await
    }

    /// The records of some chunks, as stored now.
    pub async fn read_chunks(&self, keys: &BTreeSet<ChunkKey>) -> Result<Tables> {
        let tx = self.tx(&[CHUNKS], TransactionMode::ReadOnly)?;
        let tables = load_chunks(&tx, keys).await?;
        tx.await?;
        Ok(tables)
    }

    async fn meta(&self, key: &str) -> Result<Option<JsValue>> {
        let tx = self.tx(&[META], TransactionMode::ReadOnly)?;
        let value = tx.object_store(META)?.get(JsValue::from_str(key))?.await?;
        tx.await?;
        Ok(value)
    }

    /// The cached exercise library, kept as one JSON value in `meta`.
    pub async fn cached_exercises(&self) -> Result<Vec<Value>> {
        match self.meta(LIBRARY).await?.and_then(|v| v.as_string()) {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Ok(Vec::new()),
        }
    }

    /// The first step of an edit of the active session: writes `edit` alone under the
    /// next journal key and commits it at once, every request made before this returns;
    /// the future resolves once it committed. [`Self::active_session`] then applies it.
    ///
    /// Two steps, because a transaction that reads before it writes is lost when the tab
    /// closes during the read (a tap, then the phone's browser killed). Applying to what
    /// is stored, not to this tab's copy, lets edits of several tabs all land.
    pub fn keep_active_edit(&self, edit: &SessionEdit) -> Result<impl Future<Output = Result<()>>> {
        let stamp = (js_sys::Date::now() as u64 * 1000).max(self.journal_stamp.get() + 1);
        self.journal_stamp.set(stamp);
        let key = format!("{ACTIVE_EDIT}{stamp:020}:{}", self.tab);
        let tx = self.tx(&[META], TransactionMode::ReadWrite)?;
        tx.object_store(META)?.put(
            &JsValue::from_str(&serde_json::to_string(edit)?),
            Some(&JsValue::from_str(&key)),
        )?;
        commit_now(tx, "the workout")
    }

    /// The session being logged on this device, if any, with the edits kept but not yet
    /// applied (a tab closed after [`Self::keep_active_edit`]) applied
    /// first, once: applying and removing them commit together.
    pub async fn active_session(&self) -> Result<Option<ActiveSession>> {
        let tx = self.tx(&[META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        let kept = KeyRange::bound(
            &JsValue::from_str(ACTIVE_EDIT),
            &JsValue::from_str(ACTIVE_EDIT_END),
            None,
            None,
        )?;
        let key = JsValue::from_str(ACTIVE);
        let stored = meta.get(key.clone())?;
        let edits = meta.get_all(Some(Query::KeyRange(kept.clone())), None)?;
        let mut session: Option<ActiveSession> = match stored.await?.and_then(|v| v.as_string()) {
            Some(text) => Some(serde_json::from_str(&text)?),
            None => None,
        };
        let edits = edits.await?;
        if edits.is_empty() {
            tx.await?;
            return Ok(session);
        }
        for text in edits.iter().filter_map(|v| v.as_string()) {
            // One this build cannot read (kept by another version) is dropped, not retried
            // forever.
            if let Ok(edit) = serde_json::from_str::<SessionEdit>(&text) {
                edit.apply(&mut session);
            }
        }
        match &session {
            Some(s) => {
                meta.put(&JsValue::from_str(&serde_json::to_string(s)?), Some(&key))?;
            }
            None => {
                meta.delete(key)?;
            }
        }
        meta.delete(Query::KeyRange(kept))?;
        commit(tx, "the workout").await?;
        Ok(session)
    }

    pub async fn cache_exercises(&self, list: &[Value]) -> Result<()> {
        let text = serde_json::to_string(list)?;
        self.mutate(
            &BTreeSet::new(),
            Change::edit(|_| vec![MetaWrite::Library(text)]),
        )
        .await?;
        Ok(())
    }
}

#[async_trait(?Send)]
impl Persistence for IdbStore {
    type Error = ReplicaError;

    /// One IndexedDB transaction; resolves once it committed.
    async fn mutate(&self, keys: &BTreeSet<ChunkKey>, change: Change<'_>) -> Result<Vec<ChunkKey>> {
        let tx = self.tx(&[CHUNKS, META], TransactionMode::ReadWrite)?;
        let (rewrites, meta_writes) = rewrite(keys, &load_chunks(&tx, keys).await?, change);
        let written = write_chunks(&tx, rewrites)?;
        let meta = tx.object_store(META)?;
        for write in meta_writes {
            let (key, value) = match write {
                MetaWrite::Cursor(c) => (CURSOR, c.map(|t| JsValue::from_f64(t as f64))),
                MetaWrite::Aside(list) => (
                    SET_ASIDE,
                    Some(JsValue::from_str(&serde_json::to_string(&list)?)),
                ),
                MetaWrite::Library(text) => (LIBRARY, Some(JsValue::from_str(&text))),
                MetaWrite::Active(text) => (ACTIVE, text.map(|t| JsValue::from_str(&t))),
            };
            if key == CURSOR {
                // The cursor and the version it was pulled with change together.
                meta.put(
                    &JsValue::from(SCHEMA_VERSION),
                    Some(&JsValue::from_str(PULLED_VERSION)),
                )?;
            }
            match value {
                Some(v) => {
                    meta.put(&v, Some(&JsValue::from_str(key)))?;
                }
                None => {
                    meta.delete(JsValue::from_str(key))?;
                }
            }
        }
        commit(tx, "the change").await?;
        Ok(written)
    }

    async fn chunk_keys(&self) -> Result<BTreeSet<ChunkKey>> {
        let tx = self.tx(&[CHUNKS], TransactionMode::ReadOnly)?;
        let keys = tx.object_store(CHUNKS)?.get_all_keys(None, None)?.await?;
        tx.await?;
        Ok(keys
            .iter()
            .filter_map(|k| k.as_string())
            .filter(|k| chunks::table_of(k).is_some())
            .collect())
    }

    /// Every chunk, read in one transaction with two requests.
    async fn load_all(&self) -> Result<Tables> {
        let tx = self.tx(&[CHUNKS], TransactionMode::ReadOnly)?;
        let store = tx.object_store(CHUNKS)?;
        let keys = store.get_all_keys(None, None)?.await?;
        let values = store.get_all(None, None)?.await?;
        tx.await?;
        let mut tables = Tables::new();
        for (key, value) in keys.iter().zip(&values) {
            let (Some(key), Some(text)) = (key.as_string(), value.as_string()) else {
                continue;
            };
            chunks::merge_into(&mut tables, &key, chunks::decode(&text)?);
        }
        Ok(tables)
    }

    async fn last_pulled_at(&self) -> Result<Option<i64>> {
        let value = self.meta(CURSOR).await?;
        Ok(value.and_then(|v| v.as_f64()).map(|v| v as i64))
    }

    async fn pulled_version(&self) -> Result<u32> {
        let value = self.meta(PULLED_VERSION).await?;
        Ok(value
            .and_then(|v| v.as_f64())
            .map_or(SCHEMA_VERSION, |v| v as u32))
    }

    async fn set_aside(&self) -> Result<Vec<SetAside>> {
        match self.meta(SET_ASIDE).await?.and_then(|v| v.as_string()) {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Ok(Vec::new()),
        }
    }
}

/// Loads chunks in `tx`: every request is made first, then all are awaited. For many
/// keys (a pull), the stored keys are listed first so that chunks that do not exist yet
/// (all of them on a new device) cost no request.
async fn load_chunks(tx: &Transaction, keys: &BTreeSet<ChunkKey>) -> Result<Tables> {
    let store = tx.object_store(CHUNKS)?;
    let existing: Option<BTreeSet<String>> = if keys.len() > 16 {
        let stored = store.get_all_keys(None, None)?.await?;
        Some(stored.iter().filter_map(|k| k.as_string()).collect())
    } else {
        None
    };
    let keys: Vec<&ChunkKey> = keys
        .iter()
        .filter(|k| existing.as_ref().is_none_or(|e| e.contains(*k)))
        .collect();
    let requests = keys
        .iter()
        .map(|key| store.get(JsValue::from_str(key)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut tables = Tables::new();
    for (key, request) in keys.iter().zip(requests) {
        if let Some(text) = request.await?.and_then(|v| v.as_string()) {
            chunks::merge_into(&mut tables, key, chunks::decode(&text)?);
        }
    }
    Ok(tables)
}

/// Writes (or, for `None`, removes) chunks in `tx` and returns their keys.
fn write_chunks(
    tx: &Transaction,
    rewrites: Vec<(ChunkKey, Option<String>)>,
) -> Result<Vec<ChunkKey>> {
    let store = tx.object_store(CHUNKS)?;
    let mut written = Vec::new();
    for (key, value) in rewrites {
        let k = JsValue::from_str(&key);
        match value {
            Some(text) => {
                store.put(&JsValue::from_str(&text), Some(&k))?;
            }
            None => {
                store.delete(k)?;
            }
        }
        written.push(key);
    }
    Ok(written)
}

async fn commit(tx: Transaction, what: &str) -> Result<()> {
    commit_now(tx, what)?.await
}

/// Asks `tx` to commit now, not when its requests are done and the task ends; the
/// future resolves once it has.
fn commit_now(tx: Transaction, what: &str) -> Result<impl Future<Output = Result<()>>> {
    let tx = tx.commit()?;
    let aborted = format!("{what} was aborted");
    Ok(async move {
        if tx.await?.is_committed() {
            Ok(())
        } else {
            Err(ReplicaError(aborted))
        }
    })
}

/// Creates the stores of this version that do not exist yet (a version-1 database keeps
/// its per-table stores, emptied by [`IdbStore::upgrade_v1`], and its unused `exercises`).
fn create_stores(db: &Database) -> Result<()> {
    let existing = db.store_names();
    let has = |name: &str| existing.iter().any(|s| s == name);
    if !has(CHUNKS) {
        db.create_object_store(CHUNKS, ObjectStoreParams::new())?;
    }
    if !has(META) {
        db.create_object_store(META, ObjectStoreParams::new())?;
    }
    Ok(())
}
