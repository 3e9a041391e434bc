//! The user's settings: one synced `user_settings` record per user, created with
//! defaults by the server on first use, so the mobile apps and every browser share them.
//!
//! Pages read them through [`crate::live::settings`].

use crate::local::{query_snapshot, Query, Snapshot};
use crate::model::records::UserSettings;
use crate::model::OneRmFormula;
use crate::model::{DistanceUnit, WeightUnit};

/// The colour scheme: the system's, or one chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Self::System, Self::Light, Self::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Same as the device",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    pub fn parse(s: Option<&str>) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| Some(t.as_str()) == s)
            .unwrap_or_default()
    }
}

/// The first day of the week, stored as in JavaScript's `getDay()` (0 = Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekStart(pub u8);

impl WeekStart {
    pub const CHOICES: [(u8, &'static str); 3] = [(1, "Monday"), (0, "Sunday"), (6, "Saturday")];

    pub fn parse(v: Option<i64>) -> Self {
        match v {
            Some(d @ 0..=6) => Self(d as u8),
            _ => Self(1),
        }
    }
}

/// Rest times offered for the default, in seconds.
pub const REST_CHOICES: [i64; 12] = [30, 45, 60, 75, 90, 105, 120, 150, 180, 210, 240, 300];

/// The settings as pages use them; defaults where the record says nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The record's id (`None` until the user's record is known here).
    pub id: Option<String>,
    pub weight_unit: WeightUnit,
    pub distance_unit: DistanceUnit,
    pub theme: Theme,
    /// Seconds.
    pub default_rest: i64,
    pub one_rm: OneRmFormula,
    pub week_start: WeekStart,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_record(None)
    }
}

impl Settings {
    pub fn from_record(r: Option<&UserSettings>) -> Self {
        let text = |f: fn(&UserSettings) -> &Option<String>| r.and_then(|r| f(r).as_deref());
        Self {
            id: r.map(|r| r.id.clone()),
            weight_unit: WeightUnit::parse(text(|r| &r.weight_unit)),
            distance_unit: DistanceUnit::parse(text(|r| &r.distance_unit)),
            theme: Theme::parse(text(|r| &r.theme)),
            default_rest: r
                .and_then(|r| r.default_rest_seconds)
                .filter(|s| (0..=3600).contains(s))
                .unwrap_or(90),
            one_rm: OneRmFormula::parse(text(|r| &r.one_rm_formula).unwrap_or_default()),
            week_start: WeekStart::parse(r.and_then(|r| r.week_start)),
        }
    }

    /// The user's record. The server folds any second record into the first, so one is
    /// the rule; should a device hold two for a moment, the oldest id decides.
    pub fn of(q: &Query) -> Self {
        let record = q.all::<UserSettings>().min_by(|a, b| a.id.cmp(&b.id));
        Self::from_record(record)
    }

    pub fn of_snapshot(s: &Snapshot) -> Self {
        query_snapshot(s, Self::of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_odd_record_gives_the_defaults() {
        let d = Settings::default();
        assert_eq!(d.weight_unit, WeightUnit::Kg);
        assert_eq!(d.theme, Theme::System);
        assert_eq!(d.default_rest, 90);
        assert_eq!(d.week_start, WeekStart(1));
        let odd = UserSettings {
            id: "s".into(),
            weight_unit: Some("lb".into()),
            theme: Some("neon".into()),
            default_rest_seconds: Some(-5),
            one_rm_formula: Some("brzycki".into()),
            week_start: Some(9),
            ..Default::default()
        };
        let s = Settings::from_record(Some(&odd));
        assert_eq!(s.weight_unit, WeightUnit::Lb);
        assert_eq!(s.theme, Theme::System);
        assert_eq!(s.default_rest, 90);
        assert_eq!(s.one_rm, OneRmFormula::Brzycki);
        assert_eq!(s.week_start, WeekStart(1));
        assert_eq!(s.id.as_deref(), Some("s"));
    }
}
