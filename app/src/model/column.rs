//! Typed columns: each column of the registry is also a constant that knows its table,
//! its name and its Rust type, so code that reads or writes a record names columns the
//! compiler checks. A misspelt column, or a weight written as text, does not compile
//! (the server would otherwise drop an unknown column without a word).

use super::wire::WireRecord;
use serde_json::Value;
use std::marker::PhantomData;

/// How a column's value travels on the wire and is stored.
///
/// Integers and reals are kept apart so that counts and epoch-millisecond times stay exact
/// integers while weights and ordering keys may carry fractions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Int,
    Real,
    Bool,
}

/// The Rust type of a column's values; the registry derives the column's kind from it.
pub trait ColumnType: Sized {
    const KIND: ColumnKind;
    /// The value in a raw record, `None` when it is null, absent or of another type.
    fn read(value: &Value) -> Option<Self>;
    fn write(self) -> Value;
}

impl ColumnType for String {
    const KIND: ColumnKind = ColumnKind::Text;
    fn read(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
    fn write(self) -> Value {
        Value::String(self)
    }
}

impl ColumnType for i64 {
    const KIND: ColumnKind = ColumnKind::Int;
    fn read(value: &Value) -> Option<Self> {
        // JavaScript clients may send whole numbers as `8.0`.
        value.as_i64().or_else(|| value.as_f64().map(|f| f as i64))
    }
    fn write(self) -> Value {
        self.into()
    }
}

impl ColumnType for f64 {
    const KIND: ColumnKind = ColumnKind::Real;
    fn read(value: &Value) -> Option<Self> {
        value.as_f64()
    }
    fn write(self) -> Value {
        self.into()
    }
}

impl ColumnType for bool {
    const KIND: ColumnKind = ColumnKind::Bool;
    fn read(value: &Value) -> Option<Self> {
        value.as_bool()
    }
    fn write(self) -> Value {
        self.into()
    }
}

/// One column of one table, typed by its values.
pub struct Column<T> {
    pub table: &'static str,
    pub name: &'static str,
    values: PhantomData<fn() -> T>,
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Column<T> {}

impl<T> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.name)
    }
}

impl<T: ColumnType> Column<T> {
    pub const fn new(table: &'static str, name: &'static str) -> Self {
        Self {
            table,
            name,
            values: PhantomData,
        }
    }

    /// The column's value in `raw`.
    pub fn get(self, raw: &WireRecord) -> Option<T> {
        raw.get(self.name).and_then(T::read)
    }

    /// A new value for the column (`None` writes null).
    pub fn to(self, value: impl Into<Option<T>>) -> Field {
        Field {
            table: self.table,
            column: self.name,
            value: value.into().map_or(Value::Null, T::write),
        }
    }
}

impl Column<String> {
    /// The text value, or `""` when there is none: what a form shows.
    pub fn text(self, raw: &WireRecord) -> String {
        self.get(raw).unwrap_or_default()
    }

    /// The value without copying it.
    pub fn str(self, raw: &WireRecord) -> Option<&str> {
        raw.get(self.name).and_then(Value::as_str)
    }
}

/// A value for one column, ready to go into a created or updated record.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub table: &'static str,
    pub column: &'static str,
    pub value: Value,
}

/// The raw record of some fields of `table`. Fields of another table are a programming
/// error: caught in debug builds and tests, dropped otherwise.
pub fn record_of(table: &str, fields: impl IntoIterator<Item = Field>) -> WireRecord {
    fields
        .into_iter()
        .filter(|f| {
            debug_assert_eq!(f.table, table, "column {} is not of {table}", f.column);
            f.table == table
        })
        .map(|f| (f.column.to_owned(), f.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_read_and_write_their_type() {
        let weight: Column<f64> = Column::new("log_exercise_sets", "weight");
        let reps: Column<i64> = Column::new("log_exercise_sets", "reps");
        let raw = json!({ "weight": 100, "reps": 8.0, "notes": 3 })
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(weight.get(&raw), Some(100.0));
        assert_eq!(reps.get(&raw), Some(8));
        let notes: Column<String> = Column::new("log_exercise_sets", "notes");
        assert_eq!(notes.get(&raw), None, "a number is not text");
        assert_eq!(notes.text(&raw), "");
        let rec = record_of("log_exercise_sets", [weight.to(82.5), reps.to(None)]);
        assert_eq!(Value::Object(rec), json!({ "weight": 82.5, "reps": null }));
    }
}
