//! How a replica record is kept in IndexedDB: its columns plus WatermelonDB's `_status`
//! and `_changed` (comma-separated column names), the layout WatermelonDB itself uses,
//! so the stored data is readable in the browser's developer tools.

use crate::local::record::{LocalRecord, Status};
use crate::model::wire::WireRecord;
use serde_json::Value;

const STATUS: &str = "_status";
const CHANGED: &str = "_changed";

pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Synced => "synced",
        Status::Created => "created",
        Status::Updated => "updated",
        Status::Deleted => "deleted",
    }
}

/// A record serialised in its stored layout straight from its columns, with no copy of
/// them (a first sync writes tens of thousands): a replica record, or a pulled record
/// stored as it came (synced, nothing changed).
pub struct Stored<'a> {
    raw: &'a WireRecord,
    status: Status,
    changed: Option<&'a std::collections::BTreeSet<String>>,
}

impl<'a> Stored<'a> {
    pub fn of(record: &'a LocalRecord) -> Self {
        Self {
            raw: &record.raw,
            status: record.status,
            changed: Some(&record.changed),
        }
    }

    /// A record as the server sent it: what [`LocalRecord::synced`] of it stores.
    pub fn synced(raw: &'a WireRecord) -> Self {
        Self {
            raw,
            status: Status::Synced,
            changed: None,
        }
    }
}

impl serde::Serialize for Stored<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.raw.len() + 2))?;
        for (column, value) in self.raw {
            if column != STATUS && column != CHANGED {
                map.serialize_entry(column, value)?;
            }
        }
        map.serialize_entry(STATUS, status_name(self.status))?;
        let changed: Vec<&str> = self
            .changed
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        map.serialize_entry(CHANGED, &changed.join(","))?;
        map.end()
    }
}

pub fn to_stored(record: &LocalRecord) -> WireRecord {
    let mut stored = record.raw.clone();
    stored.insert(STATUS.into(), status_name(record.status).into());
    let changed: Vec<&str> = record.changed.iter().map(String::as_str).collect();
    stored.insert(CHANGED.into(), changed.join(",").into());
    stored
}

/// `None` for something that is not a replica record (no id or an unknown status).
pub fn from_stored(mut stored: WireRecord) -> Option<LocalRecord> {
    let status = match stored.remove(STATUS)?.as_str()? {
        "synced" => Status::Synced,
        "created" => Status::Created,
        "updated" => Status::Updated,
        "deleted" => Status::Deleted,
        _ => return None,
    };
    let changed = match stored.remove(CHANGED) {
        Some(Value::String(s)) => s
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Default::default(),
    };
    stored.get("id")?.as_str()?;
    Some(LocalRecord {
        raw: stored,
        status,
        changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_with_watermelon_bookkeeping() {
        let mut r = LocalRecord::synced(
            json!({ "id": "a", "reps": 5, "weight": 2.5 })
                .as_object()
                .unwrap()
                .clone(),
        );
        r.update(json!({ "reps": 6, "weight": 3.0 }).as_object().unwrap());
        let stored = to_stored(&r);
        assert_eq!(
            serde_json::to_value(Stored::of(&r)).unwrap(),
            Value::Object(stored.clone()),
            "the streaming form is the same layout"
        );
        assert_eq!(stored["_status"], json!("updated"));
        assert_eq!(stored["_changed"], json!("reps,weight"));
        assert_eq!(from_stored(stored), Some(r));
        assert_eq!(
            from_stored(json!({ "id": "a" }).as_object().unwrap().clone()),
            None
        );
    }
}
