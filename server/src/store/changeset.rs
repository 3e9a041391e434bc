//! What the store is asked to write and read for sync: a push that passed validation
//! (`crate::validate` makes them from request bodies; imports build them too) and a
//! pull's query.

use super::db::SqlValue;
use app::model::{RecordId, TableDef};

/// A push that passed validation.
#[derive(Debug, Clone)]
pub struct ValidPush {
    /// The client's cursor; 0 when it never pulled.
    pub last_pulled_at: i64,
    /// Tables with changes, in registry (parents-first) order.
    pub tables: Vec<TablePush>,
}

impl ValidPush {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct TablePush {
    pub table: &'static TableDef,
    pub upserts: Vec<Upsert>,
    pub deletes: Vec<RecordId>,
}

impl TablePush {
    /// The position of `parent`'s column and the parent ids the upserts point at (each
    /// once, in order).
    pub fn pointed_at(&self, parent: &app::model::tables::ParentRef) -> (usize, Vec<&str>) {
        let pos = self
            .table
            .columns
            .iter()
            .position(|c| c.name == parent.column)
            .expect("the registry names parent columns");
        let mut ids: Vec<&str> = self
            .upserts
            .iter()
            .filter_map(|u| match u.values.get(pos) {
                Some(Some(SqlValue::Text(Some(id)))) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        (pos, ids)
    }
}

/// A created or updated record. `values` follows `table.columns`; `None` means the client
/// did not send that column (an older schema), so the server keeps what it has.
#[derive(Debug, Clone)]
pub struct Upsert {
    pub id: RecordId,
    pub values: Vec<Option<SqlValue>>,
}

/// Query parameters of a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullQuery {
    /// `None` for a first pull (absent, `0`, `null` or `"null"`).
    pub last_pulled_at: Option<i64>,
    pub schema_version: u32,
    /// WatermelonDB's migration sync: the schema version the client last pulled with,
    /// when older than `schema_version`. The pull then also carries every record of the
    /// tables and columns added since, which the client's earlier pulls left out.
    pub migrated_from: Option<u32>,
}
