//! The IndexedDB store against the in-memory reference store, in a real browser
//! (headless Chromium through `wasm-bindgen-test-runner`; `./dev test` runs it).
//!
//! A seeded sequence of everything a replica goes through — local creates, edits and
//! cascading deletes, pulls (first, full and incremental, with remote deletes), finished
//! pushes with rejected records, changes set aside and discarded — is applied to a
//! replica on IndexedDB and to one on the reference store; after every step both hold
//! the same records, cursor and set-aside list, in memory and as stored, and after
//! closing and reopening the database it still holds all of it.
#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]

use app::local::persist::{MemoryChunks, Persistence};
use app::local::record::SetAside;
use app::local::record::Status;
use app::local::Op;
use app::model::wire::{PullResponse, TableChanges, WireRecord};
use app::model::TABLES;
use app::replica::IdbStore;
use app::sync::engine::LocalStore;
use app::sync::persisted::LocalReplica;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// xorshift64*: small and seeded, so a failing run is replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        (!xs.is_empty()).then(|| &xs[self.below(xs.len())])
    }
}

fn record(
    rng: &mut Rng,
    table: &'static app::model::TableDef,
    id: &str,
    live: &dyn Fn(&str) -> Vec<String>,
) -> Option<WireRecord> {
    let mut raw = WireRecord::new();
    raw.insert("id".into(), json!(id));
    for p in table.parents {
        let parents = live(p.table);
        raw.insert(p.column.into(), json!(rng.pick(&parents)?));
    }
    for c in table.columns {
        if raw.contains_key(c.name) {
            continue;
        }
        let v = match rng.below(4) {
            0 => Value::Null,
            1 => json!(rng.below(1000)),
            2 => json!(format!("v{}", rng.below(50))),
            _ => json!(rng.below(2) == 0),
        };
        raw.insert(c.name.into(), v);
    }
    Some(raw)
}

async fn same(step: usize, idb: &LocalReplica<IdbStore>, reference: &LocalReplica<MemoryChunks>) {
    let stored = idb.store.load_all().await.unwrap();
    let expected = reference.store.load_all().await.unwrap();
    assert_eq!(stored, expected, "step {step}: stored records differ");
    let stored = expected;
    // Memory may keep a table whose records are all gone; storage has no chunk for it.
    let in_memory = |r: &app::local::memory::MemoryStore| {
        let mut tables = r.with_tables(Clone::clone);
        tables.retain(|_, records| !records.is_empty());
        tables
    };
    assert_eq!(
        in_memory(&idb.mem),
        in_memory(&reference.mem),
        "step {step}: memory differs"
    );
    let mut stored = stored;
    stored.retain(|_, records| !records.is_empty());
    assert_eq!(
        in_memory(&idb.mem),
        stored,
        "step {step}: memory and IndexedDB differ"
    );
    assert_eq!(
        idb.store.last_pulled_at().await.unwrap(),
        reference.store.last_pulled_at().await.unwrap(),
        "step {step}: cursor"
    );
    assert_eq!(
        idb.store.set_aside().await.unwrap(),
        reference.store.set_aside().await.unwrap(),
        "step {step}: set aside"
    );
}

