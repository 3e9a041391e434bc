//! Body measurements in and out as CSV: Hevy's measurement export (one row per day,
//! `date,weight_kg,fat_percent,neck_cm,…,left_bicep_cm,right_bicep_cm,…`) and our own
//! (`GET /api/export?format=measurements`), which the import reads back.
//!
//! Each header names a measure and its unit (`weight_kg`, `waist_in`, `fat_percent`);
//! left and right sides are averaged into our one arm, thigh and calf; what our table has
//! no column for (shoulders, forearms, abdomen) is kept in the entry's notes, so nothing
//! in the file is lost. Strong's CSV export carries no measurements.

use super::export::{decimals, local_time};
use super::options::{ImportError, Options};
use super::values::{date_time, number, shorten};
use super::{clean, derived_id, epoch_ms, Format, Report, Warning};
use crate::store::{Freshness, Store, StoreError};
use crate::validate::created_push;
use app::local::{query_snapshot, Snapshot};
use app::model::measures::Kind;
use app::model::records::BodyMeasurement;
use app::model::{Measure, Record, WeightUnit};
use serde_json::{json, Map, Value};

/// Records per push batch.
const PER_BATCH: usize = 500;

/// What a header cell says: which measure (or another part of the body, for the notes),
/// in which unit.
#[derive(Debug, Clone, PartialEq)]
enum Col {
    Date,
    Notes,
    /// A measure of ours, in the unit its header names (`WeightUnit::Lb` for pounds and
    /// inches); sides are averaged.
    Ours(Measure, WeightUnit),
    /// A part we have no column for, with its label and unit as written.
    Other(String, &'static str),
    Ignored,
}

fn column(header: &str) -> Col {
    let h = header.trim().trim_matches('"').to_lowercase();
    match h.as_str() {
        "date" | "measured_at" | "time" => return Col::Date,
        "notes" | "note" => return Col::Notes,
        _ => {}
    }
    let (base, unit) = match h.rsplit_once('_') {
        Some((b, u @ ("kg" | "lb" | "lbs" | "cm" | "in" | "percent" | "pct"))) => (b, u),
        _ => (h.as_str(), ""),
    };
    let base = base
        .trim_start_matches("left_")
        .trim_start_matches("right_");
    let ours = |m: Measure| {
        let imperial = matches!(
            (m.kind(), unit),
            (Kind::Weight, "lb" | "lbs") | (Kind::Tape, "in")
        );
        Col::Ours(
            m,
            if imperial {
                WeightUnit::Lb
            } else {
                WeightUnit::Kg
            },
        )
    };
    match base {
        "weight" | "bodyweight" | "body_weight" => ours(Measure::Bodyweight),
        "fat" | "body_fat" | "bodyfat" => ours(Measure::BodyFat),
        "neck" => ours(Measure::Neck),
        "chest" => ours(Measure::Chest),
        "waist" => ours(Measure::Waist),
        "hips" | "hip" => ours(Measure::Hips),
        "bicep" | "biceps" | "arm" | "arms" => ours(Measure::Arm),
        "thigh" | "thighs" | "quad" => ours(Measure::Thigh),
        "calf" | "calves" => ours(Measure::Calf),
        "shoulder" | "shoulders" | "forearm" | "abdomen" | "lean_mass" => {
            let label = h.trim_end_matches(&format!("_{unit}")).replace('_', " ");
            let shown = match unit {
                "kg" => "kg",
                "lb" | "lbs" => "lb",
                "in" => "in",
                _ => "cm",
            };
            Col::Other(label, shown)
        }
        _ => Col::Ignored,
    }
}

/// Whether a CSV's first line is a measurement export's header: a date and at least one
/// measure, and no exercise (a workout export has a weight column too).
pub fn is_measurements(first_line: &str) -> bool {
    let cols: Vec<Col> = first_line.split([',', ';', '\t']).map(column).collect();
    let lower = first_line.to_lowercase();
    cols.contains(&Col::Date)
        && cols.iter().any(|c| matches!(c, Col::Ours(..)))
        && !lower.contains("exercise")
}

/// One row read.
struct Row {
    when: chrono::NaiveDateTime,
    values: Vec<(Measure, f64)>,
    notes: String,
}

/// Reads the file into rows, and warnings for what could not be read.
fn read(bytes: &[u8]) -> Result<(Vec<Row>, Vec<Warning>, bool), ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = super::read::delimiter(&String::from_utf8_lossy(first));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).unwrap_or(false) {
        return Err(ImportError::Empty);
    }
    let columns: Vec<Col> = record.iter().map(column).collect();
    // Hevy's export writes sides; ours writes one arm, thigh and calf, and notes.
    let ours = columns.contains(&Col::Notes);
    let (mut rows, mut warnings) = (Vec::new(), Vec::new());
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                warnings.push(Warning {
                    line,
                    message: format!("cannot be read as CSV: {e}"),
                });
                break;
            }
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut warn = |message: String| warnings.push(Warning { line, message });
        let mut when = None;
        let mut sums: Vec<(Measure, f64, u32)> = Vec::new();
        let (mut notes, mut others) = (String::new(), Vec::new());
        for (col, cell) in columns.iter().zip(record.iter()) {
            match col {
                Col::Date => match date_time(cell) {
                    Ok(d) => when = Some(d),
                    Err(e) => warn(format!("date: {e}")),
                },
                Col::Notes => notes = cell.trim().to_owned(),
                Col::Ours(m, unit) => match number(cell) {
                    // Hevy writes 0 for a measure not taken.
                    Ok(Some(v)) if v > 0.0 => {
                        let v = m.to_stored(v, *unit);
                        match sums.iter_mut().find(|s| s.0 == *m) {
                            Some(s) => {
                                s.1 += v;
                                s.2 += 1;
                            }
                            None => sums.push((*m, v, 1)),
                        }
                    }
                    Ok(_) => {}
                    Err(e) => warn(format!("{}: {e}", m.label().to_lowercase())),
                },
                Col::Other(label, unit) => {
                    if let Ok(Some(v)) = number(cell) {
                        if v > 0.0 {
                            others.push(format!("{label} {} {unit}", shorten(cell)));
                        }
                    }
                }
                Col::Ignored => {}
            }
        }
        let Some(when) = when else {
            warn("the row has no date: skipped".into());
            continue;
        };
        let mut values = Vec::new();
        for (m, sum, n) in sums {
            // A value no body has is named with the range in kilograms and centimetres.
            match m.checked(sum / f64::from(n), WeightUnit::Kg) {
                Ok(stored) => values.push((m, clean(stored))),
                Err(e) => warn(format!("{e}: {} left out", m.label().to_lowercase())),
            }
        }
        if !others.is_empty() {
            let extra = others.join(" · ");
            notes = if notes.is_empty() {
                extra
            } else {
                format!("{notes} · {extra}")
            };
        }
        if values.is_empty() && notes.is_empty() {
            warn("the row measures nothing: skipped".into());
            continue;
        }
        values.sort_by_key(|(m, _)| *m);
        rows.push(Row {
            when,
            values,
            notes,
        });
    }
    Ok((rows, warnings, ours))
}

