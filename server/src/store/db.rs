//! A thin, dialect-neutral way to run SQL on either backend.
//!
//! sqlx types every query by its database, which would make us write each store operation
//! twice. The operations instead talk to `dyn Db`: arguments and results are [`SqlValue`]s
//! typed by the registry's [`ColumnKind`], and each backend adapts its own connection type
//! once, in the macro below.

use app::model::ColumnKind;
use async_trait::async_trait;
use sqlx::Row;

/// One typed SQL value. Nulls keep their type: PostgreSQL refuses an untyped `NULL` for a
/// `bigint` parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
}

impl SqlValue {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(Some(s.into()))
    }

    pub fn int(i: i64) -> Self {
        Self::Int(Some(i))
    }

    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Self::Text(None) | Self::Int(None) | Self::Real(None) | Self::Bool(None)
        )
    }

    pub fn into_text(self) -> Option<String> {
        match self {
            Self::Text(v) => v,
            _ => None,
        }
    }

    pub fn into_int(self) -> Option<i64> {
        match self {
            Self::Int(v) => v,
            _ => None,
        }
    }
}

pub type SqlRow = Vec<SqlValue>;

/// A connection (in practice always inside a transaction) that runs dialect-correct SQL.
/// A row's values read in order, each as what it must be: a NULL or a missing column
/// where a value must be is an error naming the column, never an empty default (a
/// column-order slip or a broken row would otherwise pass as `""` or `0`).
pub struct Cells(std::vec::IntoIter<SqlValue>);

impl Cells {
    pub fn new(row: SqlRow) -> Self {
        Self(row.into_iter())
    }

    /// The next value as text; `column` names it in the error.
    pub fn text(&mut self, column: &str) -> Result<String, sqlx::Error> {
        self.opt_text().ok_or_else(|| missing(column))
    }

    /// The next value as text, `None` for a NULL.
    pub fn opt_text(&mut self) -> Option<String> {
        self.0.next().and_then(SqlValue::into_text)
    }

    /// The next value as an integer; `column` names it in the error.
    pub fn int(&mut self, column: &str) -> Result<i64, sqlx::Error> {
        self.0
            .next()
            .and_then(SqlValue::into_int)
            .ok_or_else(|| missing(column))
    }

    /// The values not read yet.
    pub fn rest(self) -> Vec<SqlValue> {
        self.0.collect()
    }
}

fn missing(column: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: "NULL or missing where a value must be".into(),
    }
}

#[async_trait]
pub trait Db: Send {
    async fn execute(&mut self, sql: &str, args: Vec<SqlValue>) -> Result<u64, sqlx::Error>;

    /// Runs a query whose result columns have the given kinds, in order.
    async fn fetch(
        &mut self,
        sql: &str,
        args: Vec<SqlValue>,
        kinds: &[ColumnKind],
    ) -> Result<Vec<SqlRow>, sqlx::Error>;

    /// [`Db::fetch`] planned for these very arguments and the tables as they are now,
    /// never from a cached plan. For a hot lookup whose good plan depends on the data: a
    /// plan cached while a table was small (PostgreSQL keeps one per connection, and
    /// statistics may be stale) can scan what an index would probe.
    async fn fetch_replanned(
        &mut self,
        sql: &str,
        args: Vec<SqlValue>,
        kinds: &[ColumnKind],
    ) -> Result<Vec<SqlRow>, sqlx::Error>;

    async fn fetch_optional(
        &mut self,
        sql: &str,
        args: Vec<SqlValue>,
        kinds: &[ColumnKind],
    ) -> Result<Option<SqlRow>, sqlx::Error> {
        Ok(self.fetch(sql, args, kinds).await?.into_iter().next())
    }

    /// The first column of the first row, if there is a row.
    async fn fetch_value(
        &mut self,
        sql: &str,
        args: Vec<SqlValue>,
        kind: ColumnKind,
    ) -> Result<Option<SqlValue>, sqlx::Error> {
        Ok(self
            .fetch_optional(sql, args, &[kind])
            .await?
            .and_then(|row| row.into_iter().next()))
    }

