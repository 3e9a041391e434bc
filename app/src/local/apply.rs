//! What a sync does to a device's records, on any store that keeps them in table maps:
//! a pull applied, a push finished, a refused change discarded. The engine decides when;
//! these say how, the same for memory, chunks and IndexedDB.

use super::ops::{apply_ops_to, with_descendants};
use super::record::{after_push, merge_remote, LocalRecord, Status};
use crate::model::tables::table;
use crate::model::wire::PullResponse;
use std::collections::BTreeMap;

/// Applies a pull to a table map; shared by every store that keeps records in maps.
/// The pull's records are moved into the map: a first pull brings tens of thousands.
pub fn apply_pull_to(
    tables: &mut BTreeMap<String, BTreeMap<String, LocalRecord>>,
    pull: PullResponse,
    full: bool,
) {
    // A remote delete takes everything under the record too, pending or not.
    let deleted = pull.deleted_records();
    for (table, changes) in pull.changes {
        let records = tables.entry(table).or_default();
        if full {
            let present = changes.upserted_ids();
            records.retain(|id, r| r.status != Status::Synced || present.contains(id.as_str()));
        }
        for remote in changes.created.into_iter().chain(changes.updated) {
            let Some(id) = remote.get("id").and_then(|v| v.as_str()).map(str::to_owned) else {
                continue;
            };
            if let Some(merged) = merge_remote(records.get(&id), remote) {
                records.insert(id, merged);
            }
        }
    }
    for (table, id) in with_descendants(tables, deleted) {
        if let Some(records) = tables.get_mut(&table) {
            records.remove(&id);
        }
    }
}

/// Discards a set-aside change in a table map (see [`LocalStore::discard`]). Returns
/// whether the server's version must be fetched again (by a full pull). For a delete, the
/// map must hold the record's descendants too.
pub fn discard_in(
    tables: &mut BTreeMap<String, BTreeMap<String, LocalRecord>>,
    name: &str,
    id: &str,
) -> bool {
    let Some(def) = table(name) else { return false };
    let Some(record) = tables.get(name).and_then(|t| t.get(id)) else {
        return false;
    };
    match record.status {
        Status::Synced => false,
        Status::Created => {
            apply_ops_to(
                tables,
                &[crate::local::ops::Op::Delete {
                    table: def.name,
                    id: id.to_owned(),
                }],
            );
            // The server answered for this very record (refused or rejected it), so it is
            // not there and its delete need not be pushed; what was made under it is
            // deleted like any record.
            if let Some(records) = tables.get_mut(name) {
                records.remove(id);
            }
            false
        }
        Status::Updated | Status::Deleted => {
            let synced = LocalRecord::synced(record.raw.clone());
            tables
                .entry(name.to_owned())
                .or_default()
                .insert(id.to_owned(), synced);
            true
        }
    }
}

/// Ends a push on a table map; shared by every store that keeps records in maps.
pub fn finish_push_on(
    tables: &mut BTreeMap<String, BTreeMap<String, LocalRecord>>,
    sent: &[(String, LocalRecord)],
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