/// Imports a measurement CSV for `user_id`. Entries are identified by their date and
/// time as written, so importing a file again (or a newer export) adds only new days.
pub async fn import(
    store: &dyn Store,
    user_id: &str,
    bytes: &[u8],
    options: &Options,
) -> Result<Report, ImportError> {
    let (rows, warnings, ours) = read(bytes)?;
    let format = if ours { Format::Json } else { Format::Hevy };
    if let Some(wanted) = options.format.filter(|w| *w != format) {
        return Err(ImportError::WrongFormat {
            wanted,
            found: format,
        });
    }
    let cursor = store.change_stamp(user_id, Freshness::Latest).await?;
    let ids: Vec<String> = rows
        .iter()
        .map(|r| {
            let key = r.when.format("%Y-%m-%d %H:%M:%S").to_string();
            derived_id(user_id, &["measurement", &key])
        })
        .collect();
    let existing = store
        .known_ids(
            user_id,
            BodyMeasurement::TABLE,
            &ids.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .await?;
    let day = |d: Option<&chrono::NaiveDateTime>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let fresh: Vec<usize> = (0..rows.len())
        .filter(|i| !existing.contains(&ids[*i]))
        .collect();
    let report = Report {
        format,
        dry_run: options.dry_run,
        sessions: 0,
        sets: 0,
        new_sessions: 0,
        skipped_duplicates: rows.len() - fresh.len(),
        exercises_matched: 0,
        exercises_created: 0,
        new_exercises: Vec::new(),
        first_date: day(rows.iter().map(|r| &r.when).min()),
        last_date: day(rows.iter().map(|r| &r.when).max()),
        unit: Some("kg".into()),
        unit_guess: None,
        warnings,
        unit_adopted: None,
        measurements: rows.len(),
        new_measurements: fresh.len(),
    };
    if options.dry_run || fresh.is_empty() {
        return Ok(report);
    }
    let now = crate::store::now_ms();
    let mut batches = fresh.chunks(PER_BATCH).map(|chunk| {
        let records = chunk
            .iter()
            .map(|&i| {
                let r = &rows[i];
                let mut record = Map::new();
                record.insert("id".into(), json!(ids[i]));
                record.insert("measured_at".into(), json!(epoch_ms(options.zone, r.when)));
                for (m, v) in &r.values {
                    record.insert(m.key().into(), json!(v));
                }
                record.insert("notes".into(), json!(r.notes));
                record.insert("created_at".into(), json!(now));
                record.insert("updated_at".into(), json!(now));
                (BodyMeasurement::TABLE, Value::Object(record))
            })
            .collect();
        created_push(records, cursor)
    });
    store.import(user_id, &mut batches).await?;
    Ok(report)
}

/// The export's header: kilograms, percent and centimetres whatever the user's unit (as
/// Hevy's export writes them), local times of `zone`.
const HEADER: [&str; 11] = [
    "date",
    "weight_kg",
    "fat_percent",
    "neck_cm",
    "chest_cm",
    "waist_cm",
    "hips_cm",
    "arm_cm",
    "thigh_cm",
    "calf_cm",
    "notes",
];

/// The user's measurements as CSV, oldest first.
pub async fn csv(
    store: &dyn Store,
    user_id: &str,
    zone: chrono_tz::Tz,
    freshness: Freshness,
) -> Result<Vec<u8>, StoreError> {
    let (_, tables) = store
        .records_stamped(user_id, &[BodyMeasurement::TABLE], freshness)
        .await?;
    query_snapshot(&Snapshot { tables }, |q| {
        let mut all: Vec<&BodyMeasurement> = q.all::<BodyMeasurement>().collect();
        all.sort_by(|a, b| a.measured_at.cmp(&b.measured_at).then(a.id.cmp(&b.id)));
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(HEADER)?;
        for r in all {
            let mut cells = vec![local_time(zone, r.measured_at.unwrap_or_default())];
            for m in Measure::ALL {
                cells.push(
                    m.of(r)
                        .map(|v| decimals(m.show_exact(v, WeightUnit::Kg), 4))
                        .unwrap_or_default(),
                );
            }
            cells.push(r.notes.clone().unwrap_or_default());
            out.write_record(&cells)?;
        }
        out.into_inner().map_err(|e| e.into_error().into())
    })
    .map_err(|e: csv::Error| StoreError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEVY: &str = "date,weight_kg,fat_percent,neck_cm,shoulder_cm,chest_cm,left_bicep_cm,\
right_bicep_cm,left_forearm_cm,right_forearm_cm,abdomen_cm,waist_cm,hips_cm,left_thigh_cm,\
right_thigh_cm,left_calf_cm,right_calf_cm\n\
\"15 Jan 2024, 08:00\",82.4,15.5,,120,,36,37,,,88,84,,,,,\n\
2024-01-22,81.9,,,,,,,,,,,,,,,\n\
2024-01-29,0,,,,,,,,,,,,,,,\n\
2024-02-05,8000,,,,,,,,,,,,,,,\n";

    #[test]
    fn hevy_headers_are_recognised_and_workout_exports_are_not() {
        assert!(is_measurements(HEVY.lines().next().unwrap()));
        assert!(is_measurements(&HEADER.join(",")));
        assert!(!is_measurements(
            "Date,Workout Name,Exercise Name,Set Order,Weight,Reps"
        ));
        assert!(!is_measurements(
            "title,start_time,end_time,exercise_title,weight_kg"
        ));
    }

    #[test]
    fn hevys_rows_become_entries_and_nothing_is_lost_or_invented() {
        let (rows, warnings, ours) = read(HEVY.as_bytes()).unwrap();
        assert!(!ours);
        assert_eq!(
            rows.len(),
            2,
            "the all-zero row and the impossible one are skipped"
        );
        assert_eq!(
            rows[0].values,
            [
                (Measure::Bodyweight, 82.4),
                (Measure::BodyFat, 15.5),
                (Measure::Waist, 0.84),
                (Measure::Arm, 0.365),
            ]
        );
        assert_eq!(rows[0].notes, "shoulder 120 cm · abdomen 88 cm");
        assert_eq!(
            rows[0].when.format("%Y-%m-%d %H:%M").to_string(),
            "2024-01-15 08:00"
        );
        assert_eq!(rows[1].values, [(Measure::Bodyweight, 81.9)]);
        let lines: Vec<(usize, &str)> = warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (4, "the row measures nothing: skipped"),
                (
                    5,
                    "Bodyweight must be between 20 and 400 kg: bodyweight left out"
                ),
                (5, "the row measures nothing: skipped"),
            ]
        );
    }
}