    /// The first column of the first row, as an integer.
    async fn fetch_int(&mut self, sql: &str, args: Vec<SqlValue>) -> Result<i64, sqlx::Error> {
        self.fetch_value(sql, args, ColumnKind::Int)
            .await?
            .and_then(SqlValue::into_int)
            .ok_or(sqlx::Error::RowNotFound)
    }
}

/// A transaction that can be committed; dropping it rolls back.
#[async_trait]
pub trait Tx: Db {
    async fn commit(self: Box<Self>) -> Result<(), sqlx::Error>;
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                SqlValue::Text(v) => query.bind(v),
                SqlValue::Int(v) => query.bind(v),
                SqlValue::Real(v) => query.bind(v),
                SqlValue::Bool(v) => query.bind(v),
            };
        }
        query
    }};
}

macro_rules! impl_db {
    ($database:ty) => {
        #[async_trait]
        impl<'c> Db for sqlx::Transaction<'c, $database> {
            async fn execute(
                &mut self,
                sql: &str,
                args: Vec<SqlValue>,
            ) -> Result<u64, sqlx::Error> {
                let query = bind_all!(sqlx::query(sql), args);
                Ok(query.execute(&mut **self).await?.rows_affected())
            }

            async fn fetch(
                &mut self,
                sql: &str,
                args: Vec<SqlValue>,
                kinds: &[ColumnKind],
            ) -> Result<Vec<SqlRow>, sqlx::Error> {
                let query = bind_all!(sqlx::query(sql), args);
                let rows = query.fetch_all(&mut **self).await?;
                decode_rows!(rows, kinds)
            }

            async fn fetch_replanned(
                &mut self,
                sql: &str,
                args: Vec<SqlValue>,
                kinds: &[ColumnKind],
            ) -> Result<Vec<SqlRow>, sqlx::Error> {
                // Not kept as a prepared statement: parsed and planned on every run.
                let query = bind_all!(sqlx::query(sql).persistent(false), args);
                let rows = query.fetch_all(&mut **self).await?;
                decode_rows!(rows, kinds)
            }
        }

        #[async_trait]
        impl<'c> Tx for sqlx::Transaction<'c, $database> {
            async fn commit(self: Box<Self>) -> Result<(), sqlx::Error> {
                (*self).commit().await
            }
        }
    };
}

/// Rows decoded by the column kinds asked for, in order.
macro_rules! decode_rows {
    ($rows:expr, $kinds:expr) => {
        $rows
            .iter()
            .map(|row| {
                $kinds
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| {
                        Ok(match kind {
                            ColumnKind::Text => SqlValue::Text(row.try_get(i)?),
                            ColumnKind::Int => SqlValue::Int(row.try_get(i)?),
                            ColumnKind::Real => SqlValue::Real(row.try_get(i)?),
                            ColumnKind::Bool => SqlValue::Bool(row.try_get(i)?),
                        })
                    })
                    .collect()
            })
            .collect()
    };
}

impl_db!(sqlx::Postgres);
impl_db!(sqlx::Sqlite);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_or_missing_cell_is_an_error_naming_its_column() {
        let mut cells = Cells::new(vec![SqlValue::text("a"), SqlValue::Text(None)]);
        assert_eq!(cells.text("first").unwrap(), "a");
        let err = cells.text("second").unwrap_err().to_string();
        assert!(err.contains("second"), "{err}");
        let err = cells.int("third").unwrap_err().to_string();
        assert!(err.contains("third"), "{err}");
        let mut cells = Cells::new(vec![SqlValue::Int(Some(7)), SqlValue::Text(None)]);
        assert_eq!(cells.int("n").unwrap(), 7);
        assert_eq!(cells.opt_text(), None);
    }
}
