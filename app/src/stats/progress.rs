//! One exercise's progress: estimated 1RM, heaviest weight and volume per session, its
//! records, and every session's sets of it.

use super::calendar::Day;
use super::history::{title, DetailSet};
use super::{personal_records, Best, RecordKind, Scope, Session, SetFacts};
use crate::local::{PerformedSet, Query};
use crate::model::Tracking;
use serde::{Deserialize, Serialize};

/// Sessions the charts show (the most recent ones).
pub const CHART_SESSIONS: usize = 60;
/// Sessions per page of the exercise's log.
pub const PAGE_SIZE: usize = 10;

/// One session's bests of the exercise: a chart point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub log_id: String,
    pub day: Day,
    /// Kilograms; `None` when no set allowed an estimate.
    pub one_rm: Option<f64>,
    /// Kilograms; `None` without a weighted counting set.
    pub heaviest: Option<f64>,
    pub volume: f64,
}

/// A record and when it was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordCell {
    pub value: f64,
    pub log_id: String,
    pub day: Day,
}

impl RecordCell {
    fn of(best: &Best, scope: &Scope) -> Self {
        Self {
            value: best.value,
            log_id: best.log_id.clone(),
            day: scope.day(best.date),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordTable {
    pub heaviest: Option<RecordCell>,
    pub one_rm: Option<RecordCell>,
    pub set_volume: Option<RecordCell>,
    pub session_volume: Option<RecordCell>,
    /// `(weight kg, most reps)`, lightest first.
    pub reps_at: Vec<(f64, RecordCell)>,
}

impl RecordTable {
    /// The current value of a kind of record.
    pub fn get(&self, kind: RecordKind) -> Option<&RecordCell> {
        match kind {
            RecordKind::HeaviestWeight => self.heaviest.as_ref(),
            RecordKind::BestOneRm => self.one_rm.as_ref(),
            RecordKind::BestSetVolume => self.set_volume.as_ref(),
            RecordKind::BestSessionVolume => self.session_volume.as_ref(),
            RecordKind::MostRepsAt(w) => self
                .reps_at
                .iter()
                .find(|(weight, _)| *weight == w)
                .map(|(_, c)| c),
        }
    }
}

/// One session's sets of the exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseSession {
    pub log_id: String,
    pub title: String,
    pub day: Day,
    pub sets: Vec<DetailSet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub id: String,
    pub name: String,
    pub muscle: String,
    pub tracking: Tracking,
    /// Sessions with the exercise.
    pub total: usize,
    /// The last [`CHART_SESSIONS`] sessions, oldest first.
    pub points: Vec<Point>,
    pub records: RecordTable,
    /// This page of the exercise's sessions, newest first.
    pub sessions: Vec<ExerciseSession>,
    pub page: usize,
    pub pages: usize,
}

/// The exercise page's figures. `None` for an exercise neither in the catalog nor logged.
pub fn progress(q: &Query, scope: &Scope, exercise_id: &str, page: usize) -> Option<Progress> {
    let tracking = scope.catalog.tracking(exercise_id);
    let performed = q.exercise_sets(exercise_id);
    // Sessions newest first, each with its sets (already grouped by `exercise_sets`).
    let mut by_session: Vec<Vec<PerformedSet>> = Vec::new();
    for p in performed {
        match by_session.last_mut() {
            Some(group) if group[0].log.id == p.log.id => group.push(p),
            _ => by_session.push(vec![p]),
        }
    }
    let facts = scope.catalog.get(exercise_id);
    if facts.is_none() && by_session.is_empty() {
        return None;
    }
    let bodyweights = super::body::Bodyweights::of(q);
    let sessions: Vec<Session> = by_session
        .iter()
        .rev()
        .map(|sets| {
            let date = sets[0].log.session_date.unwrap_or_default();
            let bodyweight = bodyweights.at(date);
            Session {
                id: sets[0].log.id.clone(),
                date,
                duration: 0,
                exercises: vec![(
                    exercise_id.to_owned(),
                    sets.iter()
                        .map(|p| SetFacts::of(p.set, tracking, bodyweight))
                        .collect(),
                )],
            }
        })
        .collect();
    let formula = scope.settings.one_rm;
    let points = sessions
        .iter()
        .skip(sessions.len().saturating_sub(CHART_SESSIONS))
        .map(|s| {
            let counting = || s.exercises[0].1.iter().filter(|f| f.counts());
            Point {
                log_id: s.id.clone(),
                day: scope.day(s.date),
                one_rm: counting()
                    .filter_map(|f| formula.estimate(f.weight, f.reps))
                    .reduce(f64::max),
                heaviest: counting()
                    .map(|f| f.weight)
                    .filter(|w| *w > 0.0)
                    .reduce(f64::max),
                volume: s.volume(),
            }
        })
        .collect();
    let all = personal_records(&sessions, formula);
    let records = all
        .by_exercise
        .get(exercise_id)
        .map(|r| {
            let cell = |b: &Option<Best>| b.as_ref().map(|b| RecordCell::of(b, scope));
            RecordTable {
                heaviest: cell(&r.heaviest),
                one_rm: cell(&r.one_rm),
                set_volume: cell(&r.set_volume),
                session_volume: cell(&r.session_volume),
                reps_at: r
                    .reps_at
                    .iter()
                    .map(|(w, b)| (f64::from_bits(*w), RecordCell::of(b, scope)))
                    .collect::<Vec<_>>(),
            }
        })
        .map(|mut t| {
            t.reps_at.sort_by(|a, b| a.0.total_cmp(&b.0));
            t
        })
        .unwrap_or_default();
    let total = by_session.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.min(pages - 1);
    let log_page = by_session
        .iter()
        .skip(page * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|sets| ExerciseSession {
            log_id: sets[0].log.id.clone(),
            title: title(sets[0].log),
            day: scope.day(sets[0].log.session_date.unwrap_or_default()),
            sets: sets.iter().map(|p| DetailSet::of(p.set)).collect(),
        })
        .collect();
    let (name, muscle) = facts.map_or_else(
        || ("Unknown exercise".to_owned(), String::new()),
        |f| (f.name.clone(), f.muscle.clone()),
    );
    Some(Progress {
        id: exercise_id.to_owned(),
        name,
        muscle,
        tracking,
        total,
        points,
        records,
        sessions: log_page,
        page,
        pages,
    })
}

#[cfg(test)]
mod tests {
    use super::super::history::tests::{at, catalog, logged};
    use super::*;
    use crate::local::query_snapshot;
    use crate::settings::Settings;
    use crate::stats::calendar::Zone;
    use crate::stats::OneRmFormula;

    fn scope_view(formula: OneRmFormula, page: usize) -> Option<Progress> {
        let snapshot = logged(&[
            (
                "a",
                at(2026, 11, 2, 10),
                vec![(
                    "squat",
                    vec![
                        (60.0, 10, "warmup"),
                        (100.0, 5, "normal"),
                        (100.0, 5, "normal"),
                    ],
                )],
            ),
            (
                "b",
                at(2026, 11, 4, 10),
                vec![
                    ("squat", vec![(120.0, 1, "normal")]),
                    ("bench", vec![(80.0, 5, "normal")]),
                    // A second block of squats in the same session.
                    ("squat", vec![(90.0, 15, "normal")]),
                ],
            ),
        ]);
        let catalog = catalog();
        let settings = Settings {
            one_rm: formula,
            ..Settings::default()
        };
        let zone = Zone::UTC;
        let scope = Scope {
            catalog: &catalog,
            settings: &settings,
            zone: &zone,
            now: at(2026, 11, 26, 12),
        };
        query_snapshot(&snapshot, |q| progress(q, &scope, "squat", page))
    }

    #[test]
    fn points_per_session_with_both_formulas() {
        let epley = scope_view(OneRmFormula::Epley, 0).unwrap();
        assert_eq!(epley.name, "Back Squat");
        assert_eq!(epley.total, 2);
        let a = &epley.points[0];
        // 100 × (1 + 5/30) = 116.666…; heaviest 100; volume 2 × 500 (warm-up excluded).
        assert!((a.one_rm.unwrap() - 116.666_666_666).abs() < 1e-6);
        assert_eq!((a.heaviest, a.volume), (Some(100.0), 1000.0));
        let b = &epley.points[1];
        // 120 × 1 = 120; the 15-rep set is beyond the 12-rep bound: no estimate.
        assert_eq!(b.one_rm, Some(120.0));
        assert_eq!(b.volume, 120.0 + 1350.0);
        let brzycki = scope_view(OneRmFormula::Brzycki, 0).unwrap();
        // 100 × 36 / (37 − 5) = 112.5.
        assert_eq!(brzycki.points[0].one_rm, Some(112.5));
    }

    #[test]
    fn records_and_the_log_newest_first() {
        let p = scope_view(OneRmFormula::Epley, 0).unwrap();
        assert_eq!(p.records.heaviest.as_ref().unwrap().value, 120.0);
        assert_eq!(p.records.heaviest.as_ref().unwrap().log_id, "b");
        assert_eq!(p.records.one_rm.as_ref().unwrap().value, 120.0);
        // Best set: 90 × 15 = 1350 in b; best session: b's 1470 over a's 1000.
        assert_eq!(p.records.set_volume.as_ref().unwrap().value, 1350.0);
        assert_eq!(p.records.session_volume.as_ref().unwrap().value, 1470.0);
        let reps: Vec<(f64, f64)> = p
            .records
            .reps_at
            .iter()
            .map(|(w, c)| (*w, c.value))
            .collect();
        assert_eq!(reps, [(90.0, 15.0), (100.0, 5.0), (120.0, 1.0)]);
        assert_eq!(
            p.records.get(RecordKind::MostRepsAt(100.0)).unwrap().log_id,
            "a"
        );
        // The log: b first with both blocks' sets in order, then a with its warm-up.
        assert_eq!(p.sessions[0].log_id, "b");
        let b: Vec<Option<f64>> = p.sessions[0].sets.iter().map(|s| s.weight).collect();
        assert_eq!(b, [Some(120.0), Some(90.0)]);
        assert_eq!(p.sessions[1].sets.len(), 3);
        assert_eq!((p.page, p.pages), (0, 1));
        assert_eq!(scope_view(OneRmFormula::Epley, 7).unwrap().page, 0);
    }

    #[test]
    fn unknown_and_unlogged_exercises() {
        let snapshot = logged(&[]);
        let catalog = catalog();
        let settings = Settings::default();
        let zone = Zone::UTC;
        let scope = Scope {
            catalog: &catalog,
            settings: &settings,
            zone: &zone,
            now: 0,
        };
        let bench = query_snapshot(&snapshot, |q| progress(q, &scope, "bench", 0)).unwrap();
        assert_eq!((bench.total, bench.points.len()), (0, 0));
        assert!(bench.records.heaviest.is_none());
        assert!(query_snapshot(&snapshot, |q| progress(q, &scope, "nope", 0)).is_none());
    }
}
