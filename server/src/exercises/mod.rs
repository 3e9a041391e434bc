//! The exercise library: our own catalogue, shipped with the server, loaded into the
//! `exercises` table at start-up and served read-only with an ETag.

use crate::store::{Store, StoreResult};
use app::model::exercises::{LibraryExercise, CATEGORIES, EQUIPMENT};
use app::model::Tracking;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

const CATALOGUE_CSV: &str = include_str!("catalogue.csv");

#[derive(Debug, serde::Deserialize)]
struct CsvRow {
    id: String,
    name: String,
    category: String,
    equipment: String,
    primary_muscle: String,
    secondary_muscles: String,
    tracking: String,
}

/// Parses the built-in catalogue, checking ids and vocabularies so a typo fails the build's
/// tests rather than reaching users.
pub fn builtin() -> Result<Vec<LibraryExercise>, String> {
    let mut reader = csv::Reader::from_reader(CATALOGUE_CSV.as_bytes());
    let mut rows = Vec::new();
    for (line, record) in reader.deserialize::<CsvRow>().enumerate() {
        let r = record.map_err(|e| format!("catalogue line {}: {e}", line + 2))?;
        let valid_id = !r.id.is_empty()
            && r.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_id {
            return Err(format!("catalogue id {:?} is not kebab-case", r.id));
        }
        if !CATEGORIES.contains(&r.category.as_str()) {
            return Err(format!("{}: unknown category {:?}", r.id, r.category));
        }
        if !EQUIPMENT.contains(&r.equipment.as_str()) {
            return Err(format!("{}: unknown equipment {:?}", r.id, r.equipment));
        }
        let tracking = Tracking::from_name(&r.tracking)
            .ok_or_else(|| format!("{}: unknown tracking {:?}", r.id, r.tracking))?;
        rows.push(LibraryExercise {
            id: r.id,
            name: r.name,
            category: r.category,
            equipment: r.equipment,
            primary_muscle: r.primary_muscle,
            secondary_muscles: r
                .secondary_muscles
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            tracking,
        });
    }
    Ok(rows)
}

/// The library as served: the JSON body and its ETag, computed once.
pub struct Catalogue {
    pub json: bytes::Bytes,
    pub etag: String,
    pub len: usize,
    /// Exercise names by id, for server-rendered pages.
    pub names: Arc<BTreeMap<String, String>>,
    /// The entries, for server-rendered statistics (muscles, tracking kinds).
    pub library: Arc<Vec<LibraryExercise>>,
}

impl Catalogue {
    /// Writes the built-in catalogue to the store, then reads back what is stored, so the
    /// served body is exactly the table's content.
    pub async fn load(store: &dyn Store) -> StoreResult<Self> {
        let rows = builtin().map_err(crate::store::StoreError::Config)?;
        store.replace_exercises(&rows).await?;
        let stored = store.exercises().await?;
        Ok(Self::from_rows(&stored))
    }

    pub fn from_rows(rows: &[LibraryExercise]) -> Self {
        let json = serde_json::to_vec(rows).expect("exercise rows serialise");
        let digest = Sha256::digest(&json);
        let etag = format!(
            "\"{}\"",
            digest[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Self {
            json: json.into(),
            etag,
            len: rows.len(),
            names: Arc::new(
                rows.iter()
                    .map(|r| (r.id.clone(), r.name.clone()))
                    .collect(),
            ),
            library: Arc::new(rows.to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_large_unique_and_covers_every_kind_of_equipment() {
        let rows = builtin().unwrap();
        assert!(rows.len() >= 150, "only {} exercises", rows.len());
        let ids: HashSet<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), rows.len(), "duplicate ids");
        let names: HashSet<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names.len(), rows.len(), "duplicate names");
        for kind in ["barbell", "dumbbell", "machine", "cable", "bodyweight"] {
            assert!(
                rows.iter().any(|r| r.equipment == kind),
                "no {kind} exercise"
            );
        }
        assert!(rows.iter().any(|r| r.category == "cardio"));
        assert!(rows
            .iter()
            .all(|r| !r.primary_muscle.is_empty() && !r.name.is_empty()));
        let tracking = |id: &str| rows.iter().find(|r| r.id == id).unwrap().tracking;
        assert_eq!(tracking("barbell-bench-press"), Tracking::WeightReps);
        assert_eq!(tracking("pull-up"), Tracking::Reps);
        assert_eq!(tracking("assisted-pull-up"), Tracking::Assisted);
        assert_eq!(tracking("plank"), Tracking::Duration);
        assert_eq!(tracking("outdoor-run"), Tracking::DistanceDuration);
    }

    #[test]
    fn etag_follows_content() {
        let rows = builtin().unwrap();
        let a = Catalogue::from_rows(&rows);
        let b = Catalogue::from_rows(&rows[1..]);
        assert_ne!(a.etag, b.etag);
        assert_eq!(a.etag, Catalogue::from_rows(&rows).etag);
    }
}
