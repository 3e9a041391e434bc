//! The replica in IndexedDB: one database per user, one object store per synced table
//! (records keyed by `id`, indexed by `_status` and by every parent column), a `meta`
//! store for the cursor, schema version and client id, and the exercise library.
//!
//! Records cross into JavaScript as JSON text parsed once per batch: one `JSON.parse` of
//! an array is far cheaper than building objects field by field through the boundary.

use super::stored::{from_stored, status_name, to_stored};
use super::Snapshot;
use super::{apply_ops_to, diff, touched, Diff, Op, Tables};
use crate::model::tables::{table, SCHEMA_VERSION, TABLES};
use crate::sync::engine::{discard_in, partition_pending, LocalStore, SetAside, TableRecord};
use crate::sync::record::{after_push, merge_remote, LocalRecord, Status};
use crate::sync::wire::{PullResponse, WireRecord};
use async_trait::async_trait;
use idb::{
    Database, DatabaseEvent, Factory, KeyPath, ObjectStore, ObjectStoreParams, Query, Transaction,
    TransactionMode,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// Bumped with every change of stores or indexes; the upgrade creates what is missing.
const DB_VERSION: u32 = 1;
const META: &str = "meta";
const EXERCISES: &str = "exercises";
const STATUS_INDEX: &str = "_status";
/// The meta key of the changes set aside (a JSON list of [`SetAside`]).
const SET_ASIDE: &str = "set_aside";
const CURSOR: &str = "last_pulled_at";
const PENDING: [Status; 3] = [Status::Created, Status::Updated, Status::Deleted];

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

fn to_js(value: &impl serde::Serialize) -> Result<JsValue> {
    js_sys::JSON::parse(&serde_json::to_string(value)?).map_err(js_error)
}

fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T> {
    let text: String = js_sys::JSON::stringify(value).map_err(js_error)?.into();
    Ok(serde_json::from_str(&text)?)
}

fn stored_record(value: &JsValue) -> Result<Option<LocalRecord>> {
    Ok(from_stored(from_js(value)?))
}

pub struct IdbStore {
    db: Database,
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
        let store = Self { db };
        store.ensure_meta().await?;
        Ok(store)
    }

    pub fn close(&self) {
        self.db.close();
    }

    fn tx(&self, stores: &[&str], mode: TransactionMode) -> Result<Transaction> {
        Ok(self.db.transaction(stores, mode)?)
    }

    fn all_stores() -> Vec<&'static str> {
        TABLES.iter().map(|t| t.name).chain([META]).collect()
    }

    async fn ensure_meta(&self) -> Result<()> {
        let tx = self.tx(&[META], TransactionMode::ReadWrite)?;
        let meta = tx.object_store(META)?;
        if meta.get(JsValue::from_str("client_id"))?.await?.is_none() {
            let id = super::new_id();
            meta.put(
                &JsValue::from_str(&id),
                Some(&JsValue::from_str("client_id")),
            )?;
        }
        meta.put(
            &JsValue::from(SCHEMA_VERSION),
            Some(&JsValue::from_str("schema_version")),
        )?;
        tx.commit()?.await?;
        Ok(())
    }

    /// Live records of `tables`.
    pub async fn read(&self, tables: &[&str]) -> Result<Snapshot> {
        let tx = self.tx(tables, TransactionMode::ReadOnly)?;
        let mut snapshot = Snapshot::default();
        for name in tables {
            let rows = tx.object_store(name)?.get_all(None, None)?.await?;
            let mut live = Vec::with_capacity(rows.len());
            for row in &rows {
                if let Some(r) = stored_record(row)? {
                    if r.status != Status::Deleted {
                        live.push(r.raw);
                    }
                }
            }
            snapshot.tables.insert((*name).to_owned(), live);
        }
        tx.await?;
        Ok(snapshot)
    }

    /// Commits a user's edit. Resolves only once IndexedDB has committed it.
    pub async fn write(&self, ops: &[Op]) -> Result<()> {
        let tx = self.tx(&Self::all_stores(), TransactionMode::ReadWrite)?;
        let mut before = Tables::new();
        for (name, id) in touched(ops) {
            let is_delete = ops
                .iter()
                .any(|op| matches!(op, Op::Delete { table, id: i } if *table == name && i == id));
            load(&tx, &mut before, name, id, is_delete).await?;
        }
        let mut after = before.clone();
        apply_ops_to(&mut after, ops);
        let Diff { put, remove } = diff(&before, &after);
        for (name, record) in &put {
            tx.object_store(name)?
                .put(&to_js(&to_stored(record))?, None)?;
        }
        for (name, id) in &remove {
            tx.object_store(name)?.delete(JsValue::from_str(id))?;
        }
        let done = tx.commit()?.await?;
        if done.is_committed() {
            Ok(())
        } else {
            Err(ReplicaError("the write was aborted".into()))
        }
    }

    /// What the status shows: how many changes wait to be sent, and those set aside.
    pub async fn waiting(&self) -> Result<(usize, Vec<SetAside>)> {
        let pending = LocalStore::pending(self).await?;
        let aside = self.set_aside().await?;
        let (send, aside) = partition_pending(pending, &aside);
        Ok((send.len(), aside))
    }

    /// The cached exercise library.
    pub async fn cached_exercises(&self) -> Result<Vec<Value>> {
        let tx = self.tx(&[EXERCISES], TransactionMode::ReadOnly)?;
        let rows = tx.object_store(EXERCISES)?.get_all(None, None)?.await?;
        let list = rows.iter().map(from_js).collect::<Result<Vec<Value>>>()?;
        tx.await?;
        Ok(list)
    }

    pub async fn cache_exercises(&self, list: &[Value]) -> Result<()> {
        let tx = self.tx(&[EXERCISES], TransactionMode::ReadWrite)?;
        let store = tx.object_store(EXERCISES)?;
        store.clear()?;
        put_all(&store, list)?;
        tx.commit()?.await?;
        Ok(())
    }
}

