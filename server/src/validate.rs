//! The sync protocol's requests checked before anything touches the database: a push body
//! becomes typed, registry-checked changes (refused whole with a message naming the
//! table, the record and the field), a pull's query its parameters. The transactional
//! push and pull are in the store, the endpoints in `http::sync`.

use crate::store::changeset::{PullQuery, TablePush, Upsert, ValidPush};
use crate::store::db::SqlValue;
use crate::store::record::to_sql;
use app::model::wire::RefusedRecord;
use app::model::{tables::table, RecordId, TableDef, SCHEMA_VERSION, TABLES};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Bookkeeping columns of WatermelonDB records, never stored.
const IGNORED: &[&str] = &["id", "_status", "_changed"];

/// Why a push was refused; `record` locates the offending record when there is one, so
/// the client can set that record aside and push the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushError {
    pub message: String,
    pub record: Option<RefusedRecord>,
}

impl From<String> for PushError {
    fn from(message: String) -> Self {
        Self {
            message,
            record: None,
        }
    }
}

impl From<&str> for PushError {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

fn at_record(
    table: &str,
    list: &str,
    index: usize,
    id: Option<&Value>,
) -> impl Fn(String) -> PushError {
    let record = RefusedRecord {
        table: table.to_owned(),
        list: list.to_owned(),
        index,
        id: id
            .and_then(Value::as_str)
            .filter(|s| RecordId::parse(s).is_ok())
            .map(str::to_owned),
    };
    move |message| PushError {
        message,
        record: Some(record.clone()),
    }
}

/// How many records a push body carries (created, updated and deleted of every table),
/// counted before any of them is read.
pub fn push_size(body: &Value) -> usize {
    let Some(changes) = body.get("changes").and_then(Value::as_object) else {
        return 0;
    };
    changes
        .values()
        .map(|entry| {
            ["created", "updated", "deleted"]
                .iter()
                .filter_map(|k| entry.get(*k).and_then(Value::as_array))
                .map(Vec::len)
                .sum::<usize>()
        })
        .sum()
}

pub fn parse_push(body: &Value, version: u32) -> Result<ValidPush, PushError> {
    let body = body
        .as_object()
        .ok_or("the request body must be a JSON object with lastPulledAt and changes")?;
    let last_pulled_at = match body.get("lastPulledAt") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_i64()
            .filter(|n| *n >= 0)
            .or_else(|| {
                v.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                    .map(|f| f as i64)
            })
            .ok_or("lastPulledAt must be a number of milliseconds or null")?,
    };
    let changes = body
        .get("changes")
        .and_then(Value::as_object)
        .ok_or("changes must be an object of tables")?;

    let mut tables = Vec::new();
    for (name, entry) in changes {
        let def = table(name)
            .filter(|t| t.since <= version)
            .ok_or_else(|| format!("changes.{name}: unknown table"))?;
        let entry = entry.as_object().ok_or_else(|| {
            format!("changes.{name} must be an object with created, updated and deleted")
        })?;
        let mut push = TablePush {
            table: def,
            upserts: Vec::new(),
            deletes: Vec::new(),
        };
        let mut seen = HashSet::new();
        for (list, records) in entry {
            let path = format!("changes.{name}.{list}");
            let records = match records {
                Value::Null => continue,
                Value::Array(items) => items,
                _ => return Err(format!("{path} must be an array").into()),
            };
            match list.as_str() {
                "created" | "updated" => {
                    for (i, record) in records.iter().enumerate() {
                        let at = at_record(name, list, i, record.get("id"));
                        let upsert = parse_record(def, version, &format!("{path}[{i}]"), record)
                            .map_err(&at)?;
                        if !seen.insert(upsert.id.clone()) {
                            return Err(at(format!("{path}[{i}]: id {} appears twice", upsert.id)));
                        }
                        push.upserts.push(upsert);
                    }
                }
                "deleted" => {
                    for (i, id) in records.iter().enumerate() {
                        let at = at_record(name, list, i, Some(id));
                        let id = parse_id(&format!("{path}[{i}]"), id).map_err(&at)?;
                        if !seen.insert(id.clone()) {
                            return Err(at(format!("{path}[{i}]: id {id} appears twice")));
                        }
                        push.deletes.push(id);
                    }
                }
                other => {
                    return Err(format!(
                        "changes.{name}.{other}: expected created, updated or deleted"
                    )
                    .into())
                }
            }
        }
        if !push.upserts.is_empty() || !push.deletes.is_empty() {
            tables.push(push);
        }
    }
    tables.sort_by_key(|p| TABLES.iter().position(|t| t.name == p.table.name));
    Ok(ValidPush {
        last_pulled_at,
        tables,
    })
}

fn parse_id(path: &str, value: &Value) -> Result<RecordId, String> {
    let s = value
        .as_str()
        .ok_or_else(|| format!("{path}: the id must be a string"))?;
    RecordId::parse(s).map_err(|e| format!("{path}: {s:?} is not a valid id ({e})"))
}

