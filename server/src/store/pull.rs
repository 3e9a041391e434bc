//! A pull read in the caller's snapshot transaction (DESIGN.md §4), and the user's live
//! records that first pulls and server-rendered pages read.

use super::changeset::PullQuery;
use super::db::{Cells, Db, SqlRow, SqlValue};
use super::error::{StoreError, StoreResult};
use super::record::WireRecord;
use super::sql::quote;
use app::model::wire::{PullResponse, TableChanges};
use app::model::{tables::table, ColumnKind, TableDef, TABLES};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Every record of `table` the user owns, with the columns `version` knows: an initial
/// pull's content for that table, and what server-rendered pages read.
pub async fn live_records(
    db: &mut dyn Db,
    user_id: &str,
    t: &TableDef,
    version: u32,
) -> StoreResult<Vec<WireRecord>> {
    let columns: Vec<_> = t.columns_for(version).collect();
    let mut kinds = vec![ColumnKind::Text];
    kinds.extend(columns.iter().map(|c| c.kind));
    let list = columns.iter().map(|c| quote(c.name)).collect::<Vec<_>>();
    let sql = format!(
        "select \"id\"{}{} from {} where \"user_id\" = $1",
        if list.is_empty() { "" } else { ", " },
        list.join(", "),
        quote(t.name)
    );
    let rows: Vec<SqlRow> = db
        .fetch(&sql, vec![SqlValue::text(user_id)], &kinds)
        .await?;
    rows.into_iter()
        .map(|row| {
            let mut cells = Cells::new(row);
            let mut record = WireRecord::new();
            record.insert("id".into(), cells.text("id")?.into());
            for (c, v) in columns.iter().zip(cells.rest()) {
                record.insert(c.name.into(), super::record::to_json(v));
            }
            Ok(record)
        })
        .collect()
}

/// Adds to an incremental pull every live record of the tables, or with the columns,
/// that versions after `from` introduced: the client has them without those values (or
/// not at all). They go in `updated`, which WatermelonDB creates when missing, and replace
/// any entry of the same record (the live record is the latest state anyway).
async fn migrate(
    db: &mut dyn Db,
    user_id: &str,
    changes: &mut BTreeMap<String, TableChanges>,
    from: u32,
    version: u32,
) -> StoreResult<()> {
    let affected = TABLES.iter().filter(|t| {
        t.since <= version && (t.since > from || t.columns_for(version).any(|c| c.since > from))
    });
    for t in affected {
        let records = live_records(db, user_id, t, version).await?;
        let entry = changes.entry(t.name.to_owned()).or_default();
        let fresh: HashSet<&str> = records
            .iter()
            .filter_map(|r| r.get("id").and_then(serde_json::Value::as_str))
            .collect();
        entry.updated.retain(|r| {
            !r.get("id")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|id| fresh.contains(id))
        });
        entry.updated.extend(records);
    }
    Ok(())
}

pub async fn pull(db: &mut dyn Db, user_id: &str, query: PullQuery) -> StoreResult<PullResponse> {
    let cursor = db
        .fetch_value(
            "select last_change_at from user_profile where id = $1",
            vec![SqlValue::text(user_id)],
            ColumnKind::Int,
        )
        .await?
        .and_then(SqlValue::into_int)
        .unwrap_or(0)
        .max(1);
    let version = query.schema_version;
    let known: Vec<&'static TableDef> = TABLES.iter().filter(|t| t.since <= version).collect();
    let mut changes: BTreeMap<String, TableChanges> = known
        .iter()
        .map(|t| (t.name.to_owned(), TableChanges::default()))
        .collect();

    match query.last_pulled_at {
        None => {
            for t in &known {
                let entry = changes.get_mut(t.name).expect("known table");
                entry.created = live_records(db, user_id, t, version).await?;
            }
        }
        Some(since) => {
            let rows = db
                .fetch(
                    "select table_name, record_id, change_type, changes_text from (\
                     select id, \"timestamp\", table_name, record_id, change_type, cast(changes as text) as changes_text \
                     from changes where user_id = $1 and \"timestamp\" > $2 and \"timestamp\" <= $3) c \
                     order by \"timestamp\", id",
                    vec![SqlValue::text(user_id), SqlValue::int(since), SqlValue::int(cursor)],
                    &[ColumnKind::Text; 4],
                )
                .await?;
            // The latest change of each record decides; order of first appearance is kept.
            let mut latest: HashMap<(String, String), (usize, String, Option<String>)> =
                HashMap::new();
            for (i, row) in rows.into_iter().enumerate() {
                let mut cells = Cells::new(row);
                let (t, id, kind) = (
                    cells.text("table_name")?,
                    cells.text("record_id")?,
                    cells.text("change_type")?,
                );
                // A delete needs no state; any other change is read for its record.
                let json = cells.opt_text();
                let first = latest.get(&(t.clone(), id.clone())).map_or(i, |e| e.0);
                latest.insert((t, id), (first, kind, json));
            }
            let mut ordered: Vec<_> = latest.into_iter().collect();
            ordered.sort_by_key(|(_, (first, _, _))| *first);
            for ((t, id), (_, kind, json)) in ordered {
                let (Some(def), Some(entry)) = (table(&t), changes.get_mut(&t)) else {
                    continue; // a table this client's version does not know
                };
                if kind == "deleted" {
                    entry.deleted.push(id);
                    continue;
                }
                let json = json.ok_or_else(|| {
                    StoreError::Other(sqlx::Error::ColumnDecode {
                        index: "changes".into(),
                        source: format!("no record state in the {kind} change of {t} {id}").into(),
                    })
                })?;
                let stored: WireRecord = serde_json::from_str(&json)
                    .map_err(|e| StoreError::Other(sqlx::Error::Decode(Box::new(e))))?;
                let mut record = WireRecord::new();
                record.insert("id".into(), id.into());
                for c in def.columns_for(version) {
                    record.insert(
                        c.name.into(),
                        stored.get(c.name).cloned().unwrap_or_default(),
                    );
                }
                entry.updated.push(record);
            }
            if let Some(from) = query.migrated_from {
                migrate(db, user_id, &mut changes, from, version).await?;
            }
        }
    }
    Ok(PullResponse {
        changes,
        timestamp: cursor,
    })
}
