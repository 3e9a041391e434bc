//! How the replica is laid out in IndexedDB: records grouped many per stored value.
//!
//! IndexedDB costs about the same per stored value whatever its size, so one value per
//! record makes a large first sync slow (31k records ≈ 3 s here). A record lives in the
//! chunk named by its table and a bucket of its id, so finding a record's chunk needs no
//! lookup, and an edit rewrites only the chunks its records live in.

use super::ops::Tables;
use super::stored::{from_stored, Stored};
use crate::local::record::LocalRecord;
use crate::model::wire::{PullResponse, WireRecord};
use std::collections::{BTreeMap, BTreeSet};

/// Buckets per table: about 500 records per chunk for a table of 31k records, one record
/// per chunk for the small ones.
pub const BUCKETS: u32 = 64;

/// The key of the stored value a record lives in: `table/bucket`. (A plain string, not a
/// struct: the browser bundle is near its size budget and every new map key type costs.)
pub type ChunkKey = String;

/// FNV-1a: stable across builds and platforms (the std hasher is not).
fn bucket_of(id: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % BUCKETS
}

/// The chunk a record of `table` with this id lives in.
pub fn key_of(table: &str, id: &str) -> ChunkKey {
    chunk_key(table, bucket_of(id))
}

/// The key of a table's bucket: the one spelling of a chunk key.
fn chunk_key(table: &str, bucket: u32) -> ChunkKey {
    format!("{table}/{bucket}")
}

/// Chunks named by their keys, as one bit per bucket of each table: whether a record
/// lies in one of them is a hash and a mask, with no key spelt per record.
pub struct Within<'a>(BTreeMap<&'a str, u64>);

impl<'a> Within<'a> {
    pub fn of(keys: impl IntoIterator<Item = &'a ChunkKey>) -> Self {
        let mut tables = BTreeMap::new();
        for (table, bucket) in keys.into_iter().filter_map(|k| parse_key(k)) {
            *tables.entry(table).or_default() |= 1_u64 << bucket;
        }
        Self(tables)
    }

    /// Whether any of the chunks is of `table`.
    pub fn has_table(&self, table: &str) -> bool {
        self.0.contains_key(table)
    }

    /// Whether the record `id` of `table` lies in one of the chunks.
    pub fn holds(&self, table: &str, id: &str) -> bool {
        self.0
            .get(table)
            .is_some_and(|mask| mask & (1_u64 << bucket_of(id)) != 0)
    }
}

/// The table of a chunk key, if it is one.
pub fn table_of(key: &str) -> Option<&str> {
    parse_key(key).map(|(table, _)| table)
}

/// A chunk key's table and bucket, if it is one ([`chunk_key`] read back).
fn parse_key(key: &str) -> Option<(&str, u32)> {
    let (table, bucket) = key.rsplit_once('/')?;
    let bucket = bucket.parse::<u32>().ok().filter(|b| *b < BUCKETS)?;
    Some((table, bucket))
}

/// A chunk's stored value: its records in stored form (`_status`, `_changed`) as one JSON
/// array, parsed and written in one piece.
pub fn encode<'a>(records: impl Iterator<Item = &'a LocalRecord>) -> String {
    encode_stored(records.map(Stored::of))
}

fn encode_stored<'a>(records: impl Iterator<Item = Stored<'a>>) -> String {
    let stored: Vec<Stored> = records.collect();
    serde_json::to_string(&stored).expect("records are JSON")
}

/// The chunks a pull writes into chunks that hold nothing yet (a new device's first
/// sync), encoded straight from the pulled records: what [`rewrites`] gives after
/// applying the pull to empty tables, without building those tables first.
pub fn pulled_into_empty(pull: &PullResponse) -> Vec<(ChunkKey, Option<String>)> {
    let mut out = Vec::new();
    for (table, changes) in &pull.changes {
        let mut buckets: Vec<BTreeMap<&str, &WireRecord>> = vec![BTreeMap::new(); BUCKETS as usize];
        // A record both created and updated in one pull is stored as updated, as the
        // merge would leave it.
        for raw in changes.created.iter().chain(&changes.updated) {
            if let Some(id) = raw.get("id").and_then(|v| v.as_str()) {
                buckets[bucket_of(id) as usize].insert(id, raw);
            }
        }
        for (bucket, records) in buckets.into_iter().enumerate() {
            if !records.is_empty() {
                let text = encode_stored(records.into_values().map(Stored::synced));
                out.push((chunk_key(table, bucket as u32), Some(text)));
            }
        }
    }
    out
}