/// Creates every store and index the registry asks for that does not exist yet.
fn create_stores(db: &Database) -> Result<()> {
    let existing = db.store_names();
    let keyed = || {
        let mut params = ObjectStoreParams::new();
        params.key_path(Some(KeyPath::new_single("id")));
        params
    };
    for def in TABLES {
        if existing.iter().any(|s| s == def.name) {
            continue;
        }
        let store = db.create_object_store(def.name, keyed())?;
        store.create_index(STATUS_INDEX, KeyPath::new_single(STATUS_INDEX), None)?;
        for parent in def.parents {
            store.create_index(parent.column, KeyPath::new_single(parent.column), None)?;
        }
    }
    if !existing.iter().any(|s| s == META) {
        db.create_object_store(META, ObjectStoreParams::new())?;
    }
    if !existing.iter().any(|s| s == EXERCISES) {
        db.create_object_store(EXERCISES, keyed())?;
    }
    Ok(())
}

/// Puts many values with one `JSON.parse` for all of them.
fn put_all(store: &ObjectStore, values: &[impl serde::Serialize]) -> Result<()> {
    let array: js_sys::Array = to_js(&values)?.into();
    for value in array.iter() {
        store.put(&value, None)?;
    }
    Ok(())
}

/// Loads a record into `into` and, for a delete, every live descendant (found through
/// the parent-column indexes).
async fn load(
    tx: &Transaction,
    into: &mut Tables,
    name: &str,
    id: &str,
    descendants: bool,
) -> Result<()> {
    let mut queue = vec![(name.to_owned(), id.to_owned())];
    while let Some((name, id)) = queue.pop() {
        if let Some(value) = tx.object_store(&name)?.get(JsValue::from_str(&id))?.await? {
            if let Some(record) = stored_record(&value)? {
                into.entry(name.clone())
                    .or_default()
                    .insert(id.clone(), record);
            }
        }
        if !descendants {
            continue;
        }
        let Some(def) = table(&name) else { continue };
        for (child, parent) in def.children() {
            let rows = tx
                .object_store(child.name)?
                .index(parent.column)?
                .get_all(Some(Query::Key(JsValue::from_str(&id))), None)?
                .await?;
            for row in &rows {
                if let Some(record) = stored_record(row)? {
                    let child_id = record.id().to_owned();
                    into.entry(child.name.to_owned())
                        .or_default()
                        .insert(child_id.clone(), record);
                    queue.push((child.name.to_owned(), child_id));
                }
            }
        }
    }
    Ok(())
}

/// The records of one table that are not synced.
async fn pending_of(tx: &Transaction, name: &str) -> Result<BTreeMap<String, LocalRecord>> {
    let index = tx.object_store(name)?.index(STATUS_INDEX)?;
    let mut out = BTreeMap::new();
    for status in PENDING {
        let rows = index
            .get_all(
                Some(Query::Key(JsValue::from_str(status_name(status)))),
                None,
            )?
            .await?;
        for row in &rows {
            if let Some(r) = stored_record(row)? {
                out.insert(r.id().to_owned(), r);
            }
        }
    }
    Ok(out)
}

#[async_trait(?Send)]
impl LocalStore for IdbStore {
    type Error = ReplicaError;

    async fn last_pulled_at(&self) -> Result<Option<i64>> {
        let tx = self.tx(&[META], TransactionMode::ReadOnly)?;
        let value = tx
            .object_store(META)?
            .get(JsValue::from_str(CURSOR))?
            .await?;
        tx.await?;
        Ok(value.and_then(|v| v.as_f64()).map(|v| v as i64))
    }

