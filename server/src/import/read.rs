//! Reads a Strong, Hevy or FitNotes CSV export into sessions, whatever generation of the
//! app wrote it: the header is matched column by column against the names each app has
//! used (English and German, with units in the name or in their own columns), so one
//! reader serves every generation and a reordered or extended header still reads.

use super::options::ImportError;
use super::values::{count, date_time, duration, number, shorten};
use app::import::{Format, Warning};
use app::model::{SetType, WeightUnit};
use chrono::NaiveDateTime;
use std::collections::HashMap;

/// A distance unit as files name it; metres occur in Strong's Android export, yards and
/// feet in FitNotes'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistUnit {
    Km,
    Mi,
    M,
    Yd,
    Ft,
}

impl DistUnit {
    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_lowercase().as_str() {
            "km" | "kms" | "kilometers" | "kilometres" => Some(Self::Km),
            "mi" | "mile" | "miles" => Some(Self::Mi),
            "m" | "meters" | "metres" => Some(Self::M),
            "yd" | "yds" | "yard" | "yards" => Some(Self::Yd),
            "ft" | "feet" | "foot" => Some(Self::Ft),
            _ => None,
        }
    }

    pub fn to_m(self, v: f64) -> f64 {
        match self {
            Self::Km => v * 1000.0,
            Self::Mi => v * 1609.344,
            Self::M => v,
            Self::Yd => v * 0.9144,
            Self::Ft => v * 0.3048,
        }
    }
}

fn weight_unit(s: &str) -> Option<WeightUnit> {
    match s.trim().to_lowercase().as_str() {
        "kg" | "kgs" | "kilograms" => Some(WeightUnit::Kg),
        "lb" | "lbs" | "pounds" => Some(WeightUnit::Lb),
        _ => None,
    }
}

/// What a header cell means.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    Date,
    EndTime,
    Title,
    Duration,
    Exercise,
    SetOrder,
    SetType,
    Weight(Option<WeightUnit>),
    WeightUnit,
    Reps,
    Distance(Option<DistUnit>),
    DistanceUnit,
    Seconds,
    Notes,
    ExerciseNotes,
    WorkoutNotes,
    Rpe,
    Superset,
    Category,
    WorkoutNumber,
}

impl Col {
    /// The column's meaning in a warning.
    fn describe(self) -> &'static str {
        match self {
            Col::Exercise => "exercise name",
            Col::Notes | Col::ExerciseNotes | Col::WorkoutNotes => "note",
            Col::Category => "category",
            Col::Title => "workout name",
            _ => "value",
        }
    }
}

/// A header cell's meaning; `None` for columns we do not use.
fn column(name: &str) -> Option<Col> {
    let n = name.trim().trim_matches('"').trim().to_lowercase();
    let col = match n.as_str() {
        "date" | "datum" | "start_time" => Col::Date,
        "end_time" => Col::EndTime,
        "workout name" | "workout-name" | "workoutname" | "title" => Col::Title,
        "duration" | "dauer" | "duration (sec)" | "duration (s)" | "workout duration" => {
            Col::Duration
        }
        "exercise name" | "name der übung" | "exercise_title" | "exercise" => Col::Exercise,
        "set order" | "reihenfolge festlegen" | "set_index" | "satz" => Col::SetOrder,
        "set_type" | "set type" => Col::SetType,
        "weight" | "gewicht" => Col::Weight(None),
        "kg" | "weight (kg)" | "weight_kg" | "gewicht (kg)" => Col::Weight(Some(WeightUnit::Kg)),
        "lbs" | "weight (lbs)" | "weight (lb)" | "weight_lbs" | "gewicht (lbs)" => {
            Col::Weight(Some(WeightUnit::Lb))
        }
        "weight unit" | "weight_unit" => Col::WeightUnit,
        "reps" | "wiederh." | "wiederholungen" => Col::Reps,
        "distance" | "entfernung" => Col::Distance(None),
        "km" | "distance (km)" | "distance_km" => Col::Distance(Some(DistUnit::Km)),
        "mi" | "distance (mi)" | "distance_miles" => Col::Distance(Some(DistUnit::Mi)),
        "distance (meters)" | "distance (m)" | "distance_meters" => {
            Col::Distance(Some(DistUnit::M))
        }
        "distance unit" | "distance_unit" => Col::DistanceUnit,
        "seconds" | "sekunden" | "duration_seconds" | "time" => Col::Seconds,
        "notes" | "notizen" | "comment" => Col::Notes,
        "exercise_notes" => Col::ExerciseNotes,
        "workout notes" | "workout-notizen" | "description" => Col::WorkoutNotes,
        "rpe" => Col::Rpe,
        "superset_id" => Col::Superset,
        "category" => Col::Category,
        "workout #" => Col::WorkoutNumber,
        _ => return None,
    };
    Some(col)
}

