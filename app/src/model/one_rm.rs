//! How a one-rep max is estimated: a value of the user's settings that the statistics
//! apply, so it lives below both.

/// Reps above which an estimated 1RM is not computed.
pub const MAX_REPS_FOR_ONE_RM: i64 = 12;

/// How a one-rep max is estimated (the `one_rm_formula` setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OneRmFormula {
    #[default]
    Epley,
    Brzycki,
}

impl OneRmFormula {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Epley => "epley",
            Self::Brzycki => "brzycki",
        }
    }

    /// The setting's value; anything else is the default (Epley).
    pub fn parse(s: &str) -> Self {
        match s {
            "brzycki" => Self::Brzycki,
            _ => Self::Epley,
        }
    }

    /// The estimated 1RM of `weight` lifted `reps` times, where the formulas apply.
    pub fn estimate(self, weight: f64, reps: i64) -> Option<f64> {
        if weight.is_nan() || weight <= 0.0 || !(1..=MAX_REPS_FOR_ONE_RM).contains(&reps) {
            return None;
        }
        if reps == 1 {
            return Some(weight);
        }
        let r = reps as f64;
        Some(match self {
            Self::Epley => weight * (1.0 + r / 30.0),
            Self::Brzycki => weight * 36.0 / (37.0 - r),
        })
    }
}
