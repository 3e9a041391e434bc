//! Units and set types: how stored values (kilograms, metres, seconds) are shown in the
//! user's units, shared by every page that shows or takes a weight or a distance.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightUnit {
    #[default]
    Kg,
    Lb,
}

const LB_PER_KG: f64 = 2.204_622_621_8;

impl WeightUnit {
    /// The setting's stored value (`kg` unless it says `lb`).
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("lb") => Self::Lb,
            _ => Self::Kg,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Kg => "kg",
            Self::Lb => "lb",
        }
    }

    /// Stored kilograms in this unit, rounded for display.
    pub fn show(self, kg: f64) -> f64 {
        let v = match self {
            Self::Kg => kg,
            Self::Lb => kg * LB_PER_KG,
        };
        (v * 100.0).round() / 100.0
    }

    /// Stored kilograms in this unit, unrounded (exports, which must lose nothing).
    pub fn show_exact(self, kg: f64) -> f64 {
        match self {
            Self::Kg => kg,
            Self::Lb => kg * LB_PER_KG,
        }
    }

    /// A value typed in this unit, in kilograms.
    pub fn to_kg(self, v: f64) -> f64 {
        match self {
            Self::Kg => v,
            Self::Lb => v / LB_PER_KG,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DistanceUnit {
    #[default]
    Km,
    Mi,
}

const M_PER_MI: f64 = 1609.344;

impl DistanceUnit {
    /// The setting's stored value (`km` unless it says `mi`).
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("mi") => Self::Mi,
            _ => Self::Km,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Km => "km",
            Self::Mi => "mi",
        }
    }

    /// Stored metres in this unit, rounded for display.
    pub fn show(self, m: f64) -> f64 {
        let v = match self {
            Self::Km => m / 1000.0,
            Self::Mi => m / M_PER_MI,
        };
        (v * 1000.0).round() / 1000.0
    }

    /// Stored metres in this unit, unrounded (exports).
    pub fn show_exact(self, m: f64) -> f64 {
        match self {
            Self::Km => m / 1000.0,
            Self::Mi => m / M_PER_MI,
        }
    }

    pub fn to_m(self, v: f64) -> f64 {
        match self {
            Self::Km => v * 1000.0,
            Self::Mi => v * M_PER_MI,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SetType {
    #[default]
    Normal,
    Warmup,
    Drop,
    Failure,
}

impl SetType {
    pub const ALL: [SetType; 4] = [Self::Normal, Self::Warmup, Self::Drop, Self::Failure];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Warmup => "warmup",
            Self::Drop => "drop",
            Self::Failure => "failure",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Warmup => "Warm-up",
            Self::Drop => "Drop",
            Self::Failure => "Failure",
        }
    }

    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_for_display_and_back() {
        assert_eq!(WeightUnit::Lb.show(100.0), 220.46);
        assert!((WeightUnit::Lb.to_kg(220.462_262_18) - 100.0).abs() < 1e-9);
        assert_eq!(DistanceUnit::Mi.show(1609.344), 1.0);
    }
}
