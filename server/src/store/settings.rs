//! One settings record per user (DESIGN.md §4 "Settings are one record per user").
//!
//! WatermelonDB apps create their settings record themselves, with an id of their own,
//! often before their first pull; two offline devices may each create one. Refusing those
//! pushes would block the device for good, so a push is folded before it is applied: every
//! pushed settings record becomes an update of the user's one record, and each other id is
//! logged as `deleted`, so the device that created it drops it at its next pull and keeps
//! the one record instead.

use super::changes::{read_record_of_user, ChangeLog, ChangeType};
use super::changeset::{TablePush, Upsert, ValidPush};
use super::db::{Db, SqlValue};
use super::error::StoreResult;
use app::model::{tables::table, ColumnKind, RecordId, TableDef};
use std::borrow::Cow;

const SETTINGS: &str = "user_settings";

fn settings_table() -> &'static TableDef {
    table(SETTINGS).expect("the registry has user_settings")
}

/// What folding left to do once the push's rows are written.
#[derive(Debug, Default)]
pub struct Folded {
    /// Pushed settings ids that are not the user's record: logged as deleted.
    aliases: Vec<RecordId>,
    /// The client deleted the one record: it stays, and is logged again so that client
    /// gets it back.
    restore: bool,
}

impl Folded {
    /// Adds the aliases' deletes and a restored record to the push's log; called once the
    /// push's rows are written, as the entries carry the record as it then stands.
    pub async fn log(
        &self,
        db: &mut dyn Db,
        user_id: &str,
        log: &mut ChangeLog,
    ) -> StoreResult<()> {
        if self.aliases.is_empty() && !self.restore {
            return Ok(());
        }
        let def = settings_table();
        let Some(record) = read_record_of_user(db, def, user_id).await? else {
            return Ok(());
        };
        if self.restore {
            let id = record["id"].as_str().unwrap_or_default().to_owned();
            log.add_wire(def, &id, ChangeType::Updated, record.clone());
        }
        for alias in &self.aliases {
            let mut last = record.clone();
            last.insert("id".into(), alias.as_str().into());
            log.add_wire(def, alias.as_str(), ChangeType::Deleted, last);
        }
        Ok(())
    }
}

/// Rewrites the push's settings changes onto the user's one record. Returns the push
/// unchanged (borrowed) when it has no settings changes.
pub async fn fold<'a>(
    db: &mut dyn Db,
    user_id: &str,
    push: &'a ValidPush,
) -> StoreResult<(Cow<'a, ValidPush>, Folded)> {
    let Some(pos) = push.tables.iter().position(|t| t.table.name == SETTINGS) else {
        return Ok((Cow::Borrowed(push), Folded::default()));
    };
    let current = db
        .fetch_value(
            "select \"id\" from \"user_settings\" where \"user_id\" = $1",
            vec![SqlValue::text(user_id)],
            ColumnKind::Text,
        )
        .await?
        .and_then(SqlValue::into_text);
    let mut push = push.clone();
    let (tp, folded) = fold_table(&push.tables[pos], current.as_deref());
    match tp {
        Some(tp) => push.tables[pos] = tp,
        None => {
            push.tables.remove(pos);
        }
    }
    Ok((Cow::Owned(push), folded))
}

