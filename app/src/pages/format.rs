//! How pages write numbers, weights and durations, and read numbers typed into fields.

use crate::model::WeightUnit;
use leptos::prelude::*;

/// `102.5 kg`.
pub fn weight(kg: f64, unit: WeightUnit) -> String {
    format!("{} {}", show_number(Some(unit.show(kg))), unit.label())
}

/// A volume, rounded to whole units with thousands separated: `12,345 kg`.
pub fn volume(kg: f64, unit: WeightUnit) -> String {
    format!(
        "{} {}",
        thousands(unit.show(kg).round() as i64),
        unit.label()
    )
}

/// How a chart writes values already in the unit labelled `label` (`kg`, `lb`, `%`, `cm`,
/// `in`): a chart takes a plain function, so there is one per unit.
pub fn chart_format(label: &str) -> fn(f64) -> String {
    fn one(v: f64) -> String {
        show_number(Some((v * 10.0).round() / 10.0))
    }
    match label {
        "kg" => |v| format!("{} kg", one(v)),
        "lb" => |v| format!("{} lb", one(v)),
        "%" => |v| format!("{} %", one(v)),
        "cm" => |v| format!("{} cm", one(v)),
        "in" => |v| format!("{} in", one(v)),
        _ => one,
    }
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// What a record says: `Heaviest weight: 110 kg`.
pub fn record_text(kind: crate::stats::RecordKind, value: f64, unit: WeightUnit) -> String {
    use crate::stats::RecordKind as K;
    match kind {
        K::HeaviestWeight => format!("Heaviest weight: {}", weight(value, unit)),
        K::BestOneRm => format!("Best estimated 1RM: {}", weight(value, unit)),
        K::MostRepsAt(w) => format!("Most reps at {}: {value}", weight(w, unit)),
        K::BestSetVolume => format!("Best set volume: {}", weight(value, unit)),
        K::BestSessionVolume => format!("Best session volume: {}", weight(value, unit)),
    }
}

/// `1 h 05 min`, `45 min`.
pub fn duration(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 30) / 60;
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// A field's value as inputs show it, changing only when the value itself changes: an
/// input is never rewritten (losing what is being typed) because another column of its
/// record changed.
pub fn field(
    value: impl Fn() -> String + Send + Sync + 'static,
) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let memo = Memo::new(move |_| value());
    move || memo.get()
}

/// Text typed into a number field that is not a non-negative number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// Reads a number from an input: empty is `None`; anything unparsable or negative is
/// refused, so a typo never overwrites a value.
pub fn parse_number(text: &str) -> Result<Option<f64>, NotANumber> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(NotANumber),
    }
}

/// Formats an optional number for an input's value.
pub fn show_number(v: Option<f64>) -> String {
    v.map(|v| {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_writes_them() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(volume(1000.0, WeightUnit::Kg), "1,000 kg");
        assert_eq!(volume(550.0, WeightUnit::Lb), "1,213 lb");
        assert_eq!(weight(102.5, WeightUnit::Kg), "102.5 kg");
        assert_eq!(chart_format("lb")(181.94), "181.9 lb");
        assert_eq!(chart_format("cm")(84.0), "84 cm");
        assert_eq!(duration(3600 + 5 * 60), "1 h 05 min");
        assert_eq!(duration(45 * 60 + 10), "45 min");
    }

    #[test]
    fn numbers_are_read_strictly() {
        assert_eq!(parse_number(" 2,5 "), Ok(Some(2.5)));
        assert_eq!(parse_number(""), Ok(None));
        assert_eq!(parse_number("-1"), Err(NotANumber));
        assert_eq!(parse_number("abc"), Err(NotANumber));
        assert_eq!(show_number(Some(100.0)), "100");
        assert_eq!(show_number(Some(220.46)), "220.46");
    }
}
