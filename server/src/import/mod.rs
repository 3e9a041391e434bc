//! Importing other apps' exports (Strong, Hevy, FitNotes CSV) and our own JSON export into
//! a user's history, and exporting it again (DESIGN.md §7.3).
//!
//! An import is turned into ordinary sync records and written through the same push
//! path as every device's changes — one transaction, the same change log — so every
//! device receives it by pull. Record ids derive from the user and each session's
//! identity in the file (its start as written and its title), so importing a file twice,
//! or a newer export of the same account, adds only the sessions that are new.

pub mod export;
pub use measurements::csv as measurements_csv;
mod json;
mod measurements;
mod names;
mod options;
mod read;
mod values;

use crate::store::{Freshness, Store, StoreError};
use crate::validate::created_push;
use app::model::{LibraryExercise, WeightUnit};
use chrono::{NaiveDateTime, TimeZone};
use names::{Match, Matcher};
use read::{DistUnit, ReadFile};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap, HashSet};

pub use app::import::{Format, Report, Warning};
pub use options::{ImportError, Options};

/// Sessions per push batch: a batch's records are built, written and dropped before the
/// next, so memory holds the parsed file and one batch, not every record at once.
const SESSIONS_PER_BATCH: usize = 25;

/// Imports `bytes` for `user_id` (or only reports what it would do, on a dry run).
pub async fn import(
    store: &dyn Store,
    library: &[LibraryExercise],
    user_id: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Report, ImportError> {
    let trimmed = bytes.trim_ascii_start();
    let is_json = trimmed.starts_with(b"{");
    match (options.format, is_json) {
        (Some(Format::Json), false) => {
            return Err(ImportError::Invalid(
                "format=json was asked for, but the file is not JSON".into(),
            ))
        }
        (Some(wanted), true) if wanted != Format::Json => {
            return Err(ImportError::WrongFormat {
                wanted,
                found: Format::Json,
            })
        }
        _ => {}
    }
    if is_json {
        return json::import(store, user_id, trimmed, options).await;
    }
    if trimmed.is_empty() {
        return Err(ImportError::Empty);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    if measurements::is_measurements(&String::from_utf8_lossy(first_line)) {
        return measurements::import(store, user_id, bytes, options).await;
    }
    let file = read::read_csv(bytes, options.format)?;
    import_sessions(store, library, user_id, file, options).await
}

/// A record id from the user and what the record is in the file: 32 hex digits.
fn derived_id(user_id: &str, parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    hash.update(user_id.as_bytes());
    for part in parts {
        hash.update([0u8]);
        hash.update(part.as_bytes());
    }
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Milliseconds of a local time in `zone` (the earlier instant when the clock was turned
/// back, the hour after when it sprang forward).
fn epoch_ms(zone: chrono_tz::Tz, local: NaiveDateTime) -> i64 {
    let utc = local.and_utc().timestamp_millis();
    match zone.from_local_datetime(&local).earliest() {
        Some(t) => t.timestamp_millis(),
        None => local
            .checked_add_signed(chrono::Duration::hours(1))
            .and_then(|later| zone.from_local_datetime(&later).earliest())
            .map_or(utc, |t| t.timestamp_millis()),
    }
}

/// Whether weights look like pounds: plate math in pounds makes 45/135/225/315 (ends in
/// 5, whole), kilograms makes 2.5 steps and round tens.
fn guess_unit(file: &ReadFile) -> Option<&'static str> {
    let (mut lb, mut kg) = (0usize, 0usize);
    for set in file.sets() {
        let Some(w) = set.weight.filter(|w| *w > 0.0) else {
            continue;
        };
        let whole = (w - w.round()).abs() < 1e-9;
        if whole && (w.round() as i64) % 10 == 5 && w >= 25.0 {
            lb += 1;
        } else if !whole && ((w * 2.0) - (w * 2.0).round()).abs() < 1e-9 {
            kg += 1;
        } else if w >= 300.0 {
            lb += 1;
        }
    }
    match (lb, kg) {
        (0, 0) => None,
        (lb, kg) if lb > kg => Some("lb"),
        _ => Some("kg"),
    }
}

/// Rounds away float noise of unit conversions (`2.2679618500000003`).
fn clean(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

async fn import_sessions(
    store: &dyn Store,
    library: &[LibraryExercise],
    user_id: &str,
    file: ReadFile,
    options: &Options,
) -> Result<Report, ImportError> {
    let format = file.format.unwrap_or(Format::Strong);
    // What the account holds as of now: the import writes under the normal conflict rule
    // from here, so anything the user changes meanwhile is never overwritten (409).
    let cursor = store.change_stamp(user_id, Freshness::Latest).await?;
    let custom_rows = store.records(user_id, &["custom_exercises"]).await?;
    let custom: Vec<(String, String)> = custom_rows
        .get("custom_exercises")
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let id = r.get("id")?.as_str()?.to_owned();
            let name = r.get("name")?.as_str()?.to_owned();
            Some((id, name))
        })
        .collect();
    let matcher = Matcher::new(library, &custom);

    // Each distinct name once: matched, or a custom exercise made for it.
    let mut resolved: HashMap<&str, String> = HashMap::new();
    let mut new_exercises: Vec<(String, String, Option<String>)> = Vec::new();
    let mut new_ids: HashSet<String> = HashSet::new();
    let mut matched: BTreeSet<String> = BTreeSet::new();
    for block in file.sessions.iter().flat_map(|s| &s.blocks) {
        if resolved.contains_key(block.exercise.as_str()) {
            continue;
        }
        let id = match matcher.resolve(&block.exercise) {
            Match::Known(id) => {
                matched.insert(id.clone());
                id
            }
            Match::New => {
                let key: Vec<String> = names::key(&block.exercise).into_iter().collect();
                let id = derived_id(user_id, &["exercise", &key.join(" ")]);
                if new_ids.insert(id.clone()) {
                    new_exercises.push((
                        id.clone(),
                        block.exercise.clone(),
                        block.category.clone(),
                    ));
                }
                id
            }
        };
        resolved.insert(block.exercise.as_str(), id);
    }

    let log_ids: Vec<String> = file
        .sessions
        .iter()
        .map(|s| derived_id(user_id, &["log", &s.identity]))
        .collect();
    // Sessions the account has, or had and deleted, are not written again; nor are
    // exercises an earlier import made (the user may have renamed or deleted them).
    let existing = store
        .known_ids(
            user_id,
            "logs",
            &log_ids.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await?;
    let had = {
        let ids: Vec<&str> = new_exercises.iter().map(|(id, _, _)| id.as_str()).collect();
        store.known_ids(user_id, "custom_exercises", &ids).await?
    };
    new_exercises.retain(|(id, _, _)| !had.contains(id));
    new_ids.retain(|id| !had.contains(id));
    let stated = file.stated_unit;
    let unit = stated.or(options.unit);
    let needs_unit = file
        .sets()
        .any(|s| s.weight.is_some_and(|w| w != 0.0) && s.weight_unit.is_none());
    let adopt = match unit {
        Some(unit) => adopted_unit(store, user_id, unit).await?,
        None => None,
    };
    let first = file.sessions.iter().map(|s| s.start).min();
    let last = file.sessions.iter().map(|s| s.start).max();
    let day = |d: Option<NaiveDateTime>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let report = Report {
        format,
        dry_run: options.dry_run,
        sessions: file.sessions.len(),
        sets: file.sets().count(),
        new_sessions: log_ids.iter().filter(|id| !existing.contains(*id)).count(),
        skipped_duplicates: log_ids.iter().filter(|id| existing.contains(*id)).count(),
        exercises_matched: matched.len(),
        exercises_created: new_exercises.len(),
        new_exercises: new_exercises.iter().map(|(_, n, _)| n.clone()).collect(),
        first_date: day(first),
        last_date: day(last),
        unit: unit.map(|u| u.label().to_owned()),
        unit_guess: if unit.is_none() {
            guess_unit(&file).map(str::to_owned)
        } else {
            None
        },
        warnings: file.warnings.clone(),
        unit_adopted: adopt
            .as_ref()
            .map(|_| unit.unwrap_or_default().label().to_owned()),
        measurements: 0,
        new_measurements: 0,
    };
    if options.dry_run {
        return Ok(report);
    }
    if needs_unit && unit.is_none() {
        return Err(ImportError::UnitNeeded);
    }
    let unit = unit.unwrap_or_default();
    let now = crate::store::now_ms();

    // Custom exercises the user does not have yet go first; a tracking kind is guessed
    // from what their sets record.
    let mut first_batch: Vec<(&str, Value)> = Vec::new();
    if let Some(settings) = adopt {
        first_batch.push(("user_settings", settings));
    }
    // What the sets of each new exercise record, in one pass over the file.
    let mut records: HashMap<&str, [bool; 4]> = HashMap::new();
    for block in file.sessions.iter().flat_map(|s| &s.blocks) {
        let Some(id) = resolved.get(block.exercise.as_str()) else {
            continue;
        };
        if !new_ids.contains(id) {
            continue;
        }
        let seen = records.entry(id.as_str()).or_default();
        for set in &block.sets {
            seen[0] |= set.distance.is_some();
            seen[1] |= set.weight.is_some_and(|w| w > 0.0);
            seen[2] |= set.reps.is_some_and(|r| r > 0);
            seen[3] |= set.seconds.is_some();
        }
    }
    for (id, name, category) in &new_exercises {
        let tracking = match records.get(id.as_str()).copied().unwrap_or_default() {
            [true, ..] => "distance_duration",
            [_, true, ..] => "weight_reps",
            [_, _, true, _] => "reps",
            [_, _, _, true] => "duration",
            _ => "weight_reps",
        };
        first_batch.push((
            "custom_exercises",
            json!({
                "id": id, "name": name, "category": names::category_of(category.as_deref()),
                "equipment": names::equipment_of(name), "primary_muscle": "other",
                "created_at": now, "updated_at": now, "tracking": tracking,
            }),
        ));
    }

    let fresh: Vec<usize> = (0..file.sessions.len())
        .filter(|i| !existing.contains(&log_ids[*i]))
        .collect();
    // Built one batch at a time as the store asks for them.
    let exercises = (!first_batch.is_empty()).then(|| created_push(first_batch, cursor));
    let sessions = fresh.chunks(SESSIONS_PER_BATCH).map(|chunk| {
        let mut records = Vec::new();
        for &i in chunk {
            let session = &file.sessions[i];
            session_records(
                session,
                &log_ids[i],
                &resolved,
                unit,
                options.zone,
                now,
                &mut records,
            );
        }
        created_push(records, cursor)
    });
    let mut batches = exercises.into_iter().chain(sessions);
    store.import(user_id, &mut batches).await?;
    Ok(report)
}

/// The user's settings record showing weights in `unit`, when the import should change it:
/// the account shows another unit and has no history yet (a new account's first import),
/// so the file's years of training show as the lifter wrote them (315 lb, not 142.88 kg;
/// distances in miles beside pounds, kilometres beside kilograms).
/// An account with sessions, logged or imported, keeps its choice.
async fn adopted_unit(
    store: &dyn Store,
    user_id: &str,
    unit: WeightUnit,
) -> Result<Option<Value>, StoreError> {
    let records = store.records(user_id, &["user_settings"]).await?;
    let Some(settings) = records
        .get("user_settings")
        .and_then(|list| list.iter().min_by(|a, b| id_of(a).cmp(id_of(b))))
    else {
        return Ok(None);
    };
    let current = WeightUnit::parse(settings.get("weight_unit").and_then(Value::as_str));
    if current == unit {
        return Ok(None);
    }
    // Only when the units differ: the account's sessions are read to see whether it has any.
    let logs = store.records(user_id, &["logs"]).await?;
    if logs.get("logs").is_some_and(|list| !list.is_empty()) {
        return Ok(None);
    }
    let mut changed = settings.clone();
    changed.insert("weight_unit".into(), json!(unit.label()));
    // Distances follow, as the import reads a file's unstated distances: miles in a pound
    // file, kilometres in a kilogram one (and as the Strong export writes them back).
    let distance = match unit {
        WeightUnit::Kg => "km",
        WeightUnit::Lb => "mi",
    };
    changed.insert("distance_unit".into(), json!(distance));
    changed.insert("updated_at".into(), json!(crate::store::now_ms()));
    Ok(Some(Value::Object(changed)))
}

fn id_of(record: &app::model::wire::WireRecord) -> &str {
    record.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// The records of one session: the log, its exercises (one per block) and their sets.
#[allow(clippy::too_many_arguments)]
fn session_records(
    session: &read::ReadSession,
    log_id: &str,
    resolved: &HashMap<&str, String>,
    unit: WeightUnit,
    zone: chrono_tz::Tz,
    now: i64,
    out: &mut Vec<(&'static str, Value)>,
) {
    let start = epoch_ms(zone, session.start);
    out.push((
        "logs",
        json!({
            "id": log_id, "workout_id": null,
            "workout_title": (!session.title.is_empty()).then_some(&session.title),
            "notes": session.notes, "session_date": start, "duration": session.duration,
            "is_imported": true, "imported_at": now, "created_at": start, "updated_at": now,
        }),
    ));
    for (b, block) in session.blocks.iter().enumerate() {
        let le_id = format!("{log_id}-e{b}");
        out.push((
            "log_exercise",
            json!({
                "id": le_id, "log_id": log_id,
                "exercise_id": resolved.get(block.exercise.as_str()),
                "order": b, "notes": block.notes, "superset_group": block.superset,
            }),
        ));
        for (s, set) in block.sets.iter().enumerate() {
            let weight_unit = set.weight_unit.unwrap_or(unit);
            let distance_unit = set.distance_unit.unwrap_or(match unit {
                WeightUnit::Kg => DistUnit::Km,
                WeightUnit::Lb => DistUnit::Mi,
            });
            out.push((
                "log_exercise_sets",
                json!({
                    "id": format!("{le_id}-s{s}"), "log_exercise_id": le_id, "order": s,
                    "set_type": set.set_type.as_str(), "reps": set.reps,
                    "weight": set.weight.map(|w| clean(weight_unit.to_kg(w))),
                    "duration": set.seconds,
                    "distance": set.distance.map(|d| clean(distance_unit.to_m(d))),
                    "rpe": set.rpe.map(|r| (f64::from(r) * 100.0).round() / 100.0),
                    "completed": true, "notes": set.notes.as_deref(),
                }),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_per_user() {
        let a = derived_id("u1", &["log", "2024-01-01 10:00:00|Push"]);
        assert_eq!(a, derived_id("u1", &["log", "2024-01-01 10:00:00|Push"]));
        assert_ne!(a, derived_id("u2", &["log", "2024-01-01 10:00:00|Push"]));
        assert_eq!(a.len(), 32);
        assert!(app::model::RecordId::parse(&a).is_ok());
    }

    #[test]
    fn local_times_in_the_phone_zone() {
        let dt = values::date_time("2024-03-31 02:30:00").unwrap();
        // Berlin skipped 02:00–03:00 that night: the hour after.
        let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(epoch_ms(berlin, dt), 1_711_848_600_000);
        assert_eq!(epoch_ms(chrono_tz::UTC, dt), 1_711_852_200_000);
    }
}
