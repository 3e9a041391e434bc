//! Exports: Strong's iOS CSV (12 columns, which Strong, Hevy and most trackers import) and
//! our own JSON (every record of the user, re-importable with `POST /api/import`).

use super::json::MARKER;
use crate::store::record::WireRecord;
use crate::store::{Store, StoreError};
use app::model::records::{CustomExercise, Log, LogExercise, LogExerciseSet, UserSettings};
use app::model::{
    DistanceUnit, LibraryExercise, Record, SetType, WeightUnit, SCHEMA_VERSION, TABLES,
};
use chrono::TimeZone;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Every record of the user, by table, with the schema version they are of.
pub async fn json_export(store: &dyn Store, user_id: &str) -> Result<Vec<u8>, StoreError> {
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    let tables = store.records(user_id, &names).await?;
    let doc = json!({
        "format": MARKER,
        "schema_version": SCHEMA_VERSION,
        "exported_at": crate::store::now_ms(),
        "tables": tables,
    });
    serde_json::to_vec_pretty(&doc).map_err(|e| StoreError::Config(e.to_string()))
}

/// A number as Strong writes it: no trailing zeros, at most four decimals.
fn plain(v: f64) -> String {
    decimals(v, 4)
}

/// `v` with at most `places` decimals and no trailing zeros.
fn decimals(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// Seconds as Strong writes a workout's duration (`1h 5m`), with seconds kept when there
/// are any so a round trip loses nothing.
fn strong_duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

fn typed<R: Record>(tables: &BTreeMap<String, Vec<WireRecord>>) -> Vec<R> {
    tables
        .get(R::TABLE)
        .into_iter()
        .flatten()
        .map(R::from_wire)
        .collect()
}

/// The user's sessions as Strong's iOS CSV, in the user's weight and distance units and
/// local times of `zone`.
pub async fn strong_csv(
    store: &dyn Store,
    library: &[LibraryExercise],
    user_id: &str,
    zone: chrono_tz::Tz,
) -> Result<Vec<u8>, StoreError> {
    let tables = store
        .records(
            user_id,
            &[
                "user_settings",
                "custom_exercises",
                "logs",
                "log_exercise",
                "log_exercise_sets",
            ],
        )
        .await?;
    let settings: Option<UserSettings> = typed(&tables).into_iter().next();
    let weight_unit = WeightUnit::parse(settings.as_ref().and_then(|s| s.weight_unit.as_deref()));
    let distance_unit =
        DistanceUnit::parse(settings.as_ref().and_then(|s| s.distance_unit.as_deref()));
    let mut names: HashMap<String, String> = library
        .iter()
        .map(|e| (e.id.clone(), e.name.clone()))
        .collect();
    for custom in typed::<CustomExercise>(&tables) {
        names.insert(custom.id.clone(), custom.name.clone().unwrap_or_default());
    }
    let mut logs: Vec<Log> = typed(&tables);
    logs.sort_by_key(|l| (l.session_date.unwrap_or(0), l.id.clone()));
    let mut exercises: HashMap<String, Vec<LogExercise>> = HashMap::new();
    for le in typed::<LogExercise>(&tables) {
        exercises
            .entry(le.log_id.clone().unwrap_or_default())
            .or_default()
            .push(le);
    }
    let mut sets: HashMap<String, Vec<LogExerciseSet>> = HashMap::new();
    for set in typed::<LogExerciseSet>(&tables) {
        sets.entry(set.log_exercise_id.clone().unwrap_or_default())
            .or_default()
            .push(set);
    }
    let order = |o: Option<f64>| o.unwrap_or(0.0);

    let mut out = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| StoreError::Config(e.to_string());
    out.write_record([
        "Date",
        "Workout Name",
        "Duration",
        "Exercise Name",
        "Set Order",
        "Weight",
        "Reps",
        "Distance",
        "Seconds",
        "Notes",
        "Workout Notes",
        "RPE",
    ])
    .map_err(io)?;
    for log in &logs {
        let date = zone
            .timestamp_millis_opt(log.session_date.unwrap_or(0))
            .single()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let title = app::stats::history::title(log);
        let duration = log.duration.map(strong_duration).unwrap_or_default();
        let workout_notes = log.notes.clone().unwrap_or_default();
        let mut blocks = exercises.remove(&log.id).unwrap_or_default();
        blocks.sort_by(|a, b| order(a.order).total_cmp(&order(b.order)));
        for block in &blocks {
            let name = block
                .exercise_id
                .as_ref()
                .and_then(|id| names.get(id))
                .cloned()
                .unwrap_or_else(|| "Unknown exercise".into());
            let mut block_sets = sets.remove(&block.id).unwrap_or_default();
            block_sets.sort_by(|a, b| order(a.order).total_cmp(&order(b.order)));
            let mut number = 0;
            for set in &block_sets {
                let set_order = match SetType::parse(set.set_type.as_deref().unwrap_or("")) {
                    SetType::Normal => {
                        number += 1;
                        number.to_string()
                    }
                    SetType::Warmup => "W".into(),
                    SetType::Drop => "D".into(),
                    SetType::Failure => "F".into(),
                };
                let opt = |v: Option<String>| v.unwrap_or_default();
                out.write_record([
                    date.as_str(),
                    title.as_str(),
                    duration.as_str(),
                    name.as_str(),
                    set_order.as_str(),
                    &opt(set.weight.map(|w| plain(weight_unit.show_exact(w)))),
                    &opt(set.reps.map(|r| r.to_string())),
                    &opt(set
                        .distance
                        .map(|d| decimals(distance_unit.show_exact(d), 6))),
                    &opt(set.duration.map(|s| s.to_string())),
                    &opt(set.notes.clone()),
                    workout_notes.as_str(),
                    &opt(set.rpe.map(plain)),
                ])
                .map_err(io)?;
            }
        }
    }
    out.into_inner()
        .map_err(|e| StoreError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_number_and_duration_forms() {
        assert_eq!(plain(100.0), "100");
        assert_eq!(plain(102.5), "102.5");
        assert_eq!(plain(2.2679618500000003), "2.268");
        assert_eq!(plain(102.058283), "102.0583");
        assert_eq!(strong_duration(3900), "1h 5m");
        assert_eq!(strong_duration(3903), "1h 5m 3s");
        assert_eq!(strong_duration(0), "0s");
        let back = |s: &str| super::super::values::duration(s).unwrap().unwrap();
        assert_eq!(back(&strong_duration(3903)), 3903);
    }
}