/// The pure part of [`fold`]: `current` is the id of the user's record, if any.
fn fold_table(tp: &TablePush, current: Option<&str>) -> (Option<TablePush>, Folded) {
    let mut folded = Folded::default();
    // The one record's id: the stored one, else the first pushed (a user without one).
    let target = current
        .map(str::to_owned)
        .or_else(|| tp.upserts.first().map(|u| u.id.to_string()));
    let Some(target) = target else {
        // Only deletes of records that do not exist: nothing to do.
        return (None, folded);
    };
    let target_id = RecordId::parse(&target).expect("stored ids are valid ids");
    let mut merged: Option<Upsert> = None;
    for upsert in &tp.upserts {
        let alias = upsert.id.as_str() != target;
        if alias && !folded.aliases.contains(&upsert.id) {
            folded.aliases.push(upsert.id.clone());
        }
        // Later records win the columns they carry. A device's own new record fills in
        // what it knows: its nulls mean "not set here", not "erase the user's setting".
        let into = merged.get_or_insert_with(|| Upsert {
            id: target_id.clone(),
            values: vec![None; upsert.values.len()],
        });
        for (slot, value) in into.values.iter_mut().zip(&upsert.values) {
            if value.as_ref().is_some_and(|v| !(alias && v.is_null())) {
                slot.clone_from(value);
            }
        }
    }
    folded.restore = merged.is_none() && tp.deletes.iter().any(|id| id.as_str() == target);
    let out = merged.map(|upsert| TablePush {
        table: tp.table,
        upserts: vec![upsert],
        deletes: Vec::new(),
    });
    (out, folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upsert(id: &str, theme: Option<&str>, unit: Option<&str>) -> Upsert {
        let def = settings_table();
        let mut values = vec![None; def.columns.len()];
        let at = |name| def.columns.iter().position(|c| c.name == name).unwrap();
        values[at("theme")] = theme.map(SqlValue::text);
        values[at("weight_unit")] = unit.map(SqlValue::text);
        Upsert {
            id: RecordId::parse(id).unwrap(),
            values,
        }
    }

    fn push(upserts: Vec<Upsert>, deletes: &[&str]) -> TablePush {
        TablePush {
            table: settings_table(),
            upserts,
            deletes: deletes
                .iter()
                .map(|d| RecordId::parse(d).unwrap())
                .collect(),
        }
    }

    #[test]
    fn foreign_records_fold_into_the_users_record_in_order() {
        let tp = push(
            vec![
                upsert("deviceA", Some("dark"), Some("lb")),
                upsert("mine", None, Some("kg")),
            ],
            &[],
        );
        let (out, folded) = fold_table(&tp, Some("mine"));
        let out = out.unwrap();
        assert_eq!(out.upserts.len(), 1);
        assert_eq!(out.upserts[0].id.as_str(), "mine");
        assert_eq!(folded.aliases, [RecordId::parse("deviceA").unwrap()]);
        assert!(!folded.restore);
        let expected = upsert("mine", Some("dark"), Some("kg"));
        assert_eq!(out.upserts[0].values, expected.values);
    }

    #[test]
    fn a_foreign_records_nulls_do_not_erase_settings() {
        let def = settings_table();
        let mut blank = upsert("deviceB", Some("light"), None);
        let at = def
            .columns
            .iter()
            .position(|c| c.name == "weight_unit")
            .unwrap();
        blank.values[at] = Some(SqlValue::Text(None));
        let (out, _) = fold_table(&push(vec![blank], &[]), Some("mine"));
        assert_eq!(
            out.unwrap().upserts[0].values,
            upsert("x", Some("light"), None).values
        );
    }

    #[test]
    fn deleting_the_one_record_restores_it_and_other_deletes_are_dropped() {
        let (out, folded) = fold_table(&push(vec![], &["mine", "other"]), Some("mine"));
        assert!(out.is_none());
        assert!(folded.restore);
        let (out, folded) = fold_table(&push(vec![], &["other"]), Some("mine"));
        assert!(out.is_none() && !folded.restore && folded.aliases.is_empty());
    }

    #[test]
    fn a_user_without_a_record_takes_the_first_pushed() {
        let tp = push(
            vec![upsert("a", Some("dark"), None), upsert("b", None, None)],
            &[],
        );
        let (out, folded) = fold_table(&tp, None);
        assert_eq!(out.unwrap().upserts[0].id.as_str(), "a");
        assert_eq!(folded.aliases, [RecordId::parse("b").unwrap()]);
    }
}
