//! SQL text generated from the table registry.
//!
//! Identifiers are always quoted here (`order` is a keyword in both dialects), and table
//! and column names only ever come from the registry, never from a request.

use app::model::TableDef;

/// The two SQL dialects we speak. Almost all SQL is shared; this names the differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// A placeholder for a JSON document bound as text.
    pub fn json_param(self, n: usize) -> String {
        match self {
            Self::Postgres => format!("cast(${n} as jsonb)"),
            Self::Sqlite => format!("${n}"),
        }
    }

    /// A JSON column read back as text.
    pub fn json_text(self, column: &str) -> String {
        match self {
            Self::Postgres => format!("{}::text", quote(column)),
            Self::Sqlite => quote(column),
        }
    }

    fn greatest(self) -> &'static str {
        match self {
            Self::Postgres => "greatest",
            Self::Sqlite => "max",
        }
    }
}

/// Spends an attempt of key `$1` at `$2` with interval `$3` and tolerance `$4`: returns
/// the key's new instant, or no row when it has none left (the row is then unchanged).
pub fn take_attempt(dialect: Dialect) -> String {
    let g = dialect.greatest();
    format!(
        "insert into attempt_limit (key, tat) values ($1, $2 + $3) \
         on conflict (key) do update set tat = {g}(attempt_limit.tat, $2) + $3 \
         where {g}(attempt_limit.tat, $2) <= $2 + $4 returning tat"
    )
}

/// 1 when the database takes writes in a new transaction, else 0. SQLite's file is
/// writable whenever it opened (a read-only file fails at startup).
pub fn accepts_writes(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => {
            "select case when pg_is_in_recovery() \
             or current_setting('transaction_read_only') = 'on' then 0 else 1 end::bigint"
        }
        Dialect::Sqlite => "select cast(1 as bigint)",
    }
}

/// Quotes an identifier for either dialect.
pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Advances a user's sync cursor and returns the new stamp and the one before it
/// (DESIGN.md §4 "Timestamps"); both stores evaluate every `set` on the row as it was.
/// Being an `update`, it also takes the user's row lock (PostgreSQL) or the database's
/// write lock (SQLite) before anything else in the transaction is read.
pub fn stamp(dialect: Dialect) -> String {
    format!(
        "update \"user_profile\" set \"previous_change_at\" = \"last_change_at\", \
         \"last_change_at\" = {}($2, \"last_change_at\" + 1) \
         where \"id\" = $1 returning \"last_change_at\", \"previous_change_at\"",
        dialect.greatest()
    )
}

/// Inserts or replaces `rows` synced records in one statement. Arguments per row: `id`,
/// `user_id`, the table's columns in registry order, then `server_changed_at`. Rows are
/// keyed by `(user_id, id)`: the same id in another account is another row.
pub fn upsert_records(table: &TableDef, rows: usize) -> String {
    let mut names = vec![quote("id"), quote("user_id")];
    names.extend(table.columns.iter().map(|c| quote(c.name)));
    names.push(quote("server_changed_at"));
    let updates: Vec<String> = names[2..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let t = quote(table.name);
    format!(
        "insert into {t} ({}) values {} on conflict (\"user_id\", \"id\") do update set {}",
        names.join(", "),
        value_groups(rows, names.len()),
        updates.join(", "),
    )
}

/// `($1, $2), ($3, $4)` for 2 rows of 2 values.
fn value_groups(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|i| format!("${}", r * width + i)).collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Appends `rows` entries to the change log. Arguments per row: table name, record id,
/// change type, the record as JSON text, user id, stamp.
pub fn append_changes(dialect: Dialect, rows: usize) -> String {
    let groups: Vec<String> = (0..rows)
        .map(|r| {
            let p = |i: usize| r * 6 + i;
            format!(
                "(${}, ${}, ${}, {}, ${}, ${})",
                p(1),
                p(2),
                p(3),
                dialect.json_param(p(4)),
                p(5),
                p(6)
            )
        })
        .collect();
    format!(
        "insert into \"changes\" (\"table_name\", \"record_id\", \"change_type\", \"changes\", \
         \"user_id\", \"timestamp\") values {}",
        groups.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::tables::table;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote("order"), "\"order\"");
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
    }

    #[test]
    fn upsert_golden() {
        assert_eq!(
            upsert_records(table("routine_workouts").unwrap(), 1),
            "insert into \"routine_workouts\" (\"id\", \"user_id\", \"routine_id\", \"workout_id\", \
             \"order\", \"server_changed_at\") values ($1, $2, $3, $4, $5, $6) on conflict \
             (\"user_id\", \"id\") do update set \"routine_id\" = excluded.\"routine_id\", \
             \"workout_id\" = excluded.\"workout_id\", \"order\" = excluded.\"order\", \
             \"server_changed_at\" = excluded.\"server_changed_at\""
        );
    }

    #[test]
    fn stamp_golden() {
        assert_eq!(
            stamp(Dialect::Postgres),
            "update \"user_profile\" set \"previous_change_at\" = \"last_change_at\", \
             \"last_change_at\" = greatest($2, \"last_change_at\" + 1) \
             where \"id\" = $1 returning \"last_change_at\", \"previous_change_at\""
        );
        assert!(stamp(Dialect::Sqlite).contains("= max($2, "));
    }

    #[test]
    fn append_change_golden() {
        assert_eq!(
            append_changes(Dialect::Postgres, 1),
            "insert into \"changes\" (\"table_name\", \"record_id\", \"change_type\", \"changes\", \
             \"user_id\", \"timestamp\") values ($1, $2, $3, cast($4 as jsonb), $5, $6)"
        );
        assert!(append_changes(Dialect::Sqlite, 1).contains("values ($1, $2, $3, $4, $5, $6)"));
        assert!(append_changes(Dialect::Postgres, 2)
            .ends_with("($7, $8, $9, cast($10 as jsonb), $11, $12)"));
    }

    #[test]
    fn multi_row_upsert_numbers_every_row() {
        let sql = upsert_records(table("routine_workouts").unwrap(), 2);
        assert!(sql
            .contains("values ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12) on conflict"));
    }
}
