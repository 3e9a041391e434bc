//! The engine's changes applied to the in-memory store: a pull merged, what to push, a
//! push's answer, a refused change discarded — each keeping the indexes in step.

use super::engine::TableRecord;
use crate::local::apply::{discard_in, finish_push_on};
use crate::local::memory::{MemoryStore, Touched};
use crate::local::ops::with_descendants;
use crate::local::record::Status;
use crate::model::wire::PullResponse;
use std::collections::BTreeMap;

/// The sync engine's changes, as [`super::engine::LocalStore`] describes them; a
/// [`crate::sync::persisted::LocalReplica`] makes each durable before applying it here.
impl MemoryStore {
    pub fn apply_pull(&self, pull: PullResponse, full: bool) {
        self.inner.borrow_mut().apply_pull(pull, full);
    }

    /// Every record with a change to push (tombstones included).
    pub fn pending(&self) -> Vec<TableRecord> {
        self.inner
            .borrow()
            .tables
            .iter()
            .flat_map(|(t, records)| {
                records
                    .values()
                    .filter(|r| r.status != Status::Synced)
                    .map(move |r| (t.clone(), r.clone()))
            })
            .collect()
    }

    pub fn finish_push(&self, sent: &[TableRecord], rejected: &BTreeMap<String, Vec<String>>) {
        let touched = sent
            .iter()
            .map(|(t, r)| (t.clone(), r.id().to_owned()))
            .collect();
        self.inner
            .borrow_mut()
            .change(Touched::Records(touched), |tables| {
                finish_push_on(tables, sent, rejected)
            });
    }

    /// Drops a refused change; `true` when the server's version must be pulled again.
    pub fn discard(&self, table: &str, id: &str) -> bool {
        let mut inner = self.inner.borrow_mut();
        let touched = with_descendants(&inner.tables, vec![(table.to_owned(), id.to_owned())]);
        inner.change(Touched::Records(touched), |tables| {
            discard_in(tables, table, id)
        })
    }
}

#[cfg(test)]
mod tests {
    //! The indexes against a brute-force scan, after every kind of change a replica sees.

    use super::*;
    use crate::local::edit::{create, delete, update};
    use crate::model::records::{Log, LogExercise, LogExerciseSet, WorkoutExercise};
    use crate::model::tables::{log_exercise, log_exercise_sets, logs, workout_exercise, workouts};
    use crate::model::wire::TableChanges;
    use crate::model::Record;
    use serde_json::json;

