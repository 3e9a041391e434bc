//! Days, weeks and months as the user lives them: in their time zone, with the week
//! starting on the day their `week_start` setting names.
//!
//! A session belongs to the calendar day of its `session_date` in the user's zone: a
//! session at 23:30 in Berlin is Monday's even though it is 22:30 UTC. The browser
//! answers with its own zone; the server renders with the zone the browser reported
//! (the `tz` cookie, an IANA name), so both place every session on the same day,
//! daylight saving included. Without a reported zone the server uses UTC.
//!
//! Days are counted from 1970-01-01 (day 0, a Thursday) and converted to dates with
//! the proleptic Gregorian calendar, without a date library: the browser build stays
//! small and both sides format dates identically, whatever the locale.

use crate::settings::WeekStart;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

pub const DAY_MS: i64 = 86_400_000;

/// Where the user is: how far their clock is ahead of UTC at a given instant.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    /// A fixed offset in minutes east of UTC (UTC is `Fixed(0)`).
    Fixed(i32),
    /// The browser's own zone, with its daylight-saving rules.
    #[cfg(feature = "hydrate")]
    Browser,
    /// A zone by its IANA name, as the browser reported it (server rendering).
    #[cfg(feature = "ssr")]
    Named(chrono_tz::Tz),
}

impl Zone {
    pub const UTC: Zone = Zone::Fixed(0);

    /// Minutes east of UTC at the instant `ms` (epoch milliseconds).
    pub fn offset_minutes(&self, ms: i64) -> i32 {
        match self {
            Self::Fixed(m) => *m,
            #[cfg(feature = "hydrate")]
            Self::Browser => {
                let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
                // JavaScript counts minutes *behind* UTC.
                -(date.get_timezone_offset() as i32)
            }
            #[cfg(feature = "ssr")]
            Self::Named(tz) => {
                use chrono::{Offset, TimeZone};
                chrono::DateTime::from_timestamp_millis(ms)
                    .map(|utc| tz.offset_from_utc_datetime(&utc.naive_utc()).fix())
                    .map_or(0, |fixed| fixed.local_minus_utc() / 60)
            }
        }
    }

    /// The zone named `name` (an IANA name such as `Europe/Berlin`), if the server
    /// knows it; the server's renderer uses it for the browser's reported zone.
    #[cfg(feature = "ssr")]
    pub fn named(name: &str) -> Option<Self> {
        name.parse::<chrono_tz::Tz>().ok().map(Self::Named)
    }

    /// The local calendar day of the instant `ms`.
    pub fn day(&self, ms: i64) -> Day {
        let local = ms + i64::from(self.offset_minutes(ms)) * 60_000;
        Day(local.div_euclid(DAY_MS))
    }

    /// Noon of `day` here, in epoch milliseconds: the instant of something dated only by
    /// its day (noon stays on that day through any daylight-saving change).
    pub fn noon(&self, day: Day) -> i64 {
        let local_noon = day.0 * DAY_MS + DAY_MS / 2;
        local_noon - i64::from(self.offset_minutes(local_noon)) * 60_000
    }
}

