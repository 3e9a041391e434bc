//! Wire records (WatermelonDB raw JSON) ⇄ typed SQL values, by the registry.

use super::db::SqlValue;
use app::model::ColumnKind;
use serde_json::{Number, Value};

/// A record as it travels (defined once, with the other wire types).
pub use app::model::wire::WireRecord;

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Why a JSON value does not fit a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeMismatch {
    pub expected: &'static str,
}

/// Converts a JSON value for a column of `kind`. Integers written as `8.0` (as JavaScript
/// may send them) are accepted for integer columns; fractions are not.
pub fn to_sql(kind: ColumnKind, value: &Value) -> Result<SqlValue, TypeMismatch> {
    let mismatch = |expected| Err(TypeMismatch { expected });
    Ok(match (kind, value) {
        (ColumnKind::Text, Value::Null) => SqlValue::Text(None),
        (ColumnKind::Int, Value::Null) => SqlValue::Int(None),
        (ColumnKind::Real, Value::Null) => SqlValue::Real(None),
        (ColumnKind::Bool, Value::Null) => SqlValue::Bool(None),
        (ColumnKind::Text, Value::String(s)) => SqlValue::Text(Some(s.clone())),
        (ColumnKind::Bool, Value::Bool(b)) => SqlValue::Bool(Some(*b)),
        (ColumnKind::Int, Value::Number(n)) => match n.as_i64() {
            Some(i) => SqlValue::Int(Some(i)),
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER => {
                    SqlValue::Int(Some(f as i64))
                }
                _ => return mismatch("an integer"),
            },
        },
        (ColumnKind::Real, Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() => SqlValue::Real(Some(f)),
            _ => return mismatch("a number"),
        },
        (ColumnKind::Text, _) => return mismatch("a string or null"),
        (ColumnKind::Int, _) => return mismatch("an integer or null"),
        (ColumnKind::Real, _) => return mismatch("a number or null"),
        (ColumnKind::Bool, _) => return mismatch("a boolean or null"),
    })
}

/// Converts a stored value back to JSON. Whole reals come back as integers, so a weight
/// pushed as `100` is pulled as `100`, not `100.0`.
pub fn to_json(value: SqlValue) -> Value {
    match value {
        SqlValue::Text(v) => v.map_or(Value::Null, Value::String),
        SqlValue::Int(v) => v.map_or(Value::Null, |i| Value::Number(i.into())),
        SqlValue::Bool(v) => v.map_or(Value::Null, Value::Bool),
        SqlValue::Real(None) => Value::Null,
        SqlValue::Real(Some(f)) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER => {
            Value::Number((f as i64).into())
        }
        SqlValue::Real(Some(f)) => Number::from_f64(f).map_or(Value::Null, Value::Number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_kind() {
        let cases = [
            (ColumnKind::Text, json!("")),
            (ColumnKind::Text, json!(null)),
            (ColumnKind::Int, json!(1_732_000_000_000_i64)),
            (ColumnKind::Real, json!(102.5)),
            (ColumnKind::Real, json!(100)),
            (ColumnKind::Bool, json!(false)),
        ];
        for (kind, value) in cases {
            assert_eq!(to_json(to_sql(kind, &value).unwrap()), value, "{kind:?}");
        }
    }

    #[test]
    fn integers_accept_whole_floats_only() {
        assert_eq!(
            to_sql(ColumnKind::Int, &json!(8.0)),
            Ok(SqlValue::Int(Some(8)))
        );
        assert!(to_sql(ColumnKind::Int, &json!(8.5)).is_err());
        assert!(to_sql(ColumnKind::Int, &json!("8")).is_err());
    }

    #[test]
    fn wrong_types_are_refused() {
        assert!(to_sql(ColumnKind::Bool, &json!(1)).is_err());
        assert!(to_sql(ColumnKind::Text, &json!(3)).is_err());
        assert!(to_sql(ColumnKind::Real, &json!([1])).is_err());
    }
}