    /// A small deterministic generator (the failing seed is printed).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick(&mut self, items: &[String]) -> Option<String> {
            (!items.is_empty()).then(|| items[self.below(items.len())].clone())
        }
    }

    const EXERCISES: [&str; 3] = ["bench", "squat", "row"];

    fn live_ids(store: &MemoryStore, table: &str) -> Vec<String> {
        store
            .records(table)
            .iter()
            .map(|r| r.id().to_owned())
            .collect()
    }

    /// One random change through the store's public surface.
    fn step(store: &MemoryStore, rng: &mut Rng, n: usize) {
        let ids = |t: &str| live_ids(store, t);
        let exercise = EXERCISES[rng.below(3)].to_owned();
        let date = 1_000 * rng.below(6) as i64;
        match rng.below(11) {
            0 | 1 => {
                store.apply(&[create(
                    logs::TABLE,
                    &format!("log{n}"),
                    [logs::session_date.to(date)],
                )]);
            }
            2 | 3 => {
                let parent = rng.pick(&ids(logs::TABLE)).unwrap_or("missing".into());
                store.apply(&[create(
                    log_exercise::TABLE,
                    &format!("le{n}"),
                    [
                        log_exercise::log_id.to(parent),
                        log_exercise::exercise_id.to(exercise),
                        log_exercise::order.to(rng.below(3) as f64),
                    ],
                )]);
            }
            4 | 5 => {
                let parent = rng
                    .pick(&ids(log_exercise::TABLE))
                    .unwrap_or("missing".into());
                store.apply(&[create(
                    log_exercise_sets::TABLE,
                    &format!("s{n}"),
                    [
                        log_exercise_sets::log_exercise_id.to(parent),
                        log_exercise_sets::order.to(rng.below(4) as f64),
                        log_exercise_sets::weight.to(100.0),
                    ],
                )]);
            }
            6 => {
                // Edits of indexed columns: a new date, exercise or parent.
                match rng.below(3) {
                    0 => {
                        if let Some(id) = rng.pick(&ids(logs::TABLE)) {
                            store.apply(&[update(
                                logs::TABLE,
                                &id,
                                [logs::session_date.to(date)],
                                1,
                            )]);
                        }
                    }
                    1 => {
                        if let Some(id) = rng.pick(&ids(log_exercise::TABLE)) {
                            store.apply(&[update(
                                log_exercise::TABLE,
                                &id,
                                [log_exercise::exercise_id.to(exercise)],
                                1,
                            )]);
                        }
                    }
                    _ => {
                        let parent = rng.pick(&ids(log_exercise::TABLE));
                        if let (Some(id), Some(parent)) =
                            (rng.pick(&ids(log_exercise_sets::TABLE)), parent)
                        {
                            store.apply(&[update(
                                log_exercise_sets::TABLE,
                                &id,
                                [log_exercise_sets::log_exercise_id.to(parent)],
                                1,
                            )]);
                        }
                    }
                }
            }
            7 => {
                let table =
                    [logs::TABLE, log_exercise::TABLE, log_exercise_sets::TABLE][rng.below(3)];
                if let Some(id) = rng.pick(&ids(table)) {
                    store.apply(&[delete(table, &id)]);
                }
            }
            8 => {
                // The server confirms everything pending.
                let sent = store.pending();
                store.finish_push(&sent, &BTreeMap::new());
            }
            9 => {
                // A pull: one remote edit of an indexed column and one remote delete.
                let mut changes = BTreeMap::new();
                if let Some(id) = rng.pick(&ids(log_exercise::TABLE)) {
                    let mut r = store.get(log_exercise::TABLE, &id).unwrap().raw;
                    r.insert("exercise_id".into(), json!(exercise));
                    changes.insert(
                        log_exercise::TABLE.to_owned(),
                        TableChanges {
                            updated: vec![r],
                            ..Default::default()
                        },
                    );
                }
                if let Some(id) = rng.pick(&ids(logs::TABLE)) {
                    changes.insert(
                        logs::TABLE.to_owned(),
                        TableChanges {
                            deleted: vec![id],
                            ..Default::default()
                        },
                    );
                }
                let pull = PullResponse {
                    changes: changes.into_iter().collect(),
                    timestamp: n as i64,
                };
                store.apply_pull(pull, false);
            }
            _ => {
                if let Some(id) = rng.pick(&ids(log_exercise::TABLE)) {
                    store.discard(log_exercise::TABLE, &id);
                }
            }
        }
    }

    fn scan<R: Record>(store: &MemoryStore) -> Vec<R> {
        store
            .records(R::TABLE)
            .iter()
            .map(|r| R::from_wire(&r.raw))
            .collect()
    }

    /// Every query answered by the indexes equals the same question answered by scanning.
    fn check(store: &MemoryStore, seed: u64, n: usize) {
        let logs_all: Vec<Log> = scan(store);
        let entries: Vec<LogExercise> = scan(store);
        let sets: Vec<LogExerciseSet> = scan(store);
        store.query(|q| {
            for exercise in EXERCISES {
                let mut expected = Vec::new();
                for e in entries
                    .iter()
                    .filter(|e| e.exercise_id.as_deref() == Some(exercise))
                {
                    let Some(log) = logs_all.iter().find(|l| Some(&l.id) == e.log_id.as_ref())
                    else {
                        continue;
                    };
                    for s in sets
                        .iter()
                        .filter(|s| s.log_exercise_id.as_ref() == Some(&e.id))
                    {
                        expected.push((
                            std::cmp::Reverse((log.session_date, log.id.clone())),
                            (e.order.unwrap_or_default() as i64, e.id.clone()),
                            (s.order.unwrap_or_default() as i64, s.id.clone()),
                        ));
                    }
                }
                expected.sort();
                let expected: Vec<_> = expected
                    .into_iter()
                    .map(|(l, e, s)| (l.0 .1, e.1, s.1))
                    .collect();
                let got: Vec<_> = q
                    .exercise_sets(exercise)
                    .iter()
                    .map(|p| (p.log.id.clone(), p.exercise.id.clone(), p.set.id.clone()))
                    .collect();
                assert_eq!(
                    got, expected,
                    "exercise_sets({exercise}), seed {seed} step {n}"
                );
            }
            let mut by_date: Vec<_> = logs_all
                .iter()
                .filter(|l| l.session_date.is_some_and(|d| (1_000..4_000).contains(&d)))
                .map(|l| (l.session_date, l.id.clone()))
                .collect();
            by_date.sort();
            let got: Vec<_> = q
                .logs_by_date(1_000..4_000)
                .map(|l| (l.session_date, l.id.clone()))
                .collect();
            assert_eq!(got, by_date, "logs_by_date, seed {seed} step {n}");
            for log in &logs_all {
                let mut expected: Vec<&LogExercise> = entries
                    .iter()
                    .filter(|e| e.log_id.as_ref() == Some(&log.id))
                    .collect();
                expected.sort_by(|a, b| a.id.cmp(&b.id));
                let mut got = q.find::<LogExercise>(log_exercise::log_id, &log.id);
                got.sort_by(|a, b| a.id.cmp(&b.id));
                assert_eq!(
                    got, expected,
                    "children of {}, seed {seed} step {n}",
                    log.id
                );
                assert_eq!(q.get::<Log>(&log.id), Some(log), "typed record is current");
            }
            assert_eq!(
                q.all::<LogExerciseSet>().count(),
                sets.len(),
                "seed {seed} step {n}"
            );
        });
    }

    #[test]
    fn indexed_queries_match_a_brute_force_scan() {
        for seed in 1..=20_u64 {
            let store = MemoryStore::default();
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            for n in 0..150 {
                step(&store, &mut rng, n);
                check(&store, seed, n);
            }
        }
    }

    #[test]
    fn template_children_are_indexed_by_parent_and_by_exercise() {
        let store = MemoryStore::default();
        store.apply(&[
            create(workouts::TABLE, "w", []),
            create(
                workout_exercise::TABLE,
                "e",
                [
                    workout_exercise::workout_id.to("w".to_owned()),
                    workout_exercise::exercise_id.to("squat".to_owned()),
                ],
            ),
        ]);
        store.query(|q| {
            assert_eq!(
                q.find::<WorkoutExercise>(workout_exercise::workout_id, "w")
                    .len(),
                1
            );
            assert_eq!(
                q.find::<WorkoutExercise>(workout_exercise::exercise_id, "squat")
                    .len(),
                1
            );
        });
        // A full pull that no longer has them (they are synced) drops them from the index.
        let sent = store.pending();
        store.finish_push(&sent, &BTreeMap::new());
        let everything = [workouts::TABLE, workout_exercise::TABLE]
            .map(|t| (t.to_owned(), TableChanges::default()))
            .into_iter()
            .collect();
        store.apply_pull(
            PullResponse {
                changes: everything,
                timestamp: 5,
            },
            true,
        );
        store.query(|q| {
            assert!(q
                .find::<WorkoutExercise>(workout_exercise::workout_id, "w")
                .is_empty())
        });
    }
}