/// A calendar day, counted from 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Day(pub i64);

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl Day {
    /// The day of a date (`month` 1–12, `day` 1–31).
    pub fn from_date(year: i32, month: u32, day: u32) -> Self {
        // Days from civil, after Howard Hinnant's public-domain algorithm.
        let y = i64::from(year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Self(era * 146_097 + doe - 719_468)
    }

    /// `(year, month 1–12, day 1–31)`.
    pub fn date(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i64::from(m <= 2);
        (y as i32, m, d)
    }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> u8 {
        (self.0 + 4).rem_euclid(7) as u8
    }

    /// The first day of the week this day is in.
    pub fn week(self, start: WeekStart) -> Day {
        let back = (i64::from(self.weekday()) - i64::from(start.0)).rem_euclid(7);
        Day(self.0 - back)
    }

    pub fn month(self) -> Month {
        let (year, month, _) = self.date();
        Month { year, month }
    }

    pub fn plus(self, days: i64) -> Day {
        Day(self.0 + days)
    }

    /// "Mon 23 Nov 2026".
    pub fn long(self) -> String {
        let (y, m, d) = self.date();
        format!(
            "{} {d} {} {y}",
            WEEKDAYS[usize::from(self.weekday())],
            &MONTHS[m as usize - 1][..3]
        )
    }

    /// "23 Nov".
    pub fn short(self) -> String {
        let (_, m, d) = self.date();
        format!("{d} {}", &MONTHS[m as usize - 1][..3])
    }

    /// "2026-11-23", a date field's value.
    pub fn iso(self) -> String {
        let (y, m, d) = self.date();
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// A date field's value; `None` unless it is a real date.
    pub fn parse_iso(s: &str) -> Option<Day> {
        let mut parts = s.trim().splitn(3, '-');
        let y: i32 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        let day = Day::from_date(y, m, d);
        (day.date() == (y, m, d)).then_some(day)
    }
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    pub fn first(self) -> Day {
        Day::from_date(self.year, self.month, 1)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                month: self.month - 1,
                ..self
            }
        }
    }

    /// Its days, first to last.
    pub fn days(self) -> impl Iterator<Item = Day> {
        (self.first().0..self.next().first().0).map(Day)
    }

    /// Reads `2026-11` (the form of links and of [`fmt::Display`]).
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Month { year, month })
    }

    /// "November 2026".
    pub fn label(self) -> String {
        format!("{} {}", MONTHS[self.month as usize - 1], self.year)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Weeks in a row with at least one session, ending with the week of `today`. This
/// week counts when it has a session; while it has none it does not break the streak
/// (the week is not over yet), so counting starts at last week.
pub fn streak(days: impl IntoIterator<Item = Day>, today: Day, start: WeekStart) -> u32 {
    let weeks: BTreeSet<Day> = days.into_iter().map(|d| d.week(start)).collect();
    let mut week = today.week(start);
    if !weeks.contains(&week) {
        week = week.plus(-7);
    }
    let mut n = 0;
    while weeks.contains(&week) {
        n += 1;
        week = week.plus(-7);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONDAY: WeekStart = WeekStart(1);
    const SUNDAY: WeekStart = WeekStart(0);

    #[test]
    fn date_fields_and_noon_round_trip() {
        let day = Day::from_date(2026, 3, 29);
        assert_eq!(day.iso(), "2026-03-29");
        assert_eq!(Day::parse_iso("2026-03-29"), Some(day));
        assert_eq!(Day::parse_iso("2026-02-30"), None);
        assert_eq!(Day::parse_iso("yesterday"), None);
        for zone in [Zone::UTC, Zone::Fixed(-600), Zone::Fixed(13 * 60)] {
            assert_eq!(zone.day(zone.noon(day)), day, "{zone:?}");
        }
    }

    #[test]
    fn dates_round_trip_and_know_their_weekday() {
        assert_eq!(Day::from_date(1970, 1, 1), Day(0));
        assert_eq!(Day(0).weekday(), 4, "a Thursday");
        // 2026-11-26 is a Thursday: 56 years of 365 days, 14 leap days, then 329 days.
        let d = Day::from_date(2026, 11, 26);
        assert_eq!(d, Day(20_783));
        assert_eq!(d.weekday(), 4);
        assert_eq!(d.date(), (2026, 11, 26));
        assert_eq!(Day::from_date(2024, 2, 29).plus(1).date(), (2024, 3, 1));
        assert_eq!(Day::from_date(1969, 12, 31), Day(-1));
        for n in -800_000..800_000 {
            let (y, m, dd) = Day(n).date();
            assert_eq!(Day::from_date(y, m, dd), Day(n));
        }
        assert_eq!(d.long(), "Thu 26 Nov 2026");
        assert_eq!(d.short(), "26 Nov");
    }

    #[test]
    fn weeks_start_on_the_chosen_day() {
        let thursday = Day::from_date(2026, 11, 26);
        assert_eq!(thursday.week(MONDAY).date(), (2026, 11, 23));
        assert_eq!(thursday.week(SUNDAY).date(), (2026, 11, 22));
        assert_eq!(thursday.week(WeekStart(6)).date(), (2026, 11, 21));
        // A Sunday is the last day of a Monday week and the first of a Sunday week.
        let sunday = Day::from_date(2026, 11, 29);
        assert_eq!(sunday.week(MONDAY).date(), (2026, 11, 23));
        assert_eq!(sunday.week(SUNDAY), sunday);
    }

    #[test]
    fn months_navigate_and_parse() {
        let dec = Month {
            year: 2026,
            month: 12,
        };
        assert_eq!(dec.next().to_string(), "2027-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.days().count(), 31);
        assert_eq!(Month::parse("2024-02").unwrap().days().count(), 29);
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("x"), None);
        assert_eq!(dec.label(), "December 2026");
    }

    #[test]
    fn a_session_near_midnight_is_on_the_local_day() {
        // 2026-11-23 23:30 in UTC+01:00 is 22:30 UTC: Monday where the user is.
        let ms = (Day::from_date(2026, 11, 23).0 * DAY_MS) + (22 * 60 + 30) * 60_000;
        assert_eq!(Zone::Fixed(60).day(ms).date(), (2026, 11, 23));
        assert_eq!(Zone::UTC.day(ms).date(), (2026, 11, 23));
        // 2026-11-23 20:30 in UTC−05:00 is 01:30 UTC on the 24th: still Monday there.
        let ms = (Day::from_date(2026, 11, 24).0 * DAY_MS) + 90 * 60_000;
        assert_eq!(Zone::UTC.day(ms).date(), (2026, 11, 24));
        assert_eq!(Zone::Fixed(-300).day(ms).date(), (2026, 11, 23));
        // The local day decides the week: Monday the 23rd starts a Monday week, and is in
        // the Sunday week that began on the 22nd.
        let day = Zone::Fixed(-300).day(ms);
        assert_eq!(day.week(MONDAY).date(), (2026, 11, 23));
        assert_eq!(day.week(SUNDAY).date(), (2026, 11, 22));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn named_zones_follow_daylight_saving() {
        let berlin = Zone::named("Europe/Berlin").unwrap();
        // 2026-07-01 22:30 UTC is 00:30 on the 2nd in Berlin (summer, UTC+2) …
        let summer = Day::from_date(2026, 7, 1).0 * DAY_MS + (22 * 60 + 30) * 60_000;
        assert_eq!(berlin.day(summer).date(), (2026, 7, 2));
        // … while 2026-12-01 22:30 UTC is 23:30 on the 1st (winter, UTC+1).
        let winter = Day::from_date(2026, 12, 1).0 * DAY_MS + (22 * 60 + 30) * 60_000;
        assert_eq!(berlin.day(winter).date(), (2026, 12, 1));
        assert_eq!(Zone::named("Not/AZone"), None);
    }

    #[test]
    fn streaks_count_weeks_in_a_row_across_a_year_boundary() {
        let d = |y, m, dd| Day::from_date(y, m, dd);
        // Weeks (Monday start) of 2025-12-15, 12-22, 12-29 (which holds 2026-01-01) and
        // 2026-01-05; a gap before them (2025-12-08 empty).
        let sessions = [
            d(2025, 12, 1),
            d(2025, 12, 16),
            d(2025, 12, 27), // Saturday of the week of 12-22
            d(2026, 1, 1),   // Thursday of the week of 12-29
            d(2026, 1, 6),
        ];
        assert_eq!(streak(sessions, d(2026, 1, 7), MONDAY), 4);
        // The week in progress without a session yet does not break it …
        assert_eq!(streak(sessions, d(2026, 1, 12), MONDAY), 4);
        // … a whole empty week does.
        assert_eq!(streak(sessions, d(2026, 1, 19), MONDAY), 0);
        // Sunday weeks: 2025-12-28 (Sun) starts the week holding the 1st; 2026-01-04
        // holds the 6th; 12-21 holds the 27th; 12-14 holds the 16th.
        assert_eq!(streak(sessions, d(2026, 1, 7), SUNDAY), 4);
        // A session on Sunday 2026-01-04 joins the Monday week of 12-29 but starts a
        // Sunday week of its own.
        let sunday = [d(2025, 12, 30), d(2026, 1, 4)];
        assert_eq!(streak(sunday, d(2026, 1, 4), MONDAY), 1);
        assert_eq!(streak(sunday, d(2026, 1, 4), SUNDAY), 2);
        assert_eq!(streak([], d(2026, 1, 4), SUNDAY), 0);
    }
}