    /// One readwrite transaction: only pending local records are read (a synced or absent
    /// record simply becomes the server's), every table's merged records are parsed into
    /// JavaScript at once, and the cursor is written with them. A full pull also removes
    /// synced records the server no longer has; a delete takes the record's descendants.
    async fn apply_pull(&self, pull: &PullResponse, full: bool) -> Result<()> {
        let tx = self.tx(&Self::all_stores(), TransactionMode::ReadWrite)?;
        for (name, changes) in &pull.changes {
            if table(name).is_none() {
                continue;
            }
            let store = tx.object_store(name)?;
            let pending = pending_of(&tx, name).await?;
            if full {
                let present = changes.upserted_ids();
                let synced = Query::Key(JsValue::from_str(status_name(Status::Synced)));
                let keys = store
                    .index(STATUS_INDEX)?
                    .get_all_keys(Some(synced), None)?
                    .await?;
                for key in keys {
                    if key
                        .as_string()
                        .is_some_and(|k| !present.contains(k.as_str()))
                    {
                        store.delete(key)?;
                    }
                }
            }
            let merged: Vec<WireRecord> = changes
                .created
                .iter()
                .chain(&changes.updated)
                .filter_map(|remote| {
                    let id = remote.get("id")?.as_str()?;
                    merge_remote(pending.get(id), remote).map(|r| to_stored(&r))
                })
                .collect();
            put_all(&store, &merged)?;
        }
        for (name, changes) in &pull.changes {
            if table(name).is_none() {
                continue;
            }
            for id in &changes.deleted {
                let mut doomed = Tables::new();
                load(&tx, &mut doomed, name, id, true).await?;
                for (t, records) in &doomed {
                    let store = tx.object_store(t)?;
                    for rid in records.keys() {
                        store.delete(JsValue::from_str(rid))?;
                    }
                }
            }
        }
        tx.object_store(META)?.put(
            &JsValue::from_f64(pull.timestamp as f64),
            Some(&JsValue::from_str(CURSOR)),
        )?;
        let done = tx.commit()?.await?;
        if done.is_committed() {
            Ok(())
        } else {
            Err(ReplicaError("applying the pull was aborted".into()))
        }
    }

    async fn pending(&self) -> Result<Vec<TableRecord>> {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        let tx = self.tx(&names, TransactionMode::ReadOnly)?;
        let mut out = Vec::new();
        for name in names {
            for record in pending_of(&tx, name).await?.into_values() {
                out.push((name.to_owned(), record));
            }
        }
        tx.await?;
        Ok(out)
    }

    async fn finish_push(
        &self,
        sent: &[TableRecord],
        rejected: &BTreeMap<String, Vec<String>>,
    ) -> Result<()> {
        let rejected: BTreeSet<(&str, &str)> = rejected
            .iter()
            .flat_map(|(t, ids)| ids.iter().map(move |id| (t.as_str(), id.as_str())))
            .collect();
        let tx = self.tx(&Self::all_stores(), TransactionMode::ReadWrite)?;
        for (name, record) in sent {
            let id = record.id();
            if rejected.contains(&(name.as_str(), id)) {
                continue;
            }
            let store = tx.object_store(name)?;
            let Some(now) = store.get(JsValue::from_str(id))?.await? else {
                continue;
            };
            let Some(now) = stored_record(&now)? else {
                continue;
            };
            match after_push(record, &now) {
                Some(next) => {
                    store.put(&to_js(&to_stored(&next))?, None)?;
                }
                None => {
                    store.delete(JsValue::from_str(id))?;
                }
            }
        }
        tx.commit()?.await?;
        Ok(())
    }

    async fn set_aside(&self) -> Result<Vec<SetAside>> {
        let tx = self.tx(&[META], TransactionMode::ReadOnly)?;
        let value = tx
            .object_store(META)?
            .get(JsValue::from_str(SET_ASIDE))?
            .await?;
        tx.await?;
        match value.and_then(|v| v.as_string()) {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Ok(Vec::new()),
        }
    }

    async fn store_aside(&self, entries: Vec<SetAside>) -> Result<()> {
        let tx = self.tx(&[META], TransactionMode::ReadWrite)?;
        tx.object_store(META)?.put(
            &JsValue::from_str(&serde_json::to_string(&entries)?),
            Some(&JsValue::from_str(SET_ASIDE)),
        )?;
        tx.commit()?.await?;
        Ok(())
    }

    /// One transaction: the record (with its descendants) is changed as [`discard_in`]
    /// says, the entry leaves the list, and the cursor is dropped when the server's
    /// version must be fetched again.
    async fn discard(&self, name: &str, id: &str) -> Result<()> {
        let aside = self.set_aside().await?;
        let tx = self.tx(&Self::all_stores(), TransactionMode::ReadWrite)?;
        let mut before = Tables::new();
        load(&tx, &mut before, name, id, true).await?;
        let mut after = before.clone();
        let refetch = discard_in(&mut after, name, id);
        let Diff { put, remove } = diff(&before, &after);
        for (t, record) in &put {
            tx.object_store(t)?.put(&to_js(&to_stored(record))?, None)?;
        }
        for (t, rid) in &remove {
            tx.object_store(t)?.delete(JsValue::from_str(rid))?;
        }
        let meta = tx.object_store(META)?;
        let left: Vec<&SetAside> = aside
            .iter()
            .filter(|a| !(a.table == name && a.id() == id))
            .collect();
        meta.put(
            &JsValue::from_str(&serde_json::to_string(&left)?),
            Some(&JsValue::from_str(SET_ASIDE)),
        )?;
        if refetch {
            meta.delete(JsValue::from_str(CURSOR))?;
        }
        let done = tx.commit()?.await?;
        if done.is_committed() {
            Ok(())
        } else {
            Err(ReplicaError("discarding was aborted".into()))
        }
    }
}
