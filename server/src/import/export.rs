//! Exports: Strong's iOS CSV (12 columns, which Strong, Hevy and most trackers import) and
//! our own JSON (every record of the user, re-importable with `POST /api/import`).

use super::json::MARKER;
use crate::store::{Freshness, Store, StoreError};
use app::local::edit::sort_listed;
use app::local::{query_snapshot, Query, Snapshot};
use app::model::records::{LogExercise, LogExerciseSet};
use app::model::tables::{log_exercise, log_exercise_sets};
use app::model::{LibraryExercise, SetType, SCHEMA_VERSION, TABLES};
use app::settings::Settings;
use app::stats::catalog::Catalog;
use chrono::TimeZone;
use serde_json::json;

/// Every record of the user, by table, with the schema version they are of, from a
/// database as fresh as `freshness` (what the browser asking has seen).
pub async fn json_export(
    store: &dyn Store,
    user_id: &str,
    freshness: Freshness,
) -> Result<Vec<u8>, StoreError> {
    let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    let (_, tables) = store.records_stamped(user_id, &names, freshness).await?;
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
pub(super) fn decimals(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// An instant as the exports write it: the local time of `zone`, to the second.
pub(super) fn local_time(zone: chrono_tz::Tz, ms: i64) -> String {
    zone.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
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

/// The user's sessions as Strong's iOS CSV, in the user's weight and distance units and
/// local times of `zone`: read with the same typed queries the pages use (settings,
/// exercise names, sessions by date, entries and sets in list order).
pub async fn strong_csv(
    store: &dyn Store,
    library: &[LibraryExercise],
    user_id: &str,
    zone: chrono_tz::Tz,
    freshness: Freshness,
) -> Result<Vec<u8>, StoreError> {
    let (_, tables) = store
        .records_stamped(
            user_id,
            &[
                "user_settings",
                "custom_exercises",
                "logs",
                "log_exercise",
                "log_exercise_sets",
            ],
            freshness,
        )
        .await?;
    query_snapshot(&Snapshot { tables }, |q| write_strong(q, library, zone))
        .map_err(|e| StoreError::Config(e.to_string()))
}

fn write_strong(
    q: &Query,
    library: &[LibraryExercise],
    zone: chrono_tz::Tz,
) -> Result<Vec<u8>, csv::Error> {
    let settings = Settings::of(q);
    let catalog = Catalog::new(library, q);
    let mut out = csv::Writer::from_writer(Vec::new());
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
    ])?;
    for log in q.logs_by_date(..) {
        let date = local_time(zone, log.session_date.unwrap_or(0));
        let title = app::stats::history::title(log);
        let duration = log.duration.map(strong_duration).unwrap_or_default();
        let workout_notes = log.notes.clone().unwrap_or_default();
        let mut entries = q.find::<LogExercise>(log_exercise::log_id, &log.id);
        sort_listed(&mut entries, |e| (e.order, &e.id));
        for entry in entries {
            let name = entry
                .exercise_id
                .as_deref()
                .map_or_else(|| "Unknown exercise".into(), |id| catalog.name(id));
            let mut sets = q.find::<LogExerciseSet>(log_exercise_sets::log_exercise_id, &entry.id);
            sort_listed(&mut sets, |s| (s.order, &s.id));
            let mut number = 0;
            for set in sets {
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
                    &opt(set
                        .weight
                        .map(|w| plain(settings.weight_unit.show_exact(w)))),
                    &opt(set.reps.map(|r| r.to_string())),
                    &opt(set
                        .distance
                        .map(|d| decimals(settings.distance_unit.show_exact(d), 9))),
                    &opt(set.duration.map(|s| s.to_string())),
                    &opt(set.notes.clone()),
                    workout_notes.as_str(),
                    &opt(set.rpe.map(plain)),
                ])?;
            }
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
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
