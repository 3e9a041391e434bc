//! The exercise library: the catalogue every user shares, written at start-up.

use super::db::{Cells, Db, SqlValue};
use super::error::StoreResult;
use app::model::{ColumnKind, LibraryExercise, Tracking};

/// Writes the catalogue (idempotent: insert or replace by id).
pub(super) async fn replace(tx: &mut dyn Db, rows: &[LibraryExercise]) -> StoreResult<()> {
    for row in rows {
        tx.execute(
            "insert into exercises (id, name, category, equipment, primary_muscle, \
             secondary_muscles, tracking) values ($1, $2, $3, $4, $5, $6, $7) \
             on conflict (id) do update \
             set name = excluded.name, category = excluded.category, \
             equipment = excluded.equipment, primary_muscle = excluded.primary_muscle, \
             secondary_muscles = excluded.secondary_muscles, tracking = excluded.tracking",
            vec![
                SqlValue::text(&row.id),
                SqlValue::text(&row.name),
                SqlValue::text(&row.category),
                SqlValue::text(&row.equipment),
                SqlValue::text(&row.primary_muscle),
                SqlValue::text(row.secondary_muscles.join(",")),
                SqlValue::text(row.tracking.as_str()),
            ],
        )
        .await?;
    }
    Ok(())
}

/// The catalogue, by name.
pub(super) async fn all(tx: &mut dyn Db) -> StoreResult<Vec<LibraryExercise>> {
    let rows = tx
        .fetch(
            "select id, name, category, equipment, primary_muscle, secondary_muscles, \
             tracking from exercises order by name, id",
            vec![],
            &[ColumnKind::Text; 7],
        )
        .await?;
    rows.into_iter()
        .map(|row| {
            let mut cells = Cells::new(row);
            Ok(LibraryExercise {
                id: cells.text("id")?,
                name: cells.text("name")?,
                category: cells.text("category")?,
                equipment: cells.text("equipment")?,
                primary_muscle: cells.text("primary_muscle")?,
                secondary_muscles: cells
                    .opt_text()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                tracking: Tracking::parse(cells.opt_text().as_deref()),
            })
        })
        .collect()
}
