//! The dashboard's figures: this week against last week, the streak, volume per week,
//! recent records and sessions, sets per muscle, and what to train next. Above the
//! statistics, programs and workouts it sums up.

use crate::local::Query;
use crate::model::records::Log;
use crate::programs::Program;
use crate::stats::calendar::{streak, Day};
use crate::stats::history::{RecordLine, SessionLine};
use crate::stats::{days_of, records_of, sessions, Scope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Weeks the volume chart covers, this one included.
pub const WEEKS: i64 = 12;
/// Recent sessions and records shown.
pub const RECENT: usize = 5;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekTotals {
    pub sessions: u32,
    /// Kilograms.
    pub volume: f64,
    /// Seconds.
    pub seconds: i64,
}

/// One week's volume, by the week's first day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeekVolume {
    pub start: Day,
    pub volume: f64,
}

/// Counting sets for one muscle: this week, the last 7 days and the last 30 days (today
/// included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuscleSets {
    pub muscle: String,
    pub week: u32,
    pub last_7: u32,
    pub last_30: u32,
}

/// The default routine's next workout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextWorkout {
    pub id: String,
    pub title: String,
    pub routine: String,
    pub exercises: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub total_sessions: usize,
    pub today: Day,
    pub this_week: WeekTotals,
    pub last_week: WeekTotals,
    pub streak: u32,
    /// Oldest first, this week last.
    pub weeks: Vec<WeekVolume>,
    /// Newest first.
    pub records: Vec<RecordLine>,
    /// Newest first.
    pub recent: Vec<SessionLine>,
    /// Each of the most trained exercises' heaviest weight ever, most trained first: what a
    /// lifter back after a break wants to see beside their last session.
    pub all_time: Vec<RecordLine>,
    /// Muscles trained in the last 30 days, most sets this week first.
    pub muscles: Vec<MuscleSets>,
    pub next: Option<NextWorkout>,
    /// Whether the user has a routine at all (the empty state says what to do first).
    pub has_program: bool,
    /// The last bodyweights measured (kilograms), oldest first: shown beside the lifts.
    pub bodyweight: Vec<(Day, f64)>,
}

pub fn overview(q: &Query, scope: &Scope) -> Overview {
    let start = scope.settings.week_start;
    let today = scope.today();
    let this_week = today.week(start);
    let first_week = this_week.plus(-7 * (WEEKS - 1));
    let last_week = this_week.plus(-7);
    let all = sessions(q, scope.catalog);
    let mut weeks: Vec<WeekVolume> = (0..WEEKS)
        .map(|i| WeekVolume {
            start: first_week.plus(7 * i),
            volume: 0.0,
        })
        .collect();
    let (mut now, mut last) = (WeekTotals::default(), WeekTotals::default());
    let mut muscles: BTreeMap<&str, MuscleSets> = BTreeMap::new();
    let days = days_of(q, scope.zone, all.iter().map(|s| s.date));
    for (s, &day) in all.iter().zip(&days) {
        if day > today {
            continue;
        }
        let week = day.week(start);
        if week < first_week {
            // Older than the chart, the week totals and the 30 days of muscles: only the
            // streak reads it (from `days`).
            continue;
        }
        let volume = s.volume();
        let totals = if week == this_week {
            Some(&mut now)
        } else if week == last_week {
            Some(&mut last)
        } else {
            None
        };
        if let Some(t) = totals {
            t.sessions += 1;
            t.volume += volume;
            t.seconds += s.duration;
        }
        if week >= first_week {
            weeks[((week.0 - first_week.0) / 7) as usize].volume += volume;
        }
        let age = today.0 - day.0;
        if age < 30 {
            for (exercise, sets) in &s.exercises {
                let n = sets.iter().filter(|f| f.counts()).count() as u32;
                if n == 0 {
                    continue;
                }
                let muscle = scope
                    .catalog
                    .get(exercise)
                    .map_or("other", |e| e.muscle.as_str());
                let m = muscles.entry(muscle).or_insert_with(|| MuscleSets {
                    muscle: muscle.to_owned(),
                    week: 0,
                    last_7: 0,
                    last_30: 0,
                });
                m.last_30 += n;
                if age < 7 {
                    m.last_7 += n;
                }
                if week == this_week {
                    m.week += n;
                }
            }
        }
    }
    let mut muscles: Vec<MuscleSets> = muscles.into_values().collect();
    muscles.sort_by(|a, b| {
        (b.week, b.last_7, b.last_30)
            .cmp(&(a.week, a.last_7, a.last_30))
            .then_with(|| a.muscle.cmp(&b.muscle))
    });
    let records = records_of(q, &all, scope.catalog, scope.settings.one_rm);
    let all_time = all_time_bests(&records, scope);
    let recent = all
        .iter()
        .rev()
        .take(RECENT)
        .filter_map(|s| Some(SessionLine::of(q.get::<Log>(&s.id)?, s, scope)))
        .collect();
    let program = Program::from_index(q);
    let next = crate::workout::start::next_workout(&program, q).map(|w| NextWorkout {
        id: w.id.clone(),
        title: w.title.clone(),
        routine: program
            .routines
            .iter()
            .find(|r| r.default)
            .map(|r| r.title.clone())
            .unwrap_or_default(),
        exercises: w.exercises.len(),
    });
    Overview {
        total_sessions: all.len(),
        today,
        this_week: now,
        last_week: last,
        streak: streak(days, today, start),
        weeks,
        records: records
            .history
            .iter()
            .rev()
            .take(RECENT)
            .map(|r| RecordLine::of(r, scope))
            .collect(),
        recent,
        all_time,
        muscles,
        next,
        has_program: !program.routines.is_empty(),
        bodyweight: crate::stats::body::latest(q, scope, crate::model::Measure::Bodyweight),
    }
}