pub fn decode(text: &str) -> Result<Vec<LocalRecord>, serde_json::Error> {
    let stored: Vec<WireRecord> = serde_json::from_str(text)?;
    Ok(stored.into_iter().filter_map(from_stored).collect())
}

/// The chunks that hold (or will hold) these records.
pub fn keys_of<'a>(records: impl IntoIterator<Item = (&'a str, &'a str)>) -> BTreeSet<ChunkKey> {
    // Spelt once per chunk, not once per record: a first pull names 31k records.
    let slots: BTreeSet<(&str, u32)> = records
        .into_iter()
        .map(|(table, id)| (table, bucket_of(id)))
        .collect();
    slots
        .into_iter()
        .map(|(table, bucket)| chunk_key(table, bucket))
        .collect()
}

/// The chunks of `(table, id)` pairs.
pub fn keys_of_pairs(records: &[(String, String)]) -> BTreeSet<ChunkKey> {
    keys_of(records.iter().map(|(t, id)| (t.as_str(), id.as_str())))
}

/// Groups records by chunk.
pub fn split(tables: &Tables) -> BTreeMap<ChunkKey, Vec<&LocalRecord>> {
    let mut out = BTreeMap::new();
    for (table, records) in tables {
        let mut buckets = vec![Vec::new(); BUCKETS as usize];
        for (id, record) in records {
            buckets[bucket_of(id) as usize].push(record);
        }
        for (bucket, list) in buckets.into_iter().enumerate() {
            if !list.is_empty() {
                out.insert(chunk_key(table, bucket as u32), list);
            }
        }
    }
    out
}

/// Adds a chunk's records to `tables`.
pub fn merge_into(tables: &mut Tables, key: &str, records: Vec<LocalRecord>) {
    let Some(table) = table_of(key) else { return };
    let table = tables.entry(table.to_owned()).or_default();
    for record in records {
        table.insert(record.id().to_owned(), record);
    }
}