/// One set as read, in the file's units (`None` unit: the file does not say). Kept small
/// (80 bytes): a file's every set is held until it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadSet {
    pub set_type: SetType,
    pub weight_unit: Option<WeightUnit>,
    pub distance_unit: Option<DistUnit>,
    pub weight: Option<f64>,
    pub distance: Option<f64>,
    pub reps: Option<u32>,
    pub seconds: Option<u32>,
    pub rpe: Option<f32>,
    pub notes: Option<Box<str>>,
}

/// An exercise's consecutive sets in a session. The same exercise later in the session
/// is a block of its own, as the lifter did it.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub exercise: String,
    pub category: Option<String>,
    pub notes: Option<String>,
    pub superset: Option<i64>,
    pub sets: Vec<ReadSet>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReadSession {
    /// What identifies the session across exports of the same account: its start as
    /// written and its title. Record ids derive from it.
    pub identity: String,
    pub title: String,
    pub start: NaiveDateTime,
    pub duration: Option<i64>,
    pub notes: Option<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Default)]
pub struct ReadFile {
    pub format: Option<Format>,
    pub sessions: Vec<ReadSession>,
    /// The weight unit the file states (in its header or on its rows), if any.
    pub stated_unit: Option<WeightUnit>,
    pub warnings: Vec<Warning>,
}

/// Most warnings listed; past this they are counted in one last line.
const MAX_WARNINGS: usize = 200;

impl ReadFile {
    fn warn(&mut self, line: usize, message: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning { line, message });
        } else if self.warnings.len() == MAX_WARNINGS {
            self.warnings.push(Warning {
                line,
                message: "more rows could not be read; only the first 200 are listed".into(),
            });
        }
    }

    /// Every set read, session by session.
    pub fn sets(&self) -> impl Iterator<Item = &ReadSet> {
        self.sessions
            .iter()
            .flat_map(|s| &s.blocks)
            .flat_map(|b| &b.sets)
    }
}

/// The separator of a CSV: the one of `,`, `;` and tab that the header line has most of.
pub(super) fn delimiter(first_line: &str) -> u8 {
    let mut best = (b',', 0);
    for d in [b',', b';', b'\t'] {
        let n = first_line.bytes().filter(|b| *b == d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Reads a CSV export. `Err` only when the file is not an export we know; rows that
/// cannot be read become warnings.
pub fn read_csv(bytes: &[u8], wanted: Option<Format>) -> Result<ReadFile, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line_end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let first_line = String::from_utf8_lossy(&bytes[..first_line_end]).into_owned();
    let delimiter = self::delimiter(&first_line);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let unknown = || ImportError::UnknownFormat(shorten_line(&first_line));
    if !reader.read_byte_record(&mut record).unwrap_or(false) {
        return Err(ImportError::Empty);
    }
    let columns: Vec<Option<Col>> = record
        .iter()
        .map(|cell| column(&String::from_utf8_lossy(cell)))
        .collect();
    let has = |c: Col| columns.contains(&Some(c));
    let has_weight = columns.iter().any(|c| matches!(c, Some(Col::Weight(_))));
    let format = if has(Col::Date) && has(Col::Exercise) && has(Col::EndTime) {
        Format::Hevy
    } else if has(Col::Date) && has(Col::Exercise) && has(Col::Category) && !has(Col::Title) {
        Format::FitNotes
    } else if has(Col::Date) && has(Col::Exercise) && (has(Col::SetOrder) || has(Col::Title)) {
        Format::Strong
    } else {
        return Err(unknown());
    };
    if !has_weight && !has(Col::Reps) {
        return Err(unknown());
    }
    if let Some(w) = wanted {
        if w != format {
            return Err(ImportError::WrongFormat {
                wanted: w,
                found: format,
            });
        }
    }
    let header_unit = columns.iter().find_map(|c| match c {
        Some(Col::Weight(unit)) => *unit,
        _ => None,
    });

    let mut out = ReadFile {
        format: Some(format),
        stated_unit: header_unit,
        ..ReadFile::default()
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut cells: Vec<String> = Vec::with_capacity(columns.len());
    loop {
        let line = reader.position().line() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.warn(line, format!("cannot be read as CSV: {e}"));
                // A broken quote swallows the rest of the file; nothing more can be read.
                break;
            }
        }
        cells.clear();
        cells.extend(
            record
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned()),
        );
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let read = if cells.len() > columns.len() {
            realign(format, &columns, &cells, delimiter)
        } else {
            read_row(
                format,
                &Cells {
                    columns: &columns,
                    cells: &cells,
                },
            )
        };
        match read {
            Ok(Some(row)) => {
                for message in &row.warnings {
                    out.warn(line, message.clone());
                }
                if let Some(unit) = row.set.weight_unit {
                    out.stated_unit.get_or_insert(unit);
                }
                let slot = *index.entry(row.identity.clone()).or_insert_with(|| {
                    out.sessions.push(ReadSession {
                        identity: row.identity.clone(),
                        title: row.title.clone(),
                        start: row.start,
                        duration: row.duration,
                        notes: row.workout_notes.clone(),
                        blocks: Vec::new(),
                    });
                    out.sessions.len() - 1
                });
                let session = &mut out.sessions[slot];
                let same = session
                    .blocks
                    .last()
                    .is_some_and(|b| b.exercise == row.exercise && b.superset == row.superset);
                if !same {
                    session.blocks.push(Block {
                        exercise: row.exercise,
                        category: row.category,
                        notes: row.exercise_notes,
                        superset: row.superset,
                        sets: Vec::new(),
                    });
                }
                session
                    .blocks
                    .last_mut()
                    .expect("pushed")
                    .sets
                    .push(row.set);
            }
            Ok(None) => {}
            Err(message) => out.warn(line, message),
        }
    }
    Ok(out)
}

