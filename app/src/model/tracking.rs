//! What a set of an exercise records (schema version 2): the logger shows the fields of
//! the exercise's kind, statistics count weight only where weight is load.

/// The tracking kind of an exercise, stored as `custom_exercises.tracking` and served
/// with each library exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    /// Weight × reps: the barbell, dumbbell and machine lifts.
    #[default]
    WeightReps,
    /// Bodyweight reps; the weight, if any, is added load (a weighted pull-up).
    Reps,
    /// The weight is assistance (a machine's counterweight): less is harder.
    Assisted,
    /// Time only (a plank).
    Duration,
    /// Distance and time (a run).
    DistanceDuration,
}

impl Tracking {
    pub const ALL: [Tracking; 5] = [
        Self::WeightReps,
        Self::Reps,
        Self::Assisted,
        Self::Duration,
        Self::DistanceDuration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WeightReps => "weight_reps",
            Self::Reps => "reps",
            Self::Assisted => "assisted",
            Self::Duration => "duration",
            Self::DistanceDuration => "distance_duration",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::WeightReps => "Weight × reps",
            Self::Reps => "Bodyweight reps",
            Self::Assisted => "Assisted",
            Self::Duration => "Duration",
            Self::DistanceDuration => "Distance + duration",
        }
    }

    /// The kind a stored name says, if it names one.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A stored value; anything unknown (or a version-1 record's missing value) is the
    /// common case, weight × reps.
    pub fn parse(s: Option<&str>) -> Self {
        s.and_then(Self::from_name).unwrap_or_default()
    }

    /// Whether a set records a weight (load, added load or assistance).
    pub fn has_weight(self) -> bool {
        matches!(self, Self::WeightReps | Self::Reps | Self::Assisted)
    }

    pub fn has_reps(self) -> bool {
        matches!(self, Self::WeightReps | Self::Reps | Self::Assisted)
    }

    pub fn has_duration(self) -> bool {
        matches!(self, Self::Duration | Self::DistanceDuration)
    }

    pub fn has_distance(self) -> bool {
        matches!(self, Self::DistanceDuration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip_and_unknown_is_weight_reps() {
        for t in Tracking::ALL {
            assert_eq!(Tracking::parse(Some(t.as_str())), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert_eq!(Tracking::parse(None), Tracking::WeightReps);
        assert_eq!(Tracking::parse(Some("yoga")), Tracking::WeightReps);
        assert!(Tracking::DistanceDuration.has_distance());
    }
}
