//! The history pages' figures: sessions newest first in pages, grouped by month; a month
//! calendar of training days; one session as logged with the records it set.

use super::calendar::{Day, Month};
use super::{days_of, personal_records, session, sessions, RecordKind, Scope, Session};
use crate::local::edit::sort_listed;
use crate::local::Query;
use crate::model::records::{Log, LogExercise, LogExerciseSet};
use crate::model::tables::{log_exercise, log_exercise_sets};
use crate::model::{SetType, Tracking};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Sessions per page of the history list: a screenful or two on a phone.
pub const PAGE_SIZE: usize = 20;

/// A session as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionLine {
    pub id: String,
    pub title: String,
    pub day: Day,
    /// Seconds.
    pub duration: i64,
    /// Kilograms.
    pub volume: f64,
    /// Completed sets.
    pub sets: usize,
    /// `(id, name)` of its exercises in the order logged, each once.
    pub exercises: Vec<(String, String)>,
}

impl SessionLine {
    pub fn of(log: &Log, s: &Session, scope: &Scope) -> Self {
        let mut seen = BTreeSet::new();
        Self {
            id: log.id.clone(),
            title: title(log),
            day: scope.day(s.date),
            duration: s.duration,
            volume: s.volume(),
            sets: s.completed_sets(),
            exercises: s
                .exercises
                .iter()
                .filter(|(id, _)| seen.insert(id.clone()))
                .map(|(id, _)| (id.clone(), scope.catalog.name(id)))
                .collect(),
        }
    }

    /// Its exercises' names: `Back Squat, Bench Press`.
    pub fn names(&self) -> String {
        self.exercises
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A session's title, or "Workout" when it has none.
pub fn title(log: &Log) -> String {
    crate::model::shown_title(log.workout_title.as_deref(), crate::model::UNTITLED_SESSION)
}

/// What the history page is asked for (its URL's query).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// 0-based; `None` shows the page holding `month` (or the first).
    pub page: Option<usize>,
    /// The calendar's month; `None` is the newest session's (this month when there is none).
    pub month: Option<Month>,
    /// Only sessions with this exercise.
    pub exercise: Option<String>,
}

/// A training day of the calendar: how many sessions, and the first to open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingDay {
    pub day: Day,
    pub sessions: u32,
    pub first: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarMonth {
    pub month: Month,
    pub trained: Vec<TrainingDay>,
    /// The neighbouring months there is something to see in (none beyond the first
    /// session, none after this month).
    pub prev: Option<Month>,
    pub next: Option<Month>,
}

/// The history page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    /// Sessions that pass the filter.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// This page's sessions, newest first, by month.
    pub groups: Vec<(Month, Vec<SessionLine>)>,
    pub calendar: CalendarMonth,
    /// The filter's exercise `(id, name)`.
    pub exercise: Option<(String, String)>,
    /// Every exercise logged, `(id, name)` by name: the filter's choices.
    pub exercises: Vec<(String, String)>,
    pub today: Day,
}

