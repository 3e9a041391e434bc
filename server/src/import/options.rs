//! What an import is asked to do, and how it fails.

use crate::store::StoreError;
use app::import::Format;
use app::model::WeightUnit;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "not a Strong, Hevy, FitNotes or EzLift export: its first line was \"{0}\"; export \
         your workouts as CSV from the app and upload that file"
    )]
    UnknownFormat(String),
    #[error("format={} was asked for, but the file is a {} export", .wanted.label(), .found.label())]
    WrongFormat { wanted: Format, found: Format },
    #[error(
        "the file does not say whether its weights are kilograms or pounds: add unit=kg or unit=lb"
    )]
    UnitNeeded,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the caller asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Option<Format>,
    /// The unit of the file's weights when the file does not say.
    pub unit: Option<WeightUnit>,
    pub dry_run: bool,
    /// The zone the exporting phone was in: the files write local times.
    pub zone: chrono_tz::Tz,
}