#[wasm_bindgen_test]
async fn indexeddb_store_matches_the_reference_store() {
    let seed = 0x5EED_2026;
    let user = format!("idb-test-{}", js_sys::Date::now() as u64);
    let idb = LocalReplica::open(IdbStore::open(&user).await.unwrap())
        .await
        .unwrap();
    let reference = LocalReplica::open(MemoryChunks::default()).await.unwrap();
    let mut rng = Rng(seed);
    let mut next_id = 0;
    let mut cursor = 1_000;

    for step in 0..400 {
        let live = |table: &str| -> Vec<String> {
            reference
                .mem
                .records(table)
                .iter()
                .map(|r| r.id().to_owned())
                .collect()
        };
        let table = &TABLES[rng.below(TABLES.len())];
        match rng.below(10) {
            // Local edits, as the pages make them.
            0..=2 => {
                next_id += 1;
                let id = format!("n{next_id}");
                if let Some(raw) = record(&mut rng, table, &id, &live) {
                    let ops = [Op::Create {
                        table: table.name,
                        raw,
                    }];
                    idb.write(&ops).await.unwrap();
                    reference.write(&ops).await.unwrap();
                }
            }
            3 => {
                if let Some(id) = rng.pick(&live(table.name)).cloned() {
                    let mut fields = WireRecord::new();
                    if let Some(c) = rng.pick(table.columns) {
                        fields.insert(c.name.into(), json!(format!("e{step}")));
                    }
                    let ops = [Op::Update {
                        table: table.name,
                        id,
                        fields,
                    }];
                    idb.write(&ops).await.unwrap();
                    reference.write(&ops).await.unwrap();
                }
            }
            4 => {
                if let Some(id) = rng.pick(&live(table.name)).cloned() {
                    let ops = [Op::Delete {
                        table: table.name,
                        id,
                    }];
                    idb.write(&ops).await.unwrap();
                    reference.write(&ops).await.unwrap();
                }
            }
            // A pull: new and known records, remote deletes; sometimes the whole state.
            5 | 6 => {
                let mut changes = BTreeMap::new();
                for _ in 0..rng.below(4) {
                    let t = &TABLES[rng.below(TABLES.len())];
                    let known = live(t.name);
                    let entry: &mut TableChanges = changes.entry(t.name.to_owned()).or_default();
                    next_id += 1;
                    let id = match rng.pick(&known) {
                        Some(k) if rng.below(2) == 0 => k.clone(),
                        _ => format!("p{next_id}"),
                    };
                    if rng.below(4) == 0 {
                        if !entry.deleted.contains(&id) {
                            entry.deleted.push(id);
                        }
                    } else if let Some(raw) = record(&mut rng, t, &id, &live) {
                        if !entry.updated.iter().any(|r| r["id"] == raw["id"]) {
                            entry.updated.push(raw);
                        }
                    }
                }
                cursor += 1 + rng.below(100) as i64;
                let full = rng.below(8) == 0;
                let pull = PullResponse {
                    changes,
                    timestamp: cursor,
                };
                let pull = if full {
                    // A full pull: the server's whole state as `created`, no deletes.
                    let mut all = pull.clone();
                    for c in all.changes.values_mut() {
                        c.created.append(&mut c.updated);
                        c.deleted.clear();
                    }
                    all
                } else {
                    pull
                };
                idb.engine(&())
                    .apply_pull(pull.clone(), full)
                    .await
                    .unwrap();
                reference.engine(&()).apply_pull(pull, full).await.unwrap();
            }
            // A push answered: some pending records, some of them rejected.
            7 => {
                let pending = reference.mem.pending();
                let sent: Vec<_> = pending.into_iter().filter(|_| rng.below(2) == 0).collect();
                let mut rejected: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for (t, r) in &sent {
                    if r.status == Status::Created && rng.below(5) == 0 {
                        rejected
                            .entry(t.clone())
                            .or_default()
                            .push(r.id().to_owned());
                    }
                }
                idb.engine(&()).finish_push(&sent, &rejected).await.unwrap();
                reference
                    .engine(&())
                    .finish_push(&sent, &rejected)
                    .await
                    .unwrap();
            }
            // Refused changes set aside, and one discarded.
            8 => {
                let aside: Vec<SetAside> = reference
                    .mem
                    .pending()
                    .into_iter()
                    .filter(|_| rng.below(3) == 0)
                    .map(|(table, record)| SetAside {
                        table,
                        record,
                        reason: format!("refused at step {step}"),
                    })
                    .collect();
                idb.engine(&()).store_aside(aside.clone()).await.unwrap();
                reference.engine(&()).store_aside(aside).await.unwrap();
            }
            _ => {
                let aside = reference.store.set_aside().await.unwrap();
                if let Some(a) = rng.pick(&aside).cloned() {
                    idb.engine(&()).discard(&a.table, a.id()).await.unwrap();
                    reference
                        .engine(&())
                        .discard(&a.table, a.id())
                        .await
                        .unwrap();
                }
            }
        }
        same(step, &idb, &reference).await;
    }

    // Durable: reopened, the database holds everything.
    idb.store.close();
    let reopened = LocalReplica::open(IdbStore::open(&user).await.unwrap())
        .await
        .unwrap();
    same(400, &reopened, &reference).await;
    let records: usize = reference
        .store
        .load_all()
        .await
        .unwrap()
        .values()
        .map(BTreeMap::len)
        .sum();
    assert!(records > 25, "the sequence left only {records} records");
    reopened.store.close();
    IdbStore::delete(&user).await.unwrap();
}