/// What to write after `before` (the loaded content of `keys`) became `after`: each
/// chunk of `keys` whose records changed, with its new value (`None`: now empty, delete).
pub fn rewrites(
    keys: &BTreeSet<ChunkKey>,
    before: &Tables,
    after: &Tables,
) -> Vec<(ChunkKey, Option<String>)> {
    let (old, new) = (split(before), split(after));
    debug_assert!(
        new.keys().all(|k| keys.contains(k)),
        "a change outside the loaded chunks would be lost"
    );
    keys.iter()
        .filter_map(|key| {
            let (o, n) = (old.get(key), new.get(key));
            if o == n {
                return None;
            }
            Some((
                key.clone(),
                n.filter(|r| !r.is_empty())
                    .map(|r| encode(r.iter().copied())),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(id: &str, reps: i64) -> LocalRecord {
        LocalRecord::synced(
            json!({ "id": id, "reps": reps })
                .as_object()
                .unwrap()
                .clone(),
        )
    }

    fn tables(records: &[(&str, LocalRecord)]) -> Tables {
        let mut t = Tables::new();
        for (table, r) in records {
            t.entry((*table).into())
                .or_default()
                .insert(r.id().to_owned(), r.clone());
        }
        t
    }

    #[test]
    fn keys_are_stable_and_name_their_table() {
        let id = "8f14e45f-ceea-467a-9575-2f36b1b4c0a1";
        let k = key_of("log_exercise_sets", id);
        assert_eq!(k, key_of("log_exercise_sets", id));
        assert_eq!(table_of(&k), Some("log_exercise_sets"));
        assert_eq!(bucket_of("a"), 0xe40c_292c % BUCKETS, "FNV-1a of \"a\"");
        assert_eq!(table_of("routines/64"), None);
        assert_eq!(table_of("nonsense"), None);
    }

    #[test]
    fn many_records_share_few_chunks() {
        let t = tables(
            &(0..10_000)
                .map(|i| ("log_exercise_sets", rec(&format!("set-{i}"), i)))
                .collect::<Vec<_>>(),
        );
        let chunks = split(&t);
        assert_eq!(chunks.len(), BUCKETS as usize);
        let sizes: Vec<usize> = chunks.values().map(Vec::len).collect();
        assert!(sizes.iter().all(|n| (100..220).contains(n)), "{sizes:?}");
    }

    #[test]
    fn a_chunk_decodes_to_what_was_encoded() {
        let mut pending = rec("b", 2);
        pending.update(json!({ "reps": 3 }).as_object().unwrap());
        let records = [rec("a", 1), pending];
        assert_eq!(decode(&encode(records.iter())).unwrap(), records);
    }

    #[test]
    fn only_touched_chunks_are_rewritten_and_empty_ones_removed() {
        let ids: Vec<String> = (0..200).map(|i| format!("r{i}")).collect();
        let before = tables(
            &ids.iter()
                .map(|id| ("routines", rec(id, 0)))
                .collect::<Vec<_>>(),
        );
        let all: BTreeSet<ChunkKey> = split(&before).into_keys().collect();
        let mut after = before.clone();
        after
            .get_mut("routines")
            .unwrap()
            .insert("r7".into(), rec("r7", 9));
        let out = rewrites(&all, &before, &after);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, key_of("routines", "r7"));
        let written = decode(out[0].1.as_deref().unwrap()).unwrap();
        assert!(written.contains(&rec("r7", 9)));
        assert_eq!(
            written.len(),
            split(&before)[&out[0].0].len(),
            "the chunk's others kept"
        );

        // Removing every record of a chunk removes the chunk.
        let key = key_of("routines", "r7");
        let mut emptied = before.clone();
        emptied
            .get_mut("routines")
            .unwrap()
            .retain(|id, _| key_of("routines", id) != key);
        assert_eq!(rewrites(&all, &before, &emptied), vec![(key, None)]);
    }

    #[test]
    fn merging_chunks_rebuilds_the_tables() {
        let t = tables(&[("routines", rec("a", 1)), ("workouts", rec("w", 2))]);
        let mut back = Tables::new();
        for (key, records) in split(&t) {
            merge_into(&mut back, &key, records.into_iter().cloned().collect());
        }
        assert_eq!(back, t);
    }

    #[test]
    fn a_pull_into_empty_chunks_is_stored_as_applying_it_would_store_it() {
        use crate::model::wire::TableChanges;
        let raw = |v: serde_json::Value| v.as_object().unwrap().clone();
        let sets: Vec<_> = (0..300)
            .map(|i| raw(json!({ "id": format!("s{i}"), "reps": i, "weight": 2.5 })))
            .collect();
        let pull = PullResponse {
            changes: [
                (
                    "log_exercise_sets".to_owned(),
                    TableChanges {
                        created: sets,
                        ..Default::default()
                    },
                ),
                (
                    "routines".to_owned(),
                    TableChanges {
                        // Created and updated in one pull: stored as updated. A record
                        // without an id is skipped; stray bookkeeping columns are not kept.
                        created: vec![
                            raw(json!({ "id": "r", "title": "old" })),
                            raw(json!({ "title": "no id" })),
                        ],
                        updated: vec![raw(
                            json!({ "id": "r", "title": "new", "_status": "created" }),
                        )],
                        ..Default::default()
                    },
                ),
            ]
            .into_iter()
            .collect(),
            timestamp: 7,
        };
        let mut applied = Tables::new();
        crate::local::apply::apply_pull_to(&mut applied, pull.clone(), true);
        let keys: BTreeSet<ChunkKey> = split(&applied).into_keys().collect();
        let mut expected = rewrites(&keys, &Tables::new(), &applied);
        let mut fast = pulled_into_empty(&pull);
        expected.sort();
        fast.sort();
        assert_eq!(fast, expected);
        assert!(fast.len() > 2, "the sets are spread over chunks");
    }
}