/// Answers the history page's question. Only the sessions of the page asked for are
/// read in full; the others are only placed on the calendar.
pub fn history(q: &Query, scope: &Scope, ask: &HistoryQuery) -> HistoryView {
    let today = scope.today();
    let only: Option<BTreeSet<&str>> = ask.exercise.as_ref().map(|exercise| {
        q.find::<LogExercise>(log_exercise::exercise_id, exercise)
            .into_iter()
            .filter_map(|e| e.log_id.as_deref())
            .collect()
    });
    let listed: Vec<&Log> = q
        .logs_by_date(..)
        .rev()
        .filter(|log| {
            only.as_ref()
                .is_none_or(|ids| ids.contains(log.id.as_str()))
        })
        .collect();
    let days = days_of(
        q,
        scope.zone,
        listed
            .iter()
            .map(|log| log.session_date.unwrap_or_default()),
    );
    let newest_first: Vec<(&Log, Day)> = listed.into_iter().zip(days).collect();
    let total = newest_first.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = match (ask.page, ask.month) {
        (Some(p), _) => p.min(pages - 1),
        // The page holding the month's last session, or the next older one.
        (None, Some(m)) => newest_first
            .iter()
            .position(|(_, day)| day.month() <= m)
            .map_or(pages - 1, |i| i / PAGE_SIZE),
        (None, None) => 0,
    };
    // The month asked for, else that of the newest session listed (a lifter back after
    // months sees their last training, not an empty month), else this month.
    let month = ask.month.unwrap_or_else(|| {
        newest_first
            .get(page * PAGE_SIZE)
            .map_or_else(|| today.month(), |(_, day)| day.month())
    });

    let mut groups: Vec<(Month, Vec<SessionLine>)> = Vec::new();
    let bodyweights = super::body::Bodyweights::of(q);
    for (log, day) in newest_first.iter().skip(page * PAGE_SIZE).take(PAGE_SIZE) {
        let line = SessionLine::of(log, &session(q, log, scope.catalog, &bodyweights), scope);
        match groups.last_mut() {
            Some((m, lines)) if *m == day.month() => lines.push(line),
            _ => groups.push((day.month(), vec![line])),
        }
    }

    // Oldest first within a day, so a day's first session opens first.
    let mut trained: BTreeMap<Day, TrainingDay> = BTreeMap::new();
    for (log, day) in newest_first.iter().rev() {
        if day.month() == month {
            trained
                .entry(*day)
                .and_modify(|t| t.sessions += 1)
                .or_insert_with(|| TrainingDay {
                    day: *day,
                    sessions: 1,
                    first: log.id.clone(),
                });
        }
    }
    let earliest = newest_first.last().map(|(_, d)| d.month());
    let latest = newest_first
        .first()
        .map(|(_, d)| d.month())
        .into_iter()
        .chain([today.month()])
        .max()
        .unwrap_or(month);
    let calendar = CalendarMonth {
        month,
        trained: trained.into_values().collect(),
        prev: earliest.filter(|e| *e < month).map(|_| month.prev()),
        next: (month < latest).then(|| month.next()),
    };

    let logged: BTreeSet<&str> = q
        .all::<LogExercise>()
        .filter_map(|e| e.exercise_id.as_deref())
        .collect();
    let mut exercises: Vec<(String, String)> = logged
        .into_iter()
        .map(|id| (id.to_owned(), scope.catalog.name(id)))
        .collect();
    exercises.sort_by_key(|e| e.1.to_lowercase());
    HistoryView {
        total,
        page,
        pages,
        groups,
        calendar,
        exercise: ask
            .exercise
            .as_ref()
            .map(|id| (id.clone(), scope.catalog.name(id))),
        exercises,
        today,
    }
}

/// A logged set as the session page shows (and edits) it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DetailSet {
    pub id: String,
    pub order: f64,
    pub set_type: SetType,
    /// Kilograms.
    pub weight: Option<f64>,
    pub reps: Option<i64>,
    /// Seconds.
    pub duration: Option<i64>,
    /// Metres.
    pub distance: Option<f64>,
    pub rpe: Option<f64>,
    pub completed: bool,
}

impl DetailSet {
    pub fn of(s: &LogExerciseSet) -> Self {
        Self {
            id: s.id.clone(),
            order: s.order.unwrap_or_default(),
            set_type: SetType::parse(s.set_type.as_deref().unwrap_or_default()),
            weight: s.weight,
            reps: s.reps,
            duration: s.duration,
            distance: s.distance,
            rpe: s.rpe,
            completed: s.completed.unwrap_or(false),
        }
    }
}

/// An exercise block of a logged session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailExercise {
    /// The `log_exercise` record.
    pub entry_id: String,
    pub exercise_id: String,
    pub name: String,
    pub tracking: Tracking,
    pub notes: String,
    pub sets: Vec<DetailSet>,
}

