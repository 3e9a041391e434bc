//! Bodyweight and tape measurements: the measurements page's figures, and the bodyweight
//! a session was lifted at (which a bodyweight exercise's load needs).

use super::{Day, Scope};
use crate::local::Query;
use crate::model::records::BodyMeasurement;
use crate::model::Measure;
use serde::{Deserialize, Serialize};

/// How many of the latest values a chart shows.
pub const CHART_POINTS: usize = 30;

/// The user's bodyweights by time, oldest first: `(measured_at, kilograms)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bodyweights(Vec<(i64, f64)>);

impl Bodyweights {
    pub fn of(q: &Query) -> Self {
        let mut all: Vec<(i64, f64)> = q
            .all::<BodyMeasurement>()
            .filter_map(|r| Some((r.measured_at?, Measure::Bodyweight.of(r)?)))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        Self(all)
    }

    /// The bodyweight at `ms`: the last one measured by then, else (for sessions logged
    /// before the first weigh-in) the first one measured after; `None` when never measured.
    pub fn at(&self, ms: i64) -> Option<f64> {
        let after = self.0.partition_point(|(t, _)| *t <= ms);
        match after {
            0 => self.0.first(),
            n => self.0.get(n - 1),
        }
        .map(|(_, kg)| *kg)
    }

    /// A digest that changes whenever a bodyweight does: figures kept between changes
    /// (see [`super::sessions`]) are read again when it differs.
    pub fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        for (t, kg) in &self.0 {
            t.hash(&mut h);
            kg.to_bits().hash(&mut h);
        }
        h.finish()
    }
}

/// One measurement as the page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub measured_at: i64,
    pub day: Day,
    /// Stored units, in [`Measure::ALL`]'s order, the measured ones only.
    pub values: Vec<(Measure, f64)>,
    pub notes: String,
}

impl Entry {
    pub fn value(&self, m: Measure) -> Option<f64> {
        self.values.iter().find(|(k, _)| *k == m).map(|(_, v)| *v)
    }
}

/// The measurements page: every entry newest first, and a series per measure taken at
/// least once (its last [`CHART_POINTS`] values, oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// The date field's first value.
    pub today: Day,
    pub entries: Vec<Entry>,
    pub series: Vec<(Measure, Vec<(Day, f64)>)>,
}

pub fn body(q: &Query, scope: &Scope) -> Body {
    let mut entries: Vec<Entry> = q
        .all::<BodyMeasurement>()
        .filter_map(|r| {
            let measured_at = r.measured_at?;
            Some(Entry {
                id: r.id.clone(),
                measured_at,
                day: scope.day(measured_at),
                values: Measure::ALL
                    .into_iter()
                    .filter_map(|m| Some((m, m.of(r)?)))
                    .collect(),
                notes: r.notes.clone().unwrap_or_default(),
            })
        })
        .collect();
    entries.sort_by(|a, b| b.measured_at.cmp(&a.measured_at).then(b.id.cmp(&a.id)));
    let series = Measure::ALL
        .into_iter()
        .filter_map(|m| {
            let mut points: Vec<(Day, f64)> = entries
                .iter()
                .filter_map(|e| Some((e.day, e.value(m)?)))
                .take(CHART_POINTS)
                .collect();
            points.reverse();
            (!points.is_empty()).then_some((m, points))
        })
        .collect();
    Body {
        today: scope.today(),
        entries,
        series,
    }
}

/// A measure's last [`CHART_POINTS`] values, oldest first, without reading the rest of
/// the page (the dashboard's bodyweight).
pub fn latest(q: &Query, scope: &Scope, measure: Measure) -> Vec<(Day, f64)> {
    let mut all: Vec<(i64, &str, f64)> = q
        .all::<BodyMeasurement>()
        .filter_map(|r| Some((r.measured_at?, r.id.as_str(), measure.of(r)?)))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    all[all.len().saturating_sub(CHART_POINTS)..]
        .iter()
        .map(|(t, _, v)| (scope.day(*t), *v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::query_snapshot;
    use crate::model::tables::body_measurements as t;
    use crate::stats::history::tests::{at, catalog};
    use crate::stats::Zone;

    fn snapshot(rows: &[(&str, i64, Option<f64>, Option<f64>)]) -> crate::local::Snapshot {
        let mut s = crate::local::Snapshot::default();
        for (id, when, kg, waist) in rows {
            let mut raw = crate::model::column::record_of(
                t::TABLE,
                [
                    t::measured_at.to(*when),
                    t::bodyweight.to(*kg),
                    t::waist.to(*waist),
                ],
            );
            raw.insert("id".into(), (*id).into());
            s.tables.entry(t::TABLE.to_owned()).or_default().push(raw);
        }
        s
    }

    #[test]
    fn a_sessions_bodyweight_is_the_last_one_measured_by_then() {
        let s = snapshot(&[
            ("b", at(2026, 3, 10, 8), Some(81.0), None),
            ("a", at(2026, 3, 1, 8), Some(80.0), None),
            ("w", at(2026, 3, 5, 8), None, Some(0.84)),
        ]);
        let bw = query_snapshot(&s, Bodyweights::of);
        assert_eq!(
            bw.at(at(2026, 2, 1, 8)),
            Some(80.0),
            "before the first: the first"
        );
        assert_eq!(bw.at(at(2026, 3, 1, 8)), Some(80.0));
        assert_eq!(
            bw.at(at(2026, 3, 9, 20)),
            Some(80.0),
            "a tape-only entry is no weigh-in"
        );
        assert_eq!(bw.at(at(2026, 4, 1, 8)), Some(81.0));
        assert_eq!(Bodyweights::default().at(0), None);
        let changed = snapshot(&[("a", at(2026, 3, 1, 8), Some(80.5), None)]);
        assert_ne!(
            query_snapshot(&changed, Bodyweights::of).digest(),
            bw.digest()
        );
    }

    #[test]
    fn the_page_lists_newest_first_and_charts_each_measure_taken() {
        let s = snapshot(&[
            ("a", at(2026, 3, 1, 8), Some(80.0), Some(0.86)),
            ("b", at(2026, 3, 10, 8), Some(81.0), None),
        ]);
        let catalog = catalog();
        let settings = crate::settings::Settings::default();
        let zone = Zone::Fixed(0);
        let scope = Scope {
            catalog: &catalog,
            settings: &settings,
            zone: &zone,
            now: at(2026, 3, 11, 8),
        };
        let b = query_snapshot(&s, |q| body(q, &scope));
        assert_eq!(
            b.entries.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(
            b.entries[1].values,
            [(Measure::Bodyweight, 80.0), (Measure::Waist, 0.86)]
        );
        let measures: Vec<Measure> = b.series.iter().map(|(m, _)| *m).collect();
        assert_eq!(measures, [Measure::Bodyweight, Measure::Waist]);
        assert_eq!(
            b.series[0].1.iter().map(|p| p.1).collect::<Vec<_>>(),
            [80.0, 81.0]
        );
        let latest = query_snapshot(&s, |q| latest(q, &scope, Measure::Bodyweight));
        assert_eq!(latest, b.series[0].1);
    }
}