fn parse_record(
    def: &TableDef,
    version: u32,
    path: &str,
    record: &Value,
) -> Result<Upsert, String> {
    let fields = record
        .as_object()
        .ok_or_else(|| format!("{path} must be a record object"))?;
    let id = parse_id(
        &format!("{path}.id"),
        fields.get("id").unwrap_or(&Value::Null),
    )?;
    let mut values = vec![None; def.columns.len()];
    for (key, value) in fields {
        if IGNORED.contains(&key.as_str()) {
            continue;
        }
        // Unknown columns (a newer client's, or a typo) are dropped, as WatermelonDB does.
        let Some(pos) = def
            .columns
            .iter()
            .position(|c| c.name == key && c.since <= version)
        else {
            continue;
        };
        let column = &def.columns[pos];
        let value = to_sql(column.kind, value)
            .map_err(|m| format!("{path} (id {id}): {} must be {}", column.name, m.expected))?;
        values[pos] = Some(value);
    }
    for parent in def.parents {
        let pos = def.columns.iter().position(|c| c.name == parent.column);
        let present = pos.is_some_and(|p| matches!(&values[p], Some(SqlValue::Text(Some(_)))));
        if !present {
            return Err(format!(
                "{path} (id {id}): {} must name its parent in {}",
                parent.column, parent.table
            ));
        }
    }
    Ok(Upsert { id, values })
}

/// `records` (`(table, record)`, in push order) as a push that creates them, from the
/// account as it was at `cursor`, checked like a device's push: how the server itself
/// writes (an import, a restore) through the one push path.
pub fn created_push(
    records: Vec<(&str, Value)>,
    cursor: i64,
) -> Result<ValidPush, crate::store::StoreError> {
    let mut tables = serde_json::Map::new();
    for (table, record) in records {
        let entry = tables
            .entry(table.to_owned())
            .or_insert_with(|| json!({ "created": [], "updated": [], "deleted": [] }));
        if let Some(Value::Array(list)) = entry.get_mut("created") {
            list.push(record);
        }
    }
    let body = json!({ "lastPulledAt": cursor, "changes": tables });
    parse_push(&body, SCHEMA_VERSION).map_err(|e| crate::store::StoreError::Invalid(e.message))
}

pub fn parse_pull_query(
    last_pulled_at: Option<&str>,
    schema_version: Option<&str>,
    migration: Option<&str>,
) -> Result<PullQuery, String> {
    let last_pulled_at =
        match last_pulled_at.map(str::trim) {
            None | Some("" | "0" | "null" | "undefined") => None,
            Some(s) => Some(s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                format!("lastPulledAt must be a number of milliseconds, not {s:?}")
            })?)
            .filter(|n| *n > 0),
        };
    let schema_version = parse_schema_version(schema_version)?;
    let migrated_from = parse_migration(migration)?.filter(|from| *from < schema_version);
    Ok(PullQuery {
        last_pulled_at,
        schema_version,
        migrated_from,
    })
}

/// WatermelonDB sends `migration` as JSON: `null`, or `{"from": n, "tables": […],
/// "columns": [{"table", "columns"}]}`. Only `from` matters: this server knows what each
/// version added, so the lists are not trusted to be complete.
fn parse_migration(raw: Option<&str>) -> Result<Option<u32>, String> {
    let raw = match raw.map(str::trim) {
        None | Some("" | "null" | "undefined") => return Ok(None),
        Some(s) => s,
    };
    let value: Value = serde_json::from_str(raw)
        .map_err(|e| format!("migration must be JSON (null or an object with from): {e}"))?;
    match value {
        Value::Null => Ok(None),
        Value::Object(fields) => fields
            .get("from")
            .and_then(Value::as_u64)
            .filter(|v| (1..=u64::from(u32::MAX)).contains(v))
            .map(|v| Some(v as u32))
            .ok_or_else(|| "migration.from must be the schema version last pulled with".into()),
        _ => Err("migration must be null or an object with from".into()),
    }
}

