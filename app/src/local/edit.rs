//! The plumbing every editing page shares (the builder now, the logger and history next):
//! typed creates and updates, deletes, and ordering keys.

use super::ops::Op;
use crate::model::column::{record_of, Column, Field};
use crate::model::tables::table as table_def;

/// A new record of `table` with `fields` (the id is added).
pub fn create(table: &'static str, id: &str, fields: impl IntoIterator<Item = Field>) -> Op {
    let mut raw = record_of(table, fields);
    raw.insert("id".into(), id.into());
    Op::Create { table, raw }
}

/// Changes columns of a record, stamping `updated_at` where the table has one.
pub fn update(
    table: &'static str,
    id: &str,
    fields: impl IntoIterator<Item = Field>,
    now: i64,
) -> Op {
    let mut fields = record_of(table, fields);
    if table_def(table).is_some_and(|t| t.column("updated_at").is_some()) {
        fields.insert("updated_at".into(), now.into());
    }
    Op::Update {
        table,
        id: id.to_owned(),
        fields,
    }
}

/// Deletes a record and everything under it.
pub fn delete(table: &'static str, id: &str) -> Op {
    Op::Delete {
        table,
        id: id.to_owned(),
    }
}

/// How ordered lists are shown: by `order`, ties by id (so every device shows one order).
pub fn list_order(a: (f64, &str), b: (f64, &str)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(b.1))
}

/// Sorts records as their list shows them ([`list_order`]; no `order` counts as 0).
pub fn sort_listed<T>(items: &mut [T], key: impl Fn(&T) -> (Option<f64>, &str)) {
    items.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        list_order(
            (ka.0.unwrap_or_default(), ka.1),
            (kb.0.unwrap_or_default(), kb.1),
        )
    });
}

/// An ordering key after every one of `orders`.
pub fn next_order(orders: impl Iterator<Item = f64>) -> f64 {
    orders.fold(0.0_f64, f64::max).floor() + 1.0
}

/// New `order` values after moving item `index` one place by `delta` (−1 up, +1 down):
/// the two neighbours swap keys, or, where keys tie, the list is renumbered.
pub fn reorder(items: &[(String, f64)], index: usize, delta: i32) -> Vec<(String, f64)> {
    let Some(target) = index
        .checked_add_signed(delta as isize)
        .filter(|t| *t < items.len())
    else {
        return Vec::new();
    };
    let distinct = items.windows(2).all(|w| w[0].1 < w[1].1);
    if distinct {
        return vec![
            (items[index].0.clone(), items[target].1),
            (items[target].0.clone(), items[index].1),
        ];
    }
    let mut ids: Vec<&String> = items.iter().map(|(id, _)| id).collect();
    ids.swap(index, target);
    ids.into_iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), (i + 1) as f64))
        .filter(|(id, o)| items.iter().any(|(i2, o2)| i2 == id && o2 != o))
        .collect()
}

/// The updates that move record `id` of an ordered list by `delta`, through its table's
/// `order` column.
pub fn move_in(order: Column<f64>, items: &[(String, f64)], id: &str, delta: i32) -> Vec<Op> {
    let Some(index) = items.iter().position(|(i, _)| i == id) else {
        return Vec::new();
    };
    reorder(items, index, delta)
        .into_iter()
        .map(|(id, key)| Op::Update {
            table: order.table,
            id,
            fields: record_of(order.table, [order.to(key)]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tables::routines;

    #[test]
    fn reorder_renumbers_ties() {
        let items = vec![
            ("a".to_owned(), 1.0),
            ("b".to_owned(), 1.0),
            ("c".to_owned(), 1.0),
        ];
        assert_eq!(
            reorder(&items, 2, -1),
            [("c".to_owned(), 2.0), ("b".to_owned(), 3.0)]
        );
    }

    #[test]
    fn updates_stamp_updated_at_where_the_table_has_it() {
        let Op::Update { fields, .. } = update(
            routines::TABLE,
            "r",
            [routines::title.to("A".to_owned())],
            7,
        ) else {
            unreachable!()
        };
        assert_eq!(fields["updated_at"], 7);
        let Op::Update { fields, .. } = update(
            crate::model::tables::routine_workouts::TABLE,
            "l",
            [crate::model::tables::routine_workouts::order.to(2.0)],
            7,
        ) else {
            unreachable!()
        };
        assert!(!fields.contains_key("updated_at"));
    }
}
