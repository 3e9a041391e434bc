//! How a replica record is kept in IndexedDB: its columns plus WatermelonDB's `_status`
//! and `_changed` (comma-separated column names), the layout WatermelonDB itself uses,
//! so the stored data is readable in the browser's developer tools.

use crate::sync::record::{LocalRecord, Status};
use crate::sync::wire::WireRecord;
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

/// A record serialised in its stored layout straight from the replica's record, with no
/// copy of its columns (a first sync writes tens of thousands of them).
pub struct Stored<'a>(pub &'a LocalRecord);

impl serde::Serialize for Stored<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let record = self.0;
        let mut map = serializer.serialize_map(Some(record.raw.len() + 2))?;
        for (column, value) in &record.raw {
            if column != STATUS && column != CHANGED {
                map.serialize_entry(column, value)?;
            }
        }
        map.serialize_entry(STATUS, status_name(record.status))?;
        let changed: Vec<&str> = record.changed.iter().map(String::as_str).collect();
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
            serde_json::to_value(Stored(&r)).unwrap(),
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