/// A missing version means the first one; a newer one than ours is refused.
pub fn parse_schema_version(raw: Option<&str>) -> Result<u32, String> {
    let version = match raw.map(str::trim) {
        None | Some("" | "null") => 1,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| format!("schemaVersion must be a positive integer, not {s:?}"))?,
    };
    if version > SCHEMA_VERSION {
        return Err(format!(
            "schemaVersion {version} is newer than this server's {SCHEMA_VERSION}; update the server"
        ));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(body: Value) -> String {
        parse_push(&body, SCHEMA_VERSION).unwrap_err().message
    }

    #[test]
    fn a_refused_record_is_located() {
        let body = json!({ "changes": {
            "routines": { "created": [{ "id": "ok" }, { "id": "r2", "title": 5 }] },
        } });
        let e = parse_push(&body, SCHEMA_VERSION).unwrap_err();
        assert_eq!(
            e.record,
            Some(RefusedRecord {
                table: "routines".into(),
                list: "created".into(),
                index: 1,
                id: Some("r2".into())
            })
        );
        let body = json!({ "changes": { "routines": { "deleted": ["ok", "not an id"] } } });
        let e = parse_push(&body, SCHEMA_VERSION).unwrap_err();
        assert_eq!(e.record.map(|r| (r.index, r.id)), Some((1, None)));
        let e = parse_push(&json!({ "changes": { "nope": {} } }), SCHEMA_VERSION).unwrap_err();
        assert_eq!(e.record, None);
    }

    #[test]
    fn accepts_a_watermelon_push_and_orders_tables_parents_first() {
        let push = parse_push(
            &json!({
                "lastPulledAt": 1700000000000_i64,
                "changes": {
                    "workout_exercise": { "created": [{ "id": "we1", "workout_id": "w1", "order": 1, "_status": "created", "_changed": "" }], "updated": [], "deleted": [] },
                    "workouts": { "created": [{ "id": "w1", "title": "Push day", "unknown_col": 3 }], "updated": [], "deleted": ["w0"] },
                }
            }),
            SCHEMA_VERSION,
        )
        .unwrap();
        assert_eq!(push.last_pulled_at, 1700000000000);
        let names: Vec<_> = push.tables.iter().map(|t| t.table.name).collect();
        assert_eq!(names, ["workouts", "workout_exercise"]);
        let w = &push.tables[0].upserts[0];
        assert_eq!(w.values[0], Some(SqlValue::text("Push day")));
        assert_eq!(w.values[1], None, "notes was not sent");
        assert_eq!(push.tables[0].deletes[0].as_str(), "w0");
    }

    #[test]
    fn refusals_say_what_and_where() {
        let cases = [
            (json!([]), "JSON object"),
            (json!({ "changes": 3 }), "changes must be an object"),
            (
                json!({ "lastPulledAt": "yesterday", "changes": {} }),
                "lastPulledAt",
            ),
            (
                json!({ "changes": { "nope": {} } }),
                "changes.nope: unknown table",
            ),
            (
                json!({ "changes": { "routines": { "created": {} } } }),
                "changes.routines.created must be an array",
            ),
            (
                json!({ "changes": { "routines": { "created": [{ "title": "x" }] } } }),
                "changes.routines.created[0].id",
            ),
            (
                json!({ "changes": { "routines": { "created": [{ "id": "a b" }] } } }),
                "not a valid id",
            ),
            (
                json!({ "changes": { "routines": { "updated": [{ "id": "r1", "title": 5 }] } } }),
                "changes.routines.updated[0] (id r1): title must be a string or null",
            ),
            (
                json!({ "changes": { "log_exercise_sets": { "created": [{ "id": "s1", "log_exercise_id": "le", "reps": 8.5 }] } } }),
                "reps must be an integer",
            ),
            (
                json!({ "changes": { "routines": { "deleted": [7] } } }),
                "changes.routines.deleted[0]: the id must be a string",
            ),
            (
                json!({ "changes": { "routines": { "removed": [] } } }),
                "expected created, updated or deleted",
            ),
            (
                json!({ "changes": { "workout_exercise": { "created": [{ "id": "we" }] } } }),
                "workout_id must name its parent",
            ),
            (
                json!({ "changes": { "routines": { "created": [{ "id": "r" }], "deleted": ["r"] } } }),
                "appears twice",
            ),
        ];
        for (body, needle) in cases {
            let message = err(body.clone());
            assert!(message.contains(needle), "{body}: {message}");
        }
    }

    #[test]
    fn pull_query_forms() {
        for first in [None, Some("0"), Some("null"), Some("")] {
            assert_eq!(
                parse_pull_query(first, Some("1"), None)
                    .unwrap()
                    .last_pulled_at,
                None
            );
        }
        assert_eq!(
            parse_pull_query(Some("42"), None, None)
                .unwrap()
                .last_pulled_at,
            Some(42)
        );
        assert!(parse_pull_query(Some("-1"), None, None).is_err());
        assert!(parse_pull_query(Some("abc"), None, None).is_err());
        let newer = (SCHEMA_VERSION + 1).to_string();
        assert!(parse_pull_query(None, Some(&newer), None)
            .unwrap_err()
            .contains("newer"));
        assert!(parse_pull_query(None, Some("0"), None).is_err());
    }

    #[test]
    fn migration_forms() {
        let from = |m: Option<&str>, v: &str| {
            parse_pull_query(Some("42"), Some(v), m).map(|q| q.migrated_from)
        };
        for none in [None, Some("null"), Some(""), Some("undefined")] {
            assert_eq!(from(none, "2"), Ok(None));
        }
        let wm = r#"{"from":1,"tables":[],"columns":[{"table":"custom_exercises","columns":["tracking"]}]}"#;
        assert_eq!(from(Some(wm), "2"), Ok(Some(1)));
        // Nothing to migrate when the client is not newer than what it last pulled with.
        assert_eq!(from(Some(r#"{"from":2}"#), "2"), Ok(None));
        for bad in ["{", "[]", "{}", r#"{"from":0}"#, r#"{"from":"1"}"#] {
            let message = from(Some(bad), "2").unwrap_err();
            assert!(message.contains("migration"), "{bad}: {message}");
        }
    }
}
