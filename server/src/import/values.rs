//! Reading the values other apps write: numbers with either decimal mark, durations like
//! `1h 5m` or `0:38:00`, and the date formats of Strong, Hevy and FitNotes.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A number as exports write it: `10`, `10.0`, `2.2679618500000003`, `62,5` (a comma as
/// the decimal mark in localized files). Empty means absent.
pub fn number(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let normal = if t.contains(',') && !t.contains('.') && t.matches(',').count() == 1 {
        t.replace(',', ".")
    } else {
        t.to_owned()
    };
    match normal.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() < 1e9 => Ok(Some(v)),
        _ => Err(format!("\"{}\" is not a number", shorten(t))),
    }
}

/// A whole count (reps): `10` or `10.0`; anything else with a fraction is refused.
pub fn count(text: &str) -> Result<Option<i64>, String> {
    match number(text)? {
        None => Ok(None),
        Some(v) if v >= 0.0 && (v - v.round()).abs() < 1e-6 => Ok(Some(v.round() as i64)),
        Some(_) => Err(format!("\"{}\" is not a whole number", shorten(text))),
    }
}

/// A duration in seconds: plain seconds (`55`, `55.0`), clock time (`1:05:00`, `38:00`), or
/// units (`1h 5m`, `38min`, `55s`, `1h 5m 3s`, `2 hours`). Empty means absent.
pub fn duration(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("\"{}\" is not a duration", shorten(text));
    if let Ok(Some(v)) = number(&t) {
        return if v >= 0.0 {
            Ok(Some(v.round() as i64))
        } else {
            Err(bad())
        };
    }
    if t.contains(':') {
        let mut total = 0i64;
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() > 3 {
            return Err(bad());
        }
        for part in parts {
            let v: f64 = part.trim().parse().map_err(|_| bad())?;
            if !(0.0..1e7).contains(&v) {
                return Err(bad());
            }
            total = total * 60 + v.round() as i64;
        }
        return Ok(Some(total));
    }
    // Number-unit pairs: "1h 5m", "38min", "1 hr 2 mins", "55s".
    let mut total = 0f64;
    let mut rest = t.as_str();
    let mut any = false;
    while !rest.trim_start().is_empty() {
        rest = rest.trim_start();
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let value: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" | "std" => 3600.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "s" | "sec" | "secs" | "second" | "seconds" | "sek" => 1.0,
            _ => return Err(bad()),
        };
        total += value * scale;
        any = true;
        rest = rest.trim_start_matches([',', ' ']);
    }
    if any && total < 1e8 {
        Ok(Some(total.round() as i64))
    } else {
        Err(bad())
    }
}

/// When a session started, in the exporting device's local time. Date-only values (a
/// FitNotes day) come back at noon so a time zone never moves them to another day.
pub fn date_time(text: &str) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    const WITH_TIME: &[&str] = &[
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%d %b %Y, %H:%M",
        "%d %B %Y, %H:%M",
        "%b %d, %Y, %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
    ];
    for format in WITH_TIME {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(dt);
        }
    }
    // An offset or `Z` at the end: keep the wall-clock time as written.
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(dt.naive_local());
    }
    for format in ["%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, format) {
            return Ok(d.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon")));
        }
    }
    Err(format!("\"{}\" is not a date", shorten(t)))
}

/// At most 40 characters of a value, for messages.
pub fn shorten(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_exports_write_them() {
        assert_eq!(number("10.0"), Ok(Some(10.0)));
        assert_eq!(number(" 62,5 "), Ok(Some(62.5)));
        assert_eq!(number("2.2679618500000003"), Ok(Some(2.2679618500000003)));
        assert_eq!(number(""), Ok(None));
        assert!(number("abc").is_err());
        assert!(number("NaN").is_err());
        assert!(number("1e400").is_err());
        assert_eq!(count("10.0"), Ok(Some(10)));
        assert!(count("7.5").is_err());
        assert!(count("-3").is_err());
    }

    #[test]
    fn durations_in_every_shape() {
        assert_eq!(duration("1h 5m"), Ok(Some(3900)));
        assert_eq!(duration("38min"), Ok(Some(2280)));
        assert_eq!(duration("55s"), Ok(Some(55)));
        assert_eq!(duration("0s"), Ok(Some(0)));
        assert_eq!(duration("1h 5m 3s"), Ok(Some(3903)));
        assert_eq!(duration("1:05:00"), Ok(Some(3900)));
        assert_eq!(duration("38:00"), Ok(Some(2280)));
        assert_eq!(duration("90"), Ok(Some(90)));
        assert_eq!(duration(""), Ok(None));
        assert!(duration("soon").is_err());
        assert!(duration("5 parsecs").is_err());
    }

    #[test]
    fn dates_of_each_app() {
        let dt = |s| {
            date_time(s)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        };
        assert_eq!(dt("2023-01-05 18:30:00"), "2023-01-05 18:30:00");
        assert_eq!(dt("15 Sep 2025, 07:48"), "2025-09-15 07:48:00");
        assert_eq!(dt("2023-01-05"), "2023-01-05 12:00:00");
        assert_eq!(dt("2023-01-05T18:30:00Z"), "2023-01-05 18:30:00");
        assert!(date_time("yesterday").is_err());
        assert_eq!(shorten(&"x".repeat(50)).chars().count(), 41);
    }
}