fn shorten_line(line: &str) -> String {
    let t = line.trim();
    match t.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

struct Row {
    identity: String,
    title: String,
    start: NaiveDateTime,
    duration: Option<i64>,
    workout_notes: Option<String>,
    exercise: String,
    category: Option<String>,
    exercise_notes: Option<String>,
    superset: Option<i64>,
    set: ReadSet,
    /// What was read other than written (the set is kept).
    warnings: Vec<String>,
}

/// Text columns, in the order a stray separator is looked for in them: the name an app
/// writes without quoting is the exercise's, then notes and categories.
const TEXT_COLUMNS: [Col; 6] = [
    Col::Exercise,
    Col::Notes,
    Col::ExerciseNotes,
    Col::WorkoutNotes,
    Col::Category,
    Col::Title,
];

/// A row with more fields than the header: some app wrote a text holding the separator
/// without quoting it (FitNotes does, for exercise names and comments with commas). The
/// fields that must be dates, numbers and units decide: the extra fields are joined back
/// into the text columns (the first ways tried put them in the exercise name) so that
/// every other field reads as what its column holds — cleanly if any way does, else the
/// first way that reads at all.
fn realign(
    format: Format,
    columns: &[Option<Col>],
    cells: &[String],
    delimiter: u8,
) -> Result<Option<Row>, String> {
    let extra = cells.len() - columns.len();
    let mismatch = || {
        format!(
            "{} fields where the header has {}",
            cells.len(),
            columns.len()
        )
    };
    // Extra fields that are all empty may be a trailing separator, not a split text.
    if cells[columns.len()..].iter().all(|c| c.trim().is_empty()) {
        if let Ok(Some(row)) = read_row(
            format,
            &Cells {
                columns,
                cells: &cells[..columns.len()],
            },
        ) {
            if row.warnings.is_empty() {
                return Ok(Some(row));
            }
        }
    }
    let texts: Vec<(usize, Col)> = TEXT_COLUMNS
        .iter()
        .filter_map(|c| columns.iter().position(|x| *x == Some(*c)).map(|i| (i, *c)))
        .collect();
    // More stray separators than this is not a misquoted text but a different file.
    if texts.is_empty() || extra > 8 {
        return Err(format!(
            "{}, and no text column takes the extra ones",
            mismatch()
        ));
    }
    let separator = char::from(delimiter).to_string();
    let mut shares = Vec::new();
    distributions(extra, texts.len(), &mut Vec::new(), &mut shares);
    let mut lenient = None;
    for share in shares {
        // Extra fields per column index.
        let mut widths = vec![0; columns.len()];
        for ((at, _), n) in texts.iter().zip(&share) {
            widths[*at] = *n;
        }
        let mut joined = Vec::with_capacity(columns.len());
        let mut next = 0;
        for width in &widths {
            joined.push(cells[next..=next + width].join(&separator));
            next += width + 1;
        }
        let Ok(Some(mut row)) = read_row(
            format,
            &Cells {
                columns,
                cells: &joined,
            },
        ) else {
            continue;
        };
        let clean = row.warnings.is_empty();
        let read_as: Vec<String> = texts
            .iter()
            .zip(&share)
            .filter(|(_, n)| **n > 0)
            .map(|((at, col), _)| {
                format!("\"{}\" as one {}", shorten(&joined[*at]), col.describe())
            })
            .collect();
        row.warnings
            .push(format!("{}: read {}", mismatch(), read_as.join(" and ")));
        if clean {
            return Ok(Some(row));
        }
        lenient.get_or_insert(row);
    }
    lenient.map(Some).ok_or_else(|| {
        format!(
            "{}, and no way of joining them into text columns reads",
            mismatch()
        )
    })
}

/// Every way of sharing `extra` fields among `columns` text columns, the first column's
/// biggest share first.
fn distributions(extra: usize, columns: usize, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if prefix.len() + 1 == columns {
        let mut share = prefix.clone();
        share.push(extra);
        out.push(share);
        return;
    }
    for n in (0..=extra).rev() {
        prefix.push(n);
        distributions(extra - n, columns, prefix, out);
        prefix.pop();
    }
}

/// A count as the compact set keeps it.
fn small(v: i64) -> Result<u32, String> {
    u32::try_from(v).map_err(|_| format!("{v} is too large"))
}

/// A value's error, prefixed with the field it is in.
fn field<T>(name: &str, r: Result<T, String>) -> Result<T, String> {
    r.map_err(|e| format!("{name}: {e}"))
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A data row beside the header's meanings.
struct Cells<'a> {
    columns: &'a [Option<Col>],
    cells: &'a [String],
}

impl Cells<'_> {
    /// The first cell whose column `pick` accepts, with that column; `""` when none.
    fn find(&self, pick: impl Fn(Col) -> bool) -> (Option<Col>, &str) {
        self.columns
            .iter()
            .enumerate()
            .find_map(|(i, c)| c.filter(|c| pick(*c)).map(|c| (i, c)))
            .map_or((None, ""), |(i, c)| {
                (Some(c), self.cells.get(i).map_or("", String::as_str))
            })
    }
}

