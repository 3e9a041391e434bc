//! The PostgreSQL schema keeps Citus's rules for distributing user data by user, read from
//! the catalog of a migrated database (Citus itself is not installable here): every table
//! is either reference data or distributed by its user; each distributed table's primary
//! key and unique keys include the user; every foreign key between distributed tables
//! carries the user on both sides; reference data points at no distributed table; and
//! only the change log has a sequence, whose ids never order two transactions (a pull
//! orders by stamp, see `store_conformance`).

mod common;

use common::{bounded, TestDb};
use sqlx::{Connection, PgConnection};
use std::collections::{BTreeMap, BTreeSet};

/// Copied to every node (`create_reference_table`): read everywhere, written rarely.
const REFERENCE: &[&str] = &["exercises", "server_secret", "local_account"];
/// Distributed by a key of its own, in its own colocation group.
const OWN_KEY: &[(&str, &str)] = &[("attempt_limit", "key")];
/// Every other table is a user's data, distributed by this column (colocated).
fn user_column(table: &str) -> &'static str {
    if table == "user_profile" {
        "id"
    } else {
        "user_id"
    }
}

struct Catalog {
    conn: PgConnection,
}

impl Catalog {
    async fn strings(&mut self, sql: &str, table: &str) -> Vec<String> {
        sqlx::query_scalar(sql)
            .bind(table)
            .fetch_all(&mut self.conn)
            .await
            .unwrap()
    }

    async fn tables(&mut self) -> Vec<String> {
        sqlx::query_scalar(
            "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace \
             where n.nspname = 'public' and c.relkind in ('r', 'p') \
             and c.relname <> '_sqlx_migrations' order by 1",
        )
        .fetch_all(&mut self.conn)
        .await
        .unwrap()
    }

    /// Each primary key and unique index of `table`, as its columns.
    async fn unique_keys(&mut self, table: &str) -> BTreeMap<String, Vec<String>> {
        let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
            "select i.relname::text, array(select a.attname::text from unnest(x.indkey) k \
             join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k) \
             from pg_index x join pg_class i on i.oid = x.indexrelid \
             where x.indrelid = $1::regclass and x.indisunique",
        )
        .bind(table)
        .fetch_all(&mut self.conn)
        .await
        .unwrap();
        rows.into_iter().collect()
    }

    /// Each foreign key of `table`: its name, the table it references, and its column
    /// pairs (referencing, referenced).
    async fn foreign_keys(&mut self, table: &str) -> Vec<(String, String, Vec<(String, String)>)> {
        let rows: Vec<(String, String, Vec<String>, Vec<String>)> = sqlx::query_as(
            "select c.conname::text, c.confrelid::regclass::text, \
             array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i) \
                   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i), \
             array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i) \
                   join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) \
             from pg_constraint c where c.conrelid = $1::regclass and c.contype = 'f'",
        )
        .bind(table)
        .fetch_all(&mut self.conn)
        .await
        .unwrap();
        rows.into_iter()
            .map(|(name, to, from_cols, to_cols)| {
                (name, to, from_cols.into_iter().zip(to_cols).collect())
            })
            .collect()
    }
}

#[tokio::test]
async fn the_schema_keeps_citus_rules_for_distributing_by_user() {
    bounded("citus rules", async {
        let Some(db) = TestDb::postgres().await else {
            return;
        };
        // Migrated as the server migrates it.
        let store = server::store::connect(&db.url).await.unwrap();
        store.close().await;
        let mut catalog = Catalog {
            conn: PgConnection::connect(&db.url).await.unwrap(),
        };

        let tables = catalog.tables().await;
        let own_key: BTreeMap<&str, &str> = OWN_KEY.iter().copied().collect();
        let distributed: BTreeSet<&str> = tables
            .iter()
            .map(String::as_str)
            .filter(|t| !REFERENCE.contains(t) && !own_key.contains_key(t))
            .collect();
        for t in REFERENCE.iter().chain(own_key.keys()) {
            assert!(
                tables.iter().any(|x| x == t),
                "{t} is gone; update the plan"
            );
        }
        // The synced tables, the change log, sessions and profiles: all of them by user.
        for t in app::model::TABLES.iter().map(|t| t.name) {
            assert!(distributed.contains(t), "{t} must be distributed by user");
        }
        for t in ["changes", "auth_session", "user_profile"] {
            assert!(distributed.contains(t), "{t} must be distributed by user");
        }

        for table in &distributed {
            let column = user_column(table);
            let columns = catalog
                .strings(
                    "select attname::text from pg_attribute where attrelid = $1::regclass \
                     and attnum > 0 and not attisdropped",
                    table,
                )
                .await;
            assert!(
                columns.iter().any(|c| c == column),
                "{table} has no {column} to be distributed by"
            );
            let keys = catalog.unique_keys(table).await;
            assert!(!keys.is_empty(), "{table} has no primary key");
            for (key, cols) in &keys {
                assert!(
                    cols.iter().any(|c| c == column),
                    "{table}: unique key {key} {cols:?} does not include {column}"
                );
            }
            for (name, to, pairs) in catalog.foreign_keys(table).await {
                if REFERENCE.contains(&to.as_str()) {
                    continue; // a distributed table may point at reference data
                }
                assert!(
                    distributed.contains(to.as_str()),
                    "{table}.{name} points at {to}, which is neither reference data nor by user"
                );
                let target = user_column(&to);
                assert!(
                    pairs
                        .iter()
                        .any(|(from, into)| from == column && into == target),
                    "{table}.{name} {pairs:?} does not carry the user ({column} → {to}.{target})"
                );
            }
        }

        for table in REFERENCE.iter().chain(own_key.keys()) {
            for (name, to, _) in catalog.foreign_keys(table).await {
                assert!(
                    REFERENCE.contains(&to.as_str()),
                    "{table}.{name}: {table} is copied to every node and cannot point at {to}"
                );
            }
        }
        for (table, key) in &own_key {
            for (index, cols) in catalog.unique_keys(table).await {
                assert!(cols.iter().any(|c| c == key), "{table}: {index} {cols:?}");
            }
        }

        // Sequences: only the change log's ids, which order the changes of one stamp only.
        let owned: Vec<(String, String)> = sqlx::query_as(
            "select d.refobjid::regclass::text, a.attname::text from pg_depend d \
             join pg_class s on s.oid = d.objid and s.relkind = 'S' \
             join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid \
             where d.deptype in ('a', 'i')",
        )
        .fetch_all(&mut catalog.conn)
        .await
        .unwrap();
        assert_eq!(owned, [("changes".to_owned(), "id".to_owned())]);
        // The pull's index (the log's key) orders by stamp first.
        let (def,): (String,) = sqlx::query_as("select pg_get_indexdef('changes_pkey'::regclass)")
            .fetch_one(&mut catalog.conn)
            .await
            .unwrap();
        assert!(def.ends_with("(user_id, \"timestamp\", id)"), "{def}");
    })
    .await;
}
