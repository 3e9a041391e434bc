//! What figures computed from the records may keep between changes.
//!
//! Statistics read every logged session, but a change touches a few: a set ticked, a
//! session finished, another device's edit pulled. So the replica keeps a journal of the
//! sessions each change touched (by the session's id and date), and memos that
//! computations over sessions keep beside the records ([`Derived::memo`]). A memo asks the
//! journal what changed since it was last brought up to date and recomputes that only;
//! when the journal cannot say (a whole reload, or more changes than it keeps), it starts
//! again from nothing.

use super::ops::Tables;
use crate::model::tables::{log_exercise, log_exercise_sets, logs};
use rustc_hash::FxHashMap;
use std::any::{Any, TypeId};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

/// Journal entries kept: far more than a sync or an edit touches, few enough that a memo
/// left unread for a long time starts again rather than replaying a long history.
const KEPT: usize = 4096;

/// A session a change touched: its id and its date (epoch ms) before or after the change
/// (one entry each). `None` when the session did not exist then or had no date: no
/// session list held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTouched {
    pub log_id: String,
    pub date: Option<i64>,
}

/// The journal of touched sessions and the memos kept over them.
#[derive(Debug, Default)]
pub struct Derived {
    /// Changes made so far; a memo remembers the generation it is up to date with.
    generation: u64,
    /// A memo up to date with a generation older than this has missed changes.
    floor: u64,
    /// `(generation, session)`, oldest first.
    journal: VecDeque<(u64, SessionTouched)>,
    memos: Mutex<FxHashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Derived {
    /// The generation a memo computed now is up to date with.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The sessions touched after generation `seen`, or `None` when the journal cannot
    /// tell (the memo must start again).
    pub fn touched_since(&self, seen: u64) -> Option<impl Iterator<Item = &SessionTouched>> {
        (seen >= self.floor).then(|| {
            self.journal
                .iter()
                .skip_while(move |(g, _)| *g <= seen)
                .map(|(_, s)| s)
        })
    }

    /// The memo of type `T`, made empty on first use. Kept behind a lock of its own: the
    /// server computes several pages of one user at once over the same records.
    pub fn memo<T: Default + Send + 'static>(&self) -> Arc<Mutex<T>> {
        let mut memos = self.memos.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = memos
            .entry(TypeId::of::<Mutex<T>>())
            .or_insert_with(|| Arc::new(Mutex::new(T::default())));
        slot.clone()
            .downcast::<Mutex<T>>()
            .expect("memos are keyed by their type")
    }

    /// Records that everything may have changed: every memo starts again.
    pub fn everything_changed(&mut self) {
        self.generation += 1;
        self.floor = self.generation;
        self.journal.clear();
    }

    /// Records the sessions touched by one change.
    pub fn touched(&mut self, sessions: impl IntoIterator<Item = SessionTouched>) {
        self.generation += 1;
        for s in sessions {
            self.journal.push_back((self.generation, s));
        }
        while self.journal.len() > KEPT {
            if let Some((g, _)) = self.journal.pop_front() {
                self.floor = self.floor.max(g);
            }
        }
    }
}

/// The sessions that the records `touched` belong to in `tables` (a session, one of its
/// exercise entries or one of their sets), with their dates. Run before a change and
/// after it, it finds the sessions a record left and the ones it joined.
pub fn sessions_of(tables: &Tables, touched: &[(String, String)], out: &mut Vec<SessionTouched>) {
    let raw = |table: &str, id: &str| Some(&tables.get(table)?.get(id)?.raw);
    let text = |table: &str, id: &str, column: &str| {
        raw(table, id)?.get(column)?.as_str().map(str::to_owned)
    };
    for (table, id) in touched {
        let log_id = match table.as_str() {
            logs::TABLE => Some(id.clone()),
            log_exercise::TABLE => text(table, id, log_exercise::log_id.name),
            log_exercise_sets::TABLE => text(table, id, log_exercise_sets::log_exercise_id.name)
                .and_then(|entry| text(log_exercise::TABLE, &entry, log_exercise::log_id.name)),
            _ => None,
        };
        if let Some(log_id) = log_id {
            let date = raw(logs::TABLE, &log_id).and_then(|r| logs::session_date.get(r));
            out.push(SessionTouched { log_id, date });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touched(id: &str) -> SessionTouched {
        SessionTouched {
            log_id: id.into(),
            date: Some(1),
        }
    }

    #[test]
    fn a_memo_sees_what_changed_after_it_and_starts_again_past_the_journal() {
        let mut d = Derived::default();
        d.touched([touched("a")]);
        let seen = d.generation();
        d.touched([touched("b"), touched("c")]);
        let since: Vec<&str> = d
            .touched_since(seen)
            .unwrap()
            .map(|s| s.log_id.as_str())
            .collect();
        assert_eq!(since, ["b", "c"]);
        assert_eq!(d.touched_since(d.generation()).unwrap().count(), 0);
        let seen = d.generation();
        d.everything_changed();
        assert!(d.touched_since(seen).is_none());
        let seen = d.generation();
        for _ in 0..=KEPT {
            d.touched([touched("x")]);
        }
        assert!(d.touched_since(seen).is_none(), "the journal forgot some");
        assert!(d.touched_since(d.generation() - 10).is_some());
    }

    #[test]
    fn chunks_another_tab_rewrote_touch_only_the_sessions_that_differ() {
        use crate::local::chunks::key_of;
        use crate::local::edit::create;
        use crate::local::memory::MemoryStore;
        let store = MemoryStore::default();
        for n in 0..40 {
            store.apply(&[
                create(logs::TABLE, &format!("log{n}"), [logs::session_date.to(n)]),
                create(
                    log_exercise::TABLE,
                    &format!("e{n}"),
                    [log_exercise::log_id.to(format!("log{n}"))],
                ),
                create(
                    log_exercise_sets::TABLE,
                    &format!("s{n}"),
                    [log_exercise_sets::log_exercise_id.to(format!("e{n}"))],
                ),
            ]);
        }
        // Another tab rewrote every chunk of sets, changing one set's reps.
        let mut stored = store.with_tables(|t| t.clone());
        stored.retain(|table, _| table == log_exercise_sets::TABLE);
        let set = stored
            .get_mut(log_exercise_sets::TABLE)
            .and_then(|t| t.get_mut("s7"))
            .unwrap();
        set.raw.insert("reps".into(), 5.into());
        let keys = stored[log_exercise_sets::TABLE]
            .keys()
            .map(|id| key_of(log_exercise_sets::TABLE, id))
            .collect();
        let seen = store.query(|q| q.derived().generation());
        store.replace_chunks(&keys, stored);
        let touched: Vec<SessionTouched> =
            store.query(|q| q.derived().touched_since(seen).unwrap().cloned().collect());
        let at = SessionTouched {
            log_id: "log7".into(),
            date: Some(7),
        };
        assert_eq!(touched, [at.clone(), at], "before and after the change");
        assert_eq!(
            store.get(log_exercise_sets::TABLE, "s7").unwrap().raw["reps"],
            5
        );
    }

    #[test]
    fn memos_are_one_per_type() {
        let d = Derived::default();
        *d.memo::<u32>().lock().unwrap() = 7;
        assert_eq!(*d.memo::<u32>().lock().unwrap(), 7);
        assert_eq!(*d.memo::<u64>().lock().unwrap(), 0);
    }
}
