//! The user's settings: one synced `user_settings` record per user, created with
//! defaults by the server on first use, so the mobile apps and every browser share them.
//!
//! Pages read them through [`crate::live::settings`].

use crate::local::{query_snapshot, Query, Snapshot};
use crate::model::records::UserSettings;
use crate::model::OneRmFormula;
use crate::model::{DistanceUnit, WeightUnit};
use crate::plates::{parse_plates, parse_ramp, PlateSet, RampStep, DEFAULT_RAMP};

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
    /// The bar and plates the user loads, in their own unit (by default a gym's, in the
    /// weight unit).
    pub plates: PlateSet,
    /// The warm-up ramp ([`DEFAULT_RAMP`] until the user sets one).
    pub warm_up_ramp: Vec<RampStep>,
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
            plates: plate_set(r),
            warm_up_ramp: text(|r| &r.warmup_ramp)
                .and_then(|t| parse_ramp(t).ok())
                .unwrap_or_else(|| DEFAULT_RAMP.to_vec()),
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

/// The plates a record describes; what it leaves out or cannot be read is a gym's.
fn plate_set(r: Option<&UserSettings>) -> PlateSet {
    let unit = match r.and_then(|r| r.plate_unit.as_deref()) {
        Some(u @ ("kg" | "lb")) => WeightUnit::parse(Some(u)),
        _ => WeightUnit::parse(r.and_then(|r| r.weight_unit.as_deref())),
    };
    let standard = PlateSet::standard(unit);
    PlateSet {
        unit,
        bar: r
            .and_then(|r| r.bar_weight)
            .filter(|b| (0.0..=100.0).contains(b))
            .unwrap_or(standard.bar),
        plates: r
            .and_then(|r| r.plates.as_deref())
            .and_then(|t| parse_plates(t).ok())
            .filter(|p| !p.is_empty())
            .unwrap_or(standard.plates),
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
        // No plates said: a gym's, in the weight unit.
        assert_eq!(s.plates, PlateSet::standard(WeightUnit::Lb));
        assert_eq!(s.warm_up_ramp, DEFAULT_RAMP);
    }

    #[test]
    fn plates_and_ramp_of_schema_version_3() {
        let record = UserSettings {
            id: "s".into(),
            weight_unit: Some("kg".into()),
            plate_unit: Some("lb".into()),
            bar_weight: Some(35.0),
            plates: Some("45:4 10:2".into()),
            warmup_ramp: Some("bar:8 50:5".into()),
            ..Default::default()
        };
        let s = Settings::from_record(Some(&record));
        assert_eq!(s.plates.unit, WeightUnit::Lb);
        assert_eq!(s.plates.bar, 35.0);
        assert_eq!(s.plates.plates, [(45.0, 4), (10.0, 2)]);
        assert_eq!(s.warm_up_ramp.len(), 2);
        // Text that cannot be read falls back whole, never half.
        let odd = UserSettings {
            plates: Some("45:x".into()),
            warmup_ramp: Some("bar".into()),
            bar_weight: Some(-1.0),
            ..record
        };
        let s = Settings::from_record(Some(&odd));
        assert_eq!(s.plates.plates, PlateSet::standard(WeightUnit::Lb).plates);
        assert_eq!(s.plates.bar, 45.0);
        assert_eq!(s.warm_up_ramp, DEFAULT_RAMP);
    }
}