/// A tab closed right after a tap: its edit of the session being logged was kept, never
/// applied. The next reading applies it once, in the order the edits were made, beside
/// what another tab applied meanwhile; a further reading applies nothing again.
#[wasm_bindgen_test]
async fn an_active_session_edit_kept_before_its_tab_closed_is_applied_once() {
    use app::workout::{ActiveExercise, ActiveSession, ActiveSet, Edit, SetField};
    let user = format!("idb-active-{}", js_sys::Date::now() as u64);
    let closed = IdbStore::open(&user).await.unwrap();
    let open = IdbStore::open(&user).await.unwrap();
    let set = |id: &str| ActiveSet {
        id: id.into(),
        ..ActiveSet::default()
    };
    let start = Edit::Start(Box::new(ActiveSession {
        id: "log".into(),
        started_at: 1_000,
        title: "Push".into(),
        notes: String::new(),
        workout_id: None,
        exercises: vec![ActiveExercise {
            id: "e".into(),
            exercise_id: "bench".into(),
            notes: String::new(),
            rest_time: None,
            superset_group: None,
            planned_id: None,
            sets: vec![set("s1"), set("s2")],
        }],
        rest: None,
    }));
    open.keep_active_edit(&start).unwrap().await.unwrap();
    open.active_session().await.unwrap().expect("started");

    // Kept by the closing tab and never applied: a weight typed, the set ticked, the rest
    // lengthened (applied twice, that would be 30 s more).
    let tick = Edit::Tick {
        set: "s2".into(),
        done: true,
        now: 5_000,
        rest: 90,
        next: None,
    };
    for edit in [
        Edit::Value {
            set: "s2".into(),
            field: SetField::Reps,
            value: Some(12.0),
        },
        tick,
        Edit::RestBy {
            seconds: 15,
            now: 6_000,
        },
    ] {
        closed.keep_active_edit(&edit).unwrap().await.unwrap();
    }
    closed.close();
    // Meanwhile the open tab kept and applied its own edit.
    open.keep_active_edit(&Edit::Value {
        set: "s1".into(),
        field: SetField::Weight,
        value: Some(70.0),
    })
    .unwrap()
    .await
    .unwrap();
    let applied = open.active_session().await.unwrap().expect("still logged");
    let sets = &applied.exercises[0].sets;
    assert_eq!((sets[0].weight, sets[0].done), (Some(70.0), false));
    assert_eq!((sets[1].reps, sets[1].done), (Some(12), true));
    let rest = applied.rest.clone().expect("the tick started a rest");
    assert_eq!(rest.ends_at, 5_000 + 105_000, "lengthened once");

    // Applied and forgotten together: reading again, or after reopening, changes nothing.
    assert_eq!(open.active_session().await.unwrap(), Some(applied.clone()));
    open.close();
    let reopened = IdbStore::open(&user).await.unwrap();
    assert_eq!(reopened.active_session().await.unwrap(), Some(applied));
    reopened.close();
    IdbStore::delete(&user).await.unwrap();
}
