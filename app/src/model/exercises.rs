//! The exercise library (`GET /api/exercises`): read-only reference data the server ships
//! and serves and the browser caches, and the vocabularies its entries and users' custom
//! exercises are made from. Part of the model because logging, history and the builder all
//! name exercises through it.

use serde::{Deserialize, Serialize};

/// The exercise library's vocabularies: the catalogue is checked against them and custom
/// exercises are made from them.
pub const CATEGORIES: &[&str] = &[
    "chest",
    "back",
    "shoulders",
    "arms",
    "legs",
    "core",
    "full body",
    "cardio",
    "neck",
];
pub const EQUIPMENT: &[&str] = &[
    "barbell",
    "dumbbell",
    "machine",
    "cable",
    "bodyweight",
    "kettlebell",
    "band",
    "smith machine",
    "ez bar",
    "cardio machine",
    "other",
    "none",
];

/// An entry of the exercise library (`GET /api/exercises`), as the server stores and
/// serves it and the browser caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryExercise {
    pub id: String,
    pub name: String,
    pub category: String,
    pub equipment: String,
    pub primary_muscle: String,
    #[serde(default)]
    pub secondary_muscles: Vec<String>,
    /// Absent in a cache written before schema version 2: weight × reps.
    #[serde(default)]
    pub tracking: super::tracking::Tracking,
}

impl LibraryExercise {
    /// Whether every word of `query` appears in the name, a muscle, the equipment or the
    /// category.
    pub fn matches(&self, query: &str) -> bool {
        let haystack = format!(
            "{} {} {} {} {}",
            self.name,
            self.category,
            self.equipment,
            self.primary_muscle,
            self.secondary_muscles.join(" ")
        )
        .to_lowercase();
        query
            .to_lowercase()
            .split_whitespace()
            .all(|word| haystack.contains(word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_matches_every_word_anywhere() {
        let squat = LibraryExercise {
            id: "x".into(),
            name: "Back Squat (Barbell)".into(),
            category: "legs".into(),
            equipment: "barbell".into(),
            primary_muscle: "quads".into(),
            secondary_muscles: vec!["glutes".into()],
            tracking: Default::default(),
        };
        assert!(squat.matches("squat GLUTES"));
        assert!(!squat.matches("dumbbell"));
    }
}
