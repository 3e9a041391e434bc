//! What `POST /api/import` answers: the server fills it in, the `/import` page shows it.

use serde::{Deserialize, Serialize};

/// The apps whose exports are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Strong,
    Hevy,
    #[serde(rename = "fitnotes")]
    FitNotes,
    /// Our own export (`GET /api/export?format=json`).
    Json,
}

impl Format {
    /// `auto` (or nothing) is `None`: detect from the file.
    pub fn parse(s: Option<&str>) -> Result<Option<Self>, String> {
        match s.map(str::to_lowercase).as_deref() {
            None | Some("" | "auto") => Ok(None),
            Some("strong") => Ok(Some(Self::Strong)),
            Some("hevy") => Ok(Some(Self::Hevy)),
            Some("fitnotes") => Ok(Some(Self::FitNotes)),
            Some("json" | "ezlift") => Ok(Some(Self::Json)),
            Some(other) => Err(format!(
                "format \"{other}\" is unknown: use auto, strong, hevy, fitnotes or json"
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Strong => "Strong",
            Self::Hevy => "Hevy",
            Self::FitNotes => "FitNotes",
            Self::Json => "EzLift",
        }
    }
}

/// A row that could not be read, by its line in the file (1-based; a quoted field that
/// spans lines counts them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// The answer of an import or its dry run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format: Format,
    pub dry_run: bool,
    pub sessions: usize,
    pub sets: usize,
    pub new_sessions: usize,
    pub skipped_duplicates: usize,
    pub exercises_matched: usize,
    pub exercises_created: usize,
    /// Names of the exercises that are (or would be) created as custom exercises.
    pub new_exercises: Vec<String>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// The weights' unit: the file's, else the one given, else `null`.
    pub unit: Option<String>,
    /// When the unit is `null` and the file has weights: what the numbers look like.
    pub unit_guess: Option<String>,
    pub warnings: Vec<Warning>,
    /// The account's weight unit is (or, on a dry run, will be) changed to this one, the
    /// file's: a new account shows its imported history as the lifter wrote it.
    #[serde(default)]
    pub unit_adopted: Option<String>,
    /// Body measurements in the file (a measurement export), and how many are new.
    #[serde(default)]
    pub measurements: usize,
    #[serde(default)]
    pub new_measurements: usize,
}

impl Report {
    /// Whether the user must say which unit the file's weights are in.
    pub fn needs_unit(&self) -> bool {
        self.unit.is_none() && self.unit_guess.is_some()
    }

    /// A measurement export (no sessions, only body measurements).
    pub fn is_measurements(&self) -> bool {
        self.sessions == 0 && self.measurements > 0
    }

    /// How many records of what the file is made of are new: `(count, noun)`.
    pub fn new_items(&self) -> (usize, &'static str) {
        if self.is_measurements() {
            (self.new_measurements, "measurement")
        } else {
            (self.new_sessions, "session")
        }
    }
}