/// The heaviest weight of each of the [`RECENT`] exercises trained in the most sessions.
fn all_time_bests(records: &crate::stats::Records, scope: &Scope) -> Vec<RecordLine> {
    let mut bests: Vec<(usize, RecordLine)> = records
        .by_exercise
        .iter()
        .filter_map(|(id, r)| {
            let best = r.heaviest.clone()?;
            let line = RecordLine::of(
                &crate::stats::RecordSet {
                    exercise_id: id.clone(),
                    kind: crate::stats::RecordKind::HeaviestWeight,
                    best,
                },
                scope,
            );
            Some((r.sessions, line))
        })
        .collect();
    bests.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.exercise.cmp(&b.1.exercise)));
    bests
        .into_iter()
        .take(RECENT)
        .map(|(_, line)| line)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::query_snapshot;
    use crate::model::WeightUnit;
    use crate::settings::{Settings, WeekStart};
    use crate::stats::calendar::Zone;
    use crate::stats::history::tests::{at, catalog, logged};
    use crate::stats::RecordKind;

    /// Thursday 2026-11-26, noon UTC.
    fn now() -> i64 {
        at(2026, 11, 26, 12)
    }

    fn snapshot() -> crate::local::Snapshot {
        logged(&[
            // Two weeks ago (Monday weeks): 2026-11-10.
            (
                "old",
                at(2026, 11, 10, 18),
                vec![("squat", vec![(100.0, 5, "normal")])],
            ),
            // Last week: Sunday 2026-11-22 at 23:30 UTC, which is Monday the 23rd in
            // UTC+1 (this week there).
            (
                "sun",
                at(2026, 11, 22, 23) + 30 * 60_000,
                vec![("bench", vec![(80.0, 5, "normal"), (40.0, 10, "warmup")])],
            ),
            // This week: Tuesday 2026-11-24.
            (
                "tue",
                at(2026, 11, 24, 18),
                vec![
                    ("squat", vec![(110.0, 5, "normal"), (60.0, 5, "warmup")]),
                    ("dip", vec![(20.0, 10, "normal")]),
                ],
            ),
        ])
    }

    fn view(zone: Zone, week_start: u8) -> Overview {
        let catalog = catalog();
        let settings = Settings {
            week_start: WeekStart(week_start),
            ..Settings::default()
        };
        let scope = Scope {
            catalog: &catalog,
            settings: &settings,
            zone: &zone,
            now: now(),
        };
        query_snapshot(&snapshot(), |q| overview(q, &scope))
    }

    #[test]
    fn this_week_against_last_week_by_the_chosen_week_start() {
        let monday = view(Zone::UTC, 1);
        // tue: 110×5 = 550 (warm-up and assisted dip excluded), 3 completed sets.
        assert_eq!(monday.this_week.sessions, 1);
        assert_eq!(monday.this_week.volume, 550.0);
        assert_eq!(monday.this_week.seconds, 3600);
        // sun (Sunday the 22nd) closes last week: 80×5 = 400.
        assert_eq!(monday.last_week.sessions, 1);
        assert_eq!(monday.last_week.volume, 400.0);
        // The weeks of 11-09 (old), 11-16 (sun) and 11-23 (tue): three in a row.
        assert_eq!(monday.streak, 3);
        assert_eq!(monday.weeks.len(), 12);
        assert_eq!(monday.weeks[11].start.date(), (2026, 11, 23));
        assert_eq!(monday.weeks[11].volume, 550.0);
        assert_eq!(monday.weeks[10].volume, 400.0);
        assert_eq!(monday.weeks[9].volume, 500.0);

        // Weeks from Sunday: the 22nd starts this week, so both sessions are in it.
        let sunday = view(Zone::UTC, 0);
        assert_eq!(sunday.this_week.sessions, 2);
        assert_eq!(sunday.this_week.volume, 950.0);
        assert_eq!(sunday.last_week.sessions, 0);
        assert_eq!(sunday.weeks[11].start.date(), (2026, 11, 22));
    }

    #[test]
    fn a_late_session_counts_on_the_local_day() {
        // In UTC+1 the Sunday 23:30 UTC session is Monday 00:30: this week.
        let berlin = view(Zone::Fixed(60), 1);
        assert_eq!(berlin.this_week.sessions, 2);
        assert_eq!(berlin.last_week.sessions, 0);
        assert_eq!(berlin.recent[1].day.date(), (2026, 11, 23));
        // Three sessions in the weeks of 11-09 and 11-23: 11-16 is empty now.
        assert_eq!(berlin.streak, 1);
    }

    #[test]
    fn sets_per_muscle_recent_sessions_and_records() {
        let v = view(Zone::UTC, 1);
        let m: Vec<(&str, u32, u32, u32)> = v
            .muscles
            .iter()
            .map(|m| (m.muscle.as_str(), m.week, m.last_7, m.last_30))
            .collect();
        // Counting sets: tue squat 1 (warm-up not), dip 1; sun bench 1 (4 days ago);
        // old squat 1 (16 days ago).
        assert_eq!(
            m,
            [("quads", 1, 1, 2), ("triceps", 1, 1, 1), ("chest", 0, 1, 1)]
        );
        assert_eq!(v.total_sessions, 3);
        let recent: Vec<&str> = v.recent.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(recent, ["tue", "sun", "old"]);
        // Newest first: tue's squat records (heaviest, 1RM, set and session volume,
        // most reps at 110 kg), then sun's bench ones.
        assert_eq!(v.records.len(), RECENT);
        assert!(v.records.iter().all(|r| r.log_id == "tue"));
        assert_eq!(v.records[0].kind, RecordKind::MostRepsAt(110.0));
        assert_eq!(v.records[4].kind, RecordKind::HeaviestWeight);
        assert_eq!(v.records[4].value, 110.0);
        assert!(v.next.is_none() && !v.has_program);
        // All-time bests, most trained exercise first: squat (old and tue), then the
        // exercises of one session each by name.
        let bests: Vec<(&str, f64)> = v
            .all_time
            .iter()
            .map(|r| (r.exercise_id.as_str(), r.value))
            .collect();
        assert_eq!(bests[0], ("squat", 110.0));
        assert!(bests.iter().any(|b| b.0 == "bench"), "{bests:?}");
        assert!(v
            .all_time
            .iter()
            .all(|r| r.kind == RecordKind::HeaviestWeight));
        // Figures are kilograms whatever the unit: pages convert.
        let lb = Settings {
            weight_unit: WeightUnit::Lb,
            ..Settings::default()
        };
        assert_eq!(lb.weight_unit.show(v.this_week.volume), 1212.54);
    }
}