/// A record as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordLine {
    pub exercise_id: String,
    pub exercise: String,
    pub kind: RecordKind,
    /// Kilograms (reps for [`RecordKind::MostRepsAt`]).
    pub value: f64,
    pub log_id: String,
    pub day: Day,
}

impl RecordLine {
    pub fn of(r: &super::RecordSet, scope: &Scope) -> Self {
        Self {
            exercise_id: r.exercise_id.clone(),
            exercise: scope.catalog.name(&r.exercise_id),
            kind: r.kind,
            value: r.best.value,
            log_id: r.best.log_id.clone(),
            day: scope.day(r.best.date),
        }
    }
}

/// One logged session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDetail {
    pub line: SessionLine,
    pub notes: String,
    pub workout_id: Option<String>,
    pub exercises: Vec<DetailExercise>,
    /// The records it set, against everything logged before it.
    pub records: Vec<RecordLine>,
}

pub fn session_detail(q: &Query, scope: &Scope, log_id: &str) -> Option<SessionDetail> {
    let log = q.get::<Log>(log_id)?;
    // Its records need the sessions before it, so every session is read once, this one
    // included.
    let all = sessions(q, scope.catalog);
    let this = all.iter().find(|s| s.id == log_id)?;
    let mut entries = q.find::<LogExercise>(log_exercise::log_id, log_id);
    sort_listed(&mut entries, |e| (e.order, &e.id));
    let exercises = entries
        .into_iter()
        .filter_map(|e| {
            let exercise_id = e.exercise_id.clone()?;
            let mut sets = q.find::<LogExerciseSet>(log_exercise_sets::log_exercise_id, &e.id);
            sort_listed(&mut sets, |s| (s.order, &s.id));
            Some(DetailExercise {
                entry_id: e.id.clone(),
                name: scope.catalog.name(&exercise_id),
                tracking: scope.catalog.tracking(&exercise_id),
                exercise_id,
                notes: e.notes.clone().unwrap_or_default(),
                sets: sets.into_iter().map(DetailSet::of).collect(),
            })
        })
        .collect();
    // Records depend only on this session and the ones before it, of its exercises.
    let mine: BTreeSet<&str> = this.exercises.iter().map(|(e, _)| e.as_str()).collect();
    let before: Vec<Session> = all
        .iter()
        .filter(|s| (s.date, &s.id) <= (this.date, &this.id))
        .map(|s| Session {
            id: s.id.clone(),
            date: s.date,
            duration: s.duration,
            exercises: s
                .exercises
                .iter()
                .filter(|(e, _)| mine.contains(e.as_str()))
                .cloned()
                .collect(),
        })
        .collect();
    let records = personal_records(&before, scope.settings.one_rm)
        .set_in(log_id)
        .map(|r| RecordLine::of(r, scope))
        .collect();
    Some(SessionDetail {
        line: SessionLine::of(log, this, scope),
        notes: log.notes.clone().unwrap_or_default(),
        workout_id: log.workout_id.clone(),
        exercises,
        records,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::local::{query_snapshot, Snapshot};
    use crate::settings::Settings;
    use crate::stats::calendar::{Zone, DAY_MS};
    use crate::stats::Catalog;
    use serde_json::{json, Value};

    /// An exercise block: `(exercise, [(weight, reps, set type)])`.
    pub type Block<'a> = (&'a str, Vec<(f64, i64, &'a str)>);

    /// A snapshot of sessions: `(id, epoch ms, blocks)`.
    pub fn logged(sessions: &[(&str, i64, Vec<Block>)]) -> Snapshot {
        let (mut logs, mut entries, mut sets) = (Vec::new(), Vec::new(), Vec::new());
        for (id, date, exercises) in sessions {
            logs.push(json!({ "id": id, "session_date": date, "workout_title": format!("T {id}"), "duration": 3600 }));
            for (i, (exercise, rows)) in exercises.iter().enumerate() {
                let entry = format!("{id}-{i}");
                entries.push(
                    json!({ "id": entry, "log_id": id, "exercise_id": exercise, "order": i }),
                );
                for (j, (w, r, t)) in rows.iter().enumerate() {
                    sets.push(
                        json!({ "id": format!("{entry}-{j}"), "log_exercise_id": entry, "order": j,
                        "weight": w, "reps": r, "set_type": t, "completed": true }),
                    );
                }
            }
        }
        let rows = |v: Vec<Value>| {
            v.into_iter()
                .map(|r| r.as_object().unwrap().clone())
                .collect()
        };
        Snapshot {
            tables: [
                ("logs".to_owned(), rows(logs)),
                ("log_exercise".to_owned(), rows(entries)),
                ("log_exercise_sets".to_owned(), rows(sets)),
            ]
            .into_iter()
            .collect(),
        }
    }

    pub fn at(y: i32, m: u32, d: u32, hour: i64) -> i64 {
        Day::from_date(y, m, d).0 * DAY_MS + hour * 3_600_000
    }

    pub fn catalog() -> Catalog {
        Catalog::of(&[
            ("squat", "Back Squat", "quads", Tracking::WeightReps),
            ("bench", "Bench Press", "chest", Tracking::WeightReps),
            ("dip", "Assisted Dip", "triceps", Tracking::Assisted),
        ])
    }

    #[test]
    fn history_pages_group_by_month_and_mark_the_calendar() {
        // 45 sessions, one every other day from 2026-08-01 at 10:00 UTC: s00 on 08-01 …
        // s15 on 08-31, s16 on 09-02 … s30 on 09-30, s31 on 10-02 … s44 on 10-28.
        let sessions: Vec<_> = (0..45)
            .map(|i| {
                let date = at(2026, 8, 1, 10) + i * 2 * DAY_MS;
                let ex = if i % 3 == 0 { "bench" } else { "squat" };
                (
                    format!("s{i:02}"),
                    date,
                    vec![(ex, vec![(100.0, 5, "normal")])],
                )
            })
            .collect();
        let borrowed: Vec<_> = sessions
            .iter()
            .map(|(id, d, e)| (id.as_str(), *d, e.clone()))
            .collect();
        let snapshot = logged(&borrowed);
        let (catalog, settings) = (catalog(), Settings::default());
        let zone = Zone::UTC;
        let scope = Scope {
            catalog: &catalog,
            settings: &settings,
            zone: &zone,
            now: at(2026, 11, 26, 12),
        };
        let view = |ask: HistoryQuery| query_snapshot(&snapshot, |q| history(q, &scope, &ask));
        let ids = |v: &HistoryView| -> Vec<String> {
            v.groups
                .iter()
                .flat_map(|(_, l)| l.iter().map(|s| s.id.clone()))
                .collect()
        };

        let first = view(HistoryQuery::default());
        assert_eq!((first.total, first.pages, first.page), (45, 3, 0));
        // Newest first, a page of 20 (s44 … s25), by month: October's 14, September's 6.
        let page = ids(&first);
        assert_eq!(page.len(), PAGE_SIZE);
        assert_eq!((page[0].as_str(), page[19].as_str()), ("s44", "s25"));
        let months: Vec<(String, usize)> = first
            .groups
            .iter()
            .map(|(m, l)| (m.to_string(), l.len()))
            .collect();
        assert_eq!(
            months,
            [("2026-10".to_owned(), 14), ("2026-09".to_owned(), 6)]
        );
        assert_eq!(first.groups[0].1[0].day.date(), (2026, 10, 28));
        // The calendar opens on the newest session's month (October), not on this empty
        // one, which is a step ahead.
        assert_eq!(first.calendar.month.to_string(), "2026-10");
        assert_eq!(first.calendar.trained.len(), 14);
        assert_eq!(first.calendar.next.unwrap().to_string(), "2026-11");
        assert_eq!(first.calendar.prev.unwrap().to_string(), "2026-09");

        let last = view(HistoryQuery {
            page: Some(2),
            ..Default::default()
        });
        assert_eq!(ids(&last), ["s04", "s03", "s02", "s01", "s00"]);
        // A page past the end is the last one.
        let beyond = view(HistoryQuery {
            page: Some(9),
            ..Default::default()
        });
        assert_eq!(beyond.page, 2);

        // August's calendar: 16 days (s00 … s15); nothing before it. The list jumps to the
        // page holding August's last session (s15, the 30th newest).
        let august = view(HistoryQuery {
            month: Month::parse("2026-08"),
            ..Default::default()
        });
        assert_eq!(august.calendar.trained.len(), 16);
        assert_eq!(august.calendar.trained[0].day.date(), (2026, 8, 1));
        assert_eq!(august.calendar.trained[0].first, "s00");
        assert_eq!(
            august.calendar.prev, None,
            "nothing before the first session"
        );
        assert_eq!(august.calendar.next.unwrap().to_string(), "2026-09");
        assert_eq!(august.page, 1);

        // Bench on every third session: s00, s03 … s42 = 15.
        let bench = view(HistoryQuery {
            exercise: Some("bench".into()),
            ..Default::default()
        });
        assert_eq!(bench.total, 15);
        assert_eq!(bench.exercise.unwrap().1, "Bench Press");
        assert_eq!(
            bench.exercises,
            [
                ("squat".to_owned(), "Back Squat".to_owned()),
                ("bench".to_owned(), "Bench Press".to_owned()),
            ]
        );
    }

    #[test]
    fn a_session_shows_its_sets_volume_and_records() {
        let snapshot = logged(&[
            (
                "a",
                at(2026, 11, 2, 10),
                vec![("squat", vec![(60.0, 10, "warmup"), (100.0, 5, "normal")])],
            ),
            (
                "b",
                at(2026, 11, 4, 10),
                vec![
                    ("squat", vec![(100.0, 5, "normal"), (105.0, 3, "normal")]),
                    ("dip", vec![(20.0, 8, "normal")]),
                ],
            ),
            // A later heavier session does not take b's records away.
            (
                "c",
                at(2026, 11, 6, 10),
                vec![("squat", vec![(110.0, 5, "normal")])],
            ),
        ]);
        let (catalog, settings) = (catalog(), Settings::default());
        let zone = Zone::UTC;
        let scope = Scope {
            catalog: &catalog,
            settings: &settings,
            zone: &zone,
            now: at(2026, 11, 26, 12),
        };
        let b = query_snapshot(&snapshot, |q| session_detail(q, &scope, "b")).unwrap();
        // 100×5 + 105×3 = 815; the assisted dip adds no volume.
        assert_eq!(b.line.volume, 815.0);
        assert_eq!(b.line.sets, 3);
        assert_eq!(b.line.title, "T b");
        assert_eq!(b.exercises.len(), 2);
        assert_eq!(b.exercises[1].tracking, Tracking::Assisted);
        assert_eq!(b.exercises[0].sets[1].weight, Some(105.0));
        let kinds: Vec<RecordKind> = b
            .records
            .iter()
            .filter(|r| r.exercise_id == "squat")
            .map(|r| r.kind)
            .collect();
        // Heaviest 105 beats a's 100. The best 1RM is again 100×(1+5/30) = 116.67 (105×3
        // gives 115.5) and the best set volume again 500: ties, not records. Session
        // volume 815 beats 500; 105 kg is a new weight, so its 3 reps are a record.
        assert_eq!(
            kinds,
            [
                RecordKind::HeaviestWeight,
                RecordKind::BestSessionVolume,
                RecordKind::MostRepsAt(105.0),
            ]
        );
        assert_eq!(b.records[0].exercise, "Back Squat");
        assert!(query_snapshot(&snapshot, |q| session_detail(q, &scope, "nope")).is_none());
    }
}
