//! What statistics need to know of each exercise, from the library and the user's own.

use crate::local::Query;
use crate::model::records::CustomExercise;
use crate::model::{LibraryExercise, Tracking};
use rustc_hash::FxHashMap;

/// One exercise as statistics and pages name and count it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseFacts {
    pub name: String,
    /// The muscle its sets count for.
    pub muscle: String,
    pub tracking: Tracking,
}

/// Exercises by id: the library's and the user's custom ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog(FxHashMap<String, ExerciseFacts>);

impl Catalog {
    /// The library's entries and the custom exercises of `q` (which win on a clash).
    pub fn new(library: &[LibraryExercise], q: &Query) -> Self {
        let mut map: FxHashMap<String, ExerciseFacts> = library
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    ExerciseFacts {
                        name: e.name.clone(),
                        muscle: e.primary_muscle.clone(),
                        tracking: e.tracking,
                    },
                )
            })
            .collect();
        for c in q.all::<CustomExercise>() {
            map.insert(
                c.id.clone(),
                ExerciseFacts {
                    name: c
                        .name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| "Unnamed exercise".into()),
                    muscle: c
                        .primary_muscle
                        .clone()
                        .filter(|m| !m.trim().is_empty())
                        .unwrap_or_else(|| "other".into()),
                    tracking: Tracking::parse(c.tracking.as_deref()),
                },
            );
        }
        Self(map)
    }

    pub fn get(&self, id: &str) -> Option<&ExerciseFacts> {
        self.0.get(id)
    }

    pub fn name(&self, id: &str) -> String {
        self.get(id)
            .map_or_else(|| "Unknown exercise".into(), |e| e.name.clone())
    }

    /// What a set of the exercise records; weight × reps when unknown.
    pub fn tracking(&self, id: &str) -> Tracking {
        self.get(id).map(|e| e.tracking).unwrap_or_default()
    }

    /// A digest of how each exercise's sets are read ([`Tracking`]), the only part of the
    /// catalog that statistics kept per session depend on: when it changes (a custom
    /// exercise's tracking edited), they are read again.
    pub fn tracking_digest(&self) -> u64 {
        use std::hash::{BuildHasher, Hash, Hasher};
        let build = rustc_hash::FxBuildHasher;
        self.0
            .iter()
            .map(|(id, facts)| {
                let mut h = build.build_hasher();
                id.hash(&mut h);
                std::mem::discriminant(&facts.tracking).hash(&mut h);
                h.finish()
            })
            // Order-independent: the map's order is not the catalog's meaning.
            .fold(self.0.len() as u64, u64::wrapping_add)
    }

    /// For tests and tools: a catalog from `(id, name, muscle, tracking)`.
    pub fn of(entries: &[(&str, &str, &str, Tracking)]) -> Self {
        Self(
            entries
                .iter()
                .map(|(id, name, muscle, tracking)| {
                    (
                        (*id).to_owned(),
                        ExerciseFacts {
                            name: (*name).to_owned(),
                            muscle: (*muscle).to_owned(),
                            tracking: *tracking,
                        },
                    )
                })
                .collect(),
        )
    }
}