/// One data row; `Ok(None)` for rows that are not sets (Strong's rest-timer rows).
fn read_row(format: Format, row: &Cells) -> Result<Option<Row>, String> {
    let get = |c: Col| row.find(|x| x == c).1;
    let order = get(Col::SetOrder).trim();
    if matches!(
        order.to_lowercase().as_str(),
        "rest timer" | "ruhezeit" | "rest_timer" | "rest"
    ) {
        return Ok(None);
    }
    let date_text = get(Col::Date);
    let start = field("date", date_time(date_text))?;
    let exercise = text(get(Col::Exercise)).ok_or("the exercise name is empty")?;
    let title = match format {
        Format::FitNotes => String::new(),
        _ => text(get(Col::Title)).unwrap_or_default(),
    };
    let identity = format!("{}|{}", start.format("%Y-%m-%d %H:%M:%S"), title);
    let duration = match format {
        Format::Hevy => {
            let end = get(Col::EndTime);
            match text(end) {
                Some(end) => {
                    let end = field("end_time", date_time(&end))?;
                    Some((end - start).num_seconds().max(0))
                }
                None => None,
            }
        }
        _ => field("duration", duration(get(Col::Duration)))?,
    };
    let set_type = match format {
        Format::Hevy => match get(Col::SetType).trim().to_lowercase().as_str() {
            "warmup" | "warm_up" | "warm-up" => SetType::Warmup,
            "failure" => SetType::Failure,
            "dropset" | "drop" | "drop_set" => SetType::Drop,
            _ => SetType::Normal,
        },
        _ => match order.to_uppercase().as_str() {
            "W" | "WARM_UP" | "WARMUP" => SetType::Warmup,
            "D" | "DROP_SET" | "DROP" => SetType::Drop,
            "F" | "FAILURE" => SetType::Failure,
            "" => SetType::Normal,
            other if other.parse::<f64>().is_ok() => SetType::Normal,
            _ => return Err(format!("set order \"{}\" is not a set", shorten(order))),
        },
    };
    let mut warnings = Vec::new();
    let (weight, mut weight_unit) = match row.find(|c| matches!(c, Col::Weight(_))) {
        (Some(Col::Weight(unit)), value) => (field("weight", number(value))?, unit),
        _ => (None, None),
    };
    // A unit says something only about a value: beside an empty or zero one it is
    // ignored, whatever it says (an app fills the unit column on every row).
    let has_value = |v: Option<f64>| v.is_some_and(|x| x != 0.0);
    if let Some(u) = text(get(Col::WeightUnit)) {
        match (self::weight_unit(&u), has_value(weight)) {
            (Some(unit), true) => weight_unit = Some(unit),
            (None, true) => return Err(format!("weight unit \"{}\" is unknown", shorten(&u))),
            (Some(_), false) => weight_unit = None,
            (None, false) => warnings.push(format!(
                "weight unit \"{}\" ignored: the weight is empty",
                shorten(&u)
            )),
        }
    }
    let (distance, mut distance_unit) = match row.find(|c| matches!(c, Col::Distance(_))) {
        (Some(Col::Distance(unit)), value) => (field("distance", number(value))?, unit),
        _ => (None, None),
    };
    if let Some(u) = text(get(Col::DistanceUnit)) {
        match (DistUnit::parse(&u), has_value(distance)) {
            (Some(unit), true) => distance_unit = Some(unit),
            (None, true) => return Err(format!("distance unit \"{}\" is unknown", shorten(&u))),
            (Some(_), false) => {}
            (None, false) => warnings.push(format!(
                "distance unit \"{}\" ignored: the distance is empty",
                shorten(&u)
            )),
        }
    }
    let reps = field("reps", count(get(Col::Reps)))?;
    let seconds = field("seconds", super::values::duration(get(Col::Seconds)))?;
    let rpe = field("rpe", number(get(Col::Rpe)))?;
    if weight.is_some_and(|w| w < 0.0) || distance.is_some_and(|d| d < 0.0) {
        return Err("weight and distance cannot be negative".into());
    }
    let superset = match text(get(Col::Superset)) {
        Some(s) => Some(field("superset_id", count(&s))?.unwrap_or(0)),
        None => None,
    };
    // Zeros in Strong mean "not recorded" for the fields an exercise does not track.
    let nonzero = |v: Option<f64>| v.filter(|x| *x != 0.0);
    Ok(Some(Row {
        identity,
        title,
        start,
        duration,
        workout_notes: text(get(Col::WorkoutNotes)),
        exercise,
        category: text(get(Col::Category)),
        exercise_notes: text(get(Col::ExerciseNotes)),
        superset,
        set: ReadSet {
            set_type,
            weight,
            weight_unit,
            reps: reps
                .map(small)
                .transpose()
                .map_err(|e| format!("reps: {e}"))?,
            distance: nonzero(distance),
            distance_unit,
            seconds: seconds
                .filter(|s| *s != 0)
                .map(small)
                .transpose()
                .map_err(|e| format!("seconds: {e}"))?,
            rpe: nonzero(rpe).map(|r| r as f32),
            notes: text(get(Col::Notes)).map(String::into_boxed_str),
        },
        warnings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> Vec<Vec<u8>> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");
        let mut files: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .expect("fixtures")
            .map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
            .collect();
        assert!(files.len() >= 10);
        files.sort();
        files
    }

    /// Every fixture, mangled thousands of ways (bytes flipped, cut, quotes, separators and
    /// line ends inserted, invalid UTF-8): reading never panics, and what it reads is
    /// either refused as a whole or sessions plus warnings.
    #[test]
    fn mangled_exports_never_panic() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const NOISE: &[&[u8]] = &[
            b"\"",
            b";",
            b",",
            b"\n",
            b"\r\n",
            b"\xff\xfe",
            b"1e308",
            b"-",
            b"NaN",
            b"\x00",
            b"99999999999999999999h",
        ];
        let mut read = 0;
        for file in fixtures() {
            for _ in 0..400 {
                let mut bytes = file.clone();
                for _ in 0..(1 + next() % 6) {
                    let at = (next() as usize) % (bytes.len() + 1);
                    match next() % 4 {
                        0 => bytes.truncate(at),
                        1 if at < bytes.len() => bytes[at] = next() as u8,
                        _ => {
                            let noise = NOISE[(next() as usize) % NOISE.len()];
                            bytes.splice(at..at, noise.iter().copied());
                        }
                    }
                }
                if let Ok(file) = read_csv(&bytes, None) {
                    read += file.sessions.len();
                    assert!(file.warnings.len() <= MAX_WARNINGS + 1);
                }
            }
        }
        assert!(read > 0, "some mangled files still read");
    }

    fn fixture(name: &str) -> ReadFile {
        let path = format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        read_csv(&std::fs::read(path).expect("fixture"), None).expect("reads")
    }

    /// (exercise, weight, reps, notes) of a set.
    type SetFacts = (String, Option<f64>, Option<u32>, Option<String>);

    /// Every set's facts, in file order.
    fn sets_of(file: &ReadFile) -> Vec<SetFacts> {
        file.sessions
            .iter()
            .flat_map(|s| &s.blocks)
            .flat_map(|b| {
                b.sets.iter().map(|x| {
                    (
                        b.exercise.clone(),
                        x.weight,
                        x.reps,
                        x.notes.as_deref().map(str::to_owned),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn names_and_comments_with_unquoted_commas_keep_every_set() {
        let file = fixture("fitnotes_commas.csv");
        assert_eq!(file.format, Some(Format::FitNotes));
        assert_eq!(file.sessions.len(), 2);
        let sq = "Squat, High Bar".to_owned();
        let note = |s: &str| Some(s.to_owned());
        assert_eq!(
            sets_of(&file),
            vec![
                (sq.clone(), Some(100.0), Some(5), None),
                (sq.clone(), Some(100.0), Some(5), note("felt good, fast")),
                ("Row, Seated, Cable".into(), Some(60.0), Some(10), None),
                ("Bench Press".into(), Some(80.0), Some(5), None),
                ("Bench Press".into(), Some(80.0), Some(5), None),
                (sq, Some(105.0), Some(5), note("last one, easy, moved well")),
                ("Curl, EZ Bar".into(), Some(30.0), Some(12), None),
            ]
        );
        let categories: Vec<_> = file.sessions[0]
            .blocks
            .iter()
            .map(|b| b.category.clone().unwrap_or_default())
            .collect();
        assert_eq!(categories, ["Legs", "Back", "Chest"]);
        // Each realigned row is a warning on its own line; the well-formed rows are not.
        let lines: Vec<usize> = file.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [2, 3, 4, 7, 8], "{:?}", file.warnings);
        assert!(
            file.warnings[1]
                .message
                .contains("\"Squat, High Bar\" as one exercise name")
                && file.warnings[1]
                    .message
                    .contains("\"felt good, fast\" as one note"),
            "{:?}",
            file.warnings[1]
        );
        assert_eq!(file.stated_unit, Some(WeightUnit::Kg));
    }

    #[test]
    fn a_unit_beside_no_value_is_ignored_and_the_set_kept() {
        let file = fixture("fitnotes_odd_units.csv");
        assert_eq!(file.sessions.len(), 2);
        let sets: Vec<&ReadSet> = file.sets().collect();
        assert_eq!(sets.len(), 7);
        // The unknown units beside empty or zero values are the warnings, nothing else.
        let warned: Vec<(usize, &str)> = file
            .warnings
            .iter()
            .map(|w| (w.line, w.message.as_str()))
            .collect();
        assert_eq!(
            warned,
            [
                (
                    3,
                    "distance unit \"furlongs\" ignored: the distance is empty"
                ),
                (4, "weight unit \"stone\" ignored: the weight is empty"),
                (
                    5,
                    "distance unit \"parsecs\" ignored: the distance is empty"
                ),
            ]
        );
        // A known unit beside a zero weight does not make the file a pound file.
        assert_eq!(file.stated_unit, Some(WeightUnit::Kg));
        assert_eq!(sets[4].weight_unit, None);
        assert_eq!(sets[2].seconds, Some(60));
        assert_eq!(sets[3].seconds, Some(70));
        assert_eq!(sets[4].distance, Some(5.0));
        assert_eq!(sets[4].distance_unit, Some(DistUnit::Km));
        assert!(sets[5]
            .distance_unit
            .is_some_and(|u| (u.to_m(20.0) - 18.288).abs() < 1e-9));
        assert_eq!(sets[6].weight, Some(145.0));
    }

    #[test]
    fn the_separator_is_what_the_header_has_most_of() {
        assert_eq!(delimiter("a;b;c"), b';');
        assert_eq!(delimiter("a,b,c"), b',');
        assert_eq!(delimiter("a\tb\tc"), b'\t');
        assert_eq!(delimiter("\"Workout #\";\"Date, local\";\"x\""), b';');
    }
}
