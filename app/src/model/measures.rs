//! What a body measurement records, one list that drives the form, the list, the charts,
//! the imports and the export: each measure's column, label, unit and sensible range.

use super::column::Column;
use super::records::BodyMeasurement;
use super::tables::body_measurements as t;
use super::units::WeightUnit;

/// How a measure is stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Kilograms, shown in the user's weight unit.
    Weight,
    /// Percent, shown as it is.
    Percent,
    /// Metres round a part of the body, shown in centimetres (or inches with pounds).
    Tape,
}

/// One thing a body measurement can record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Measure {
    Bodyweight,
    BodyFat,
    Neck,
    Chest,
    Waist,
    Hips,
    Arm,
    Thigh,
    Calf,
}

const CM_PER_IN: f64 = 2.54;

impl Measure {
    pub const ALL: [Measure; 9] = [
        Self::Bodyweight,
        Self::BodyFat,
        Self::Neck,
        Self::Chest,
        Self::Waist,
        Self::Hips,
        Self::Arm,
        Self::Thigh,
        Self::Calf,
    ];

    pub fn column(self) -> Column<f64> {
        match self {
            Self::Bodyweight => t::bodyweight,
            Self::BodyFat => t::body_fat,
            Self::Neck => t::neck,
            Self::Chest => t::chest,
            Self::Waist => t::waist,
            Self::Hips => t::hips,
            Self::Arm => t::arm,
            Self::Thigh => t::thigh,
            Self::Calf => t::calf,
        }
    }

    /// The column's name: the form's field ids and the charts' test ids derive from it.
    pub fn key(self) -> &'static str {
        self.column().name
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Bodyweight => "Bodyweight",
            Self::BodyFat => "Body fat",
            Self::Neck => "Neck",
            Self::Chest => "Chest",
            Self::Waist => "Waist",
            Self::Hips => "Hips",
            Self::Arm => "Arm",
            Self::Thigh => "Thigh",
            Self::Calf => "Calf",
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Self::Bodyweight => Kind::Weight,
            Self::BodyFat => Kind::Percent,
            _ => Kind::Tape,
        }
    }

    /// The stored value of a record (a non-finite or non-positive one reads as not measured).
    pub fn of(self, r: &BodyMeasurement) -> Option<f64> {
        let v = match self {
            Self::Bodyweight => r.bodyweight,
            Self::BodyFat => r.body_fat,
            Self::Neck => r.neck,
            Self::Chest => r.chest,
            Self::Waist => r.waist,
            Self::Hips => r.hips,
            Self::Arm => r.arm,
            Self::Thigh => r.thigh,
            Self::Calf => r.calf,
        };
        v.filter(|v| v.is_finite() && *v > 0.0)
    }

    /// The unit it is shown in for a user of `unit`.
    pub fn unit_label(self, unit: WeightUnit) -> &'static str {
        match (self.kind(), unit) {
            (Kind::Weight, u) => u.label(),
            (Kind::Percent, _) => "%",
            (Kind::Tape, WeightUnit::Kg) => "cm",
            (Kind::Tape, WeightUnit::Lb) => "in",
        }
    }

    /// A stored value in the user's unit, rounded for display.
    pub fn show(self, stored: f64, unit: WeightUnit) -> f64 {
        let v = self.show_exact(stored, unit);
        (v * 10.0).round() / 10.0
    }

    /// A stored value in the user's unit, unrounded (exports).
    pub fn show_exact(self, stored: f64, unit: WeightUnit) -> f64 {
        match (self.kind(), unit) {
            (Kind::Weight, u) => u.show_exact(stored),
            (Kind::Percent, _) => stored,
            (Kind::Tape, WeightUnit::Kg) => stored * 100.0,
            (Kind::Tape, WeightUnit::Lb) => stored * 100.0 / CM_PER_IN,
        }
    }

    /// A value typed in the user's unit, stored: checked against what a human body can
    /// measure, so a value typed in the wrong unit (or field) is caught before it is saved.
    pub fn stored(self, typed: f64, unit: WeightUnit) -> Result<f64, String> {
        self.checked(self.to_stored(typed, unit), unit)
    }

    /// A value in the user's unit converted to the stored one, unchecked (an import
    /// averages sides before checking).
    pub fn to_stored(self, typed: f64, unit: WeightUnit) -> f64 {
        match (self.kind(), unit) {
            (Kind::Weight, u) => u.to_kg(typed),
            (Kind::Percent, _) => typed,
            (Kind::Tape, WeightUnit::Kg) => typed / 100.0,
            (Kind::Tape, WeightUnit::Lb) => typed * CM_PER_IN / 100.0,
        }
    }

    /// A stored value, if a human body can measure it; else the range, written in `unit`.
    pub fn checked(self, v: f64, unit: WeightUnit) -> Result<f64, String> {
        let (lo, hi) = self.range();
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(v)
        } else {
            Err(format!(
                "{} must be between {} and {} {}",
                self.label(),
                self.show(lo, unit),
                self.show(hi, unit),
                self.unit_label(unit)
            ))
        }
    }

    /// What a human body can measure, stored units.
    fn range(self) -> (f64, f64) {
        match self.kind() {
            Kind::Weight => (20.0, 400.0),
            Kind::Percent => (1.0, 75.0),
            Kind::Tape => (0.05, 2.5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_round_trip_through_storage_in_both_units() {
        for unit in [WeightUnit::Kg, WeightUnit::Lb] {
            for m in Measure::ALL {
                let typed = match (m.kind(), unit) {
                    (Kind::Weight, WeightUnit::Kg) => 82.5,
                    (Kind::Weight, WeightUnit::Lb) => 181.9,
                    (Kind::Percent, _) => 14.5,
                    (Kind::Tape, WeightUnit::Kg) => 84.0,
                    (Kind::Tape, WeightUnit::Lb) => 33.1,
                };
                let stored = m.stored(typed, unit).unwrap();
                assert!((m.show_exact(stored, unit) - typed).abs() < 1e-9, "{m:?}");
            }
        }
        assert_eq!(Measure::Waist.stored(84.0, WeightUnit::Kg), Ok(0.84));
        assert_eq!(Measure::Waist.unit_label(WeightUnit::Lb), "in");
    }

    #[test]
    fn values_no_body_has_are_refused_with_the_range_in_the_users_unit() {
        let e = Measure::Bodyweight
            .stored(8000.0, WeightUnit::Kg)
            .unwrap_err();
        assert_eq!(e, "Bodyweight must be between 20 and 400 kg");
        // 84 typed as metres into centimetres, and a waist of 0.84 cm.
        assert!(Measure::Waist.stored(0.84, WeightUnit::Kg).is_err());
        assert!(Measure::BodyFat.stored(140.0, WeightUnit::Kg).is_err());
        assert!(Measure::Bodyweight
            .stored(f64::NAN, WeightUnit::Lb)
            .is_err());
    }
}
