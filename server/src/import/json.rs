//! Re-importing our own JSON export: its records keep their ids (ids are per account, so
//! another account's ids are free to reuse), records the user already has are left alone,
//! and everything else goes through the push validation like any device's records.

use super::options::{ImportError, Options};
use crate::store::{Freshness, Store};
use crate::validate::parse_push;
use app::import::{Format, Report};
use app::model::{TableDef, SCHEMA_VERSION, TABLES};
use chrono::TimeZone;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashSet};

/// What the export writes at its top level to say what it is.
pub const MARKER: &str = "ezlift-export";

fn ids_of(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str))
        .collect()
}

pub async fn import(
    store: &dyn Store,
    user_id: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Report, ImportError> {
    let doc: Value = serde_json::from_slice(bytes)
        .map_err(|e| ImportError::Invalid(format!("the file is not valid JSON: {e}")))?;
    if doc.get("format").and_then(Value::as_str) != Some(MARKER) {
        return Err(ImportError::Invalid(format!(
            "a JSON file must be an EzLift export (\"format\": \"{MARKER}\")"
        )));
    }
    let version = doc
        .get("schema_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| ImportError::Invalid("schema_version must be a number".into()))?;
    if version > u64::from(SCHEMA_VERSION) {
        return Err(ImportError::Invalid(format!(
            "the export is of schema version {version}; this server knows up to {SCHEMA_VERSION}"
        )));
    }
    let tables = doc
        .get("tables")
        .and_then(Value::as_object)
        .ok_or_else(|| ImportError::Invalid("tables must be an object of record lists".into()))?;
    let empty = Vec::new();
    let list = |name: &str| -> Result<&Vec<Value>, ImportError> {
        match tables.get(name) {
            None => Ok(&empty),
            Some(Value::Array(list)) => Ok(list),
            Some(_) => Err(ImportError::Invalid(format!(
                "tables.{name} must be a list"
            ))),
        }
    };
    for name in tables.keys() {
        if !TABLES.iter().any(|t| t.name == name) {
            return Err(ImportError::Invalid(format!(
                "tables.{name}: unknown table"
            )));
        }
    }

    // The user's own settings stay theirs: an export's settings are not imported.
    let imported: Vec<&TableDef> = TABLES
        .iter()
        .filter(|t| t.name != "user_settings")
        .collect();
    // As of now; written under the normal conflict rule (see `import_sessions`).
    let cursor = store.change_stamp(user_id, Freshness::Latest).await?;
    let mut changes = Map::new();
    let mut existing_logs = HashSet::new();
    let mut new_custom: Vec<String> = Vec::new();
    let mut new_measurements = 0;
    for def in &imported {
        let records = list(def.name)?;
        // Records the account has, or had and deleted, are left as they are.
        let have = store.known_ids(user_id, def.name, &ids_of(records)).await?;
        let fresh: Vec<Value> = records
            .iter()
            .filter(|r| {
                r.get("id")
                    .and_then(Value::as_str)
                    .is_none_or(|id| !have.contains(id))
            })
            .cloned()
            .collect();
        match def.name {
            "logs" => existing_logs = have,
            "custom_exercises" => {
                new_custom = fresh
                    .iter()
                    .filter_map(|r| r.get("name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            }
            "body_measurements" => new_measurements = fresh.len(),
            _ => {}
        }
        if !fresh.is_empty() {
            changes.insert(
                def.name.to_owned(),
                json!({ "created": fresh, "updated": [], "deleted": [] }),
            );
        }
    }
    let push = parse_push(
        &json!({ "lastPulledAt": cursor, "changes": changes }),
        version as u32,
    )
    .map_err(|e| ImportError::Invalid(format!("in the export: {}", e.message)))?;

    let logs = list("logs")?;
    let custom_ids: HashSet<&str> = ids_of(list("custom_exercises")?).into_iter().collect();
    let matched: BTreeSet<&str> = list("log_exercise")?
        .iter()
        .filter_map(|r| r.get("exercise_id").and_then(Value::as_str))
        .filter(|id| !custom_ids.contains(id))
        .collect();
    let dates: Vec<i64> = logs
        .iter()
        .filter_map(|r| r.get("session_date").and_then(Value::as_i64))
        .collect();
    let day = |ms: Option<&i64>| {
        ms.and_then(|ms| options.zone.timestamp_millis_opt(*ms).single())
            .map(|t| t.format("%Y-%m-%d").to_string())
    };
    let log_ids = ids_of(logs);
    let report = Report {
        format: Format::Json,
        dry_run: options.dry_run,
        sessions: logs.len(),
        sets: list("log_exercise_sets")?.len(),
        new_sessions: log_ids
            .iter()
            .filter(|id| !existing_logs.contains(**id))
            .count(),
        skipped_duplicates: log_ids
            .iter()
            .filter(|id| existing_logs.contains(**id))
            .count(),
        exercises_matched: matched.len(),
        exercises_created: new_custom.len(),
        new_exercises: new_custom,
        first_date: day(dates.iter().min()),
        last_date: day(dates.iter().max()),
        unit: Some("kg".into()),
        unit_guess: None,
        warnings: Vec::new(),
        // Our export's weights are kilograms, and its settings are not imported.
        unit_adopted: None,
        measurements: list("body_measurements")?.len(),
        new_measurements,
    };
    if !options.dry_run && !push.is_empty() {
        store
            .import(user_id, &mut std::iter::once(Ok(push)))
            .await?;
    }
    Ok(report)
}
