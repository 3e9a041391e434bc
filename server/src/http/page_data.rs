//! The database as server-rendered pages read it, and the cache of the figures pages
//! compute from it.

use super::held_records::{HeldRecords, HeldUsage};
use super::seen::PageReads;
use super::state::AppState;
use crate::store::{Freshness, Store, StoreError};
use app::local::Snapshot;
use app::page_data::{Compute, PageData};
use async_trait::async_trait;
use moka::sync::Cache;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A store failure while a page rendered. The pages' session layer puts one in each page
/// request and, when the render met a failure, answers with it (`503` for an outage)
/// instead of the page the render made without its data.
#[derive(Clone, Default)]
pub struct PageFailure(Arc<Mutex<Option<StoreError>>>);

impl PageFailure {
    /// Keeps the first failure (an outage fails every read after it the same way).
    fn record(error: StoreError) -> String {
        let message = error.to_string();
        if let Some(slot) = app::session::request::of_this_request::<Self>() {
            let mut first = slot.0.lock().unwrap_or_else(|e| e.into_inner());
            first.get_or_insert(error);
        }
        message
    }

    pub fn take(&self) -> Option<StoreError> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Pages show data: any copy that has what the browser has seen will do.
fn seen_here() -> Freshness {
    Freshness::Seen(PageReads::floor_here())
}

pub struct StorePageData {
    store: Arc<dyn Store>,
    names: Arc<BTreeMap<String, String>>,
    library: Arc<Vec<app::model::LibraryExercise>>,
    /// Computed figures by (user, key), each valid while the user's change stamp is the
    /// one it was computed at. Bounded by bytes (an exercise page's figures are tens of
    /// KB, a dashboard's a few): the least useful go first when it is full.
    figures: Cache<(String, String), Arc<Figures>>,
    /// Held while one request computes a figure, so the others asking for the same one at
    /// that moment wait for its result instead of all reading the database; a user's
    /// other figures are not held up.
    computing: Cache<(String, String), Arc<tokio::sync::Mutex<()>>>,
    /// The records figures are computed from, kept between renders per user.
    held: Arc<HeldRecords>,
}

struct Figures {
    stamp: i64,
    value: Arc<str>,
}

/// What an entry costs beyond its text: the key's strings, the `Arc`s, moka's bookkeeping.
const ENTRY_OVERHEAD: usize = 160;

/// The figures cache, holding at most `bytes` as weighed: texts and keys.
fn figures_cache(bytes: u64) -> Cache<(String, String), Arc<Figures>> {
    Cache::builder()
        .max_capacity(bytes)
        .weigher(|(user, key): &(String, String), f: &Arc<Figures>| {
            u32::try_from(user.len() + key.len() + f.value.len() + ENTRY_OVERHEAD)
                .unwrap_or(u32::MAX)
        })
        .build()
}

impl StorePageData {
    pub fn new(state: &AppState) -> Self {
        Self {
            store: state.store.clone(),
            names: state.catalogue.names.clone(),
            library: state.catalogue.library.clone(),
            figures: figures_cache(state.config.figures_cache_bytes),
            computing: Cache::builder().max_capacity(4096).build(),
            held: Arc::new(HeldRecords::new(
                state.store.clone(),
                state.config.records_cache_bytes,
            )),
        }
    }

    /// What the held records hold and have read, as of now.
    pub fn held_usage(&self) -> HeldUsage {
        self.held.usage()
    }

    /// The figures cache's weighed bytes and entries, as of now.
    pub fn cache_usage(&self) -> (u64, u64) {
        self.figures.run_pending_tasks();
        (self.figures.weighted_size(), self.figures.entry_count())
    }

    /// The figures under `key` if the user's records have not changed since; else the
    /// user's stamp they must be computed at.
    async fn cached(&self, user_id: &str, key: &str) -> Result<Result<Arc<str>, i64>, String> {
        let stamp = self
            .store
            .change_stamp(user_id, seen_here())
            .await
            .map_err(PageFailure::record)?;
        PageReads::read_at(stamp);
        // Figures computed at a later stamp (this process pushed or read the primary
        // since) are as good: the page shows them and tells the browser their stamp.
        let hit = self
            .figures
            .get(&(user_id.to_owned(), key.to_owned()))
            .filter(|f| f.stamp >= stamp);
        Ok(match hit {
            Some(f) => {
                PageReads::read_at(f.stamp);
                Ok(f.value.clone())
            }
            None => Err(stamp),
        })
    }
}

#[async_trait]
impl PageData for StorePageData {
    async fn records(&self, user_id: &str, tables: &[&str]) -> Result<Snapshot, String> {
        let (stamp, tables) = self
            .store
            .records_stamped(user_id, tables, seen_here())
            .await
            .map_err(PageFailure::record)?;
        PageReads::read_at(stamp);
        Ok(Snapshot { tables })
    }

    async fn computed(
        &self,
        user_id: &str,
        key: String,
        compute: Compute,
    ) -> Result<Arc<str>, String> {
        let stamp = match self.cached(user_id, &key).await? {
            Ok(hit) => return Ok(hit),
            Err(stamp) => stamp,
        };
        let id = (user_id.to_owned(), key);
        let gate = self.computing.get_with(id.clone(), Default::default);
        let _turn = gate.lock().await;
        // Another request may have computed it while this one waited.
        let stamp = match self.cached(user_id, &id.1).await? {
            Ok(hit) => return Ok(hit),
            Err(newer) => newer.max(stamp),
        };
        // The held records, brought up to the stamp: after a push, only what changed since
        // they were last current is read and applied.
        let memory = self
            .held
            .current(user_id, stamp, seen_here())
            .await
            .map_err(PageFailure::record)?;
        let stamp = memory.stamp();
        PageReads::read_at(stamp);
        // Years of sets take a while: on the blocking pool, not a runtime worker.
        let value: Arc<str> =
            match tokio::task::spawn_blocking(move || memory.query(|q| compute(q))).await {
                Ok(value) => value.into(),
                // Panics on in the page's task, which answers the page with 500 at once.
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => return Err(format!("computing the page's figures failed: {e}")),
            };
        let newer = self.figures.get(&id).is_some_and(|f| f.stamp > stamp);
        if !newer {
            self.figures.insert(
                id,
                Arc::new(Figures {
                    stamp,
                    value: value.clone(),
                }),
            );
        }
        Ok(value)
    }

    fn exercise_names(&self) -> Arc<BTreeMap<String, String>> {
        self.names.clone()
    }

    fn library(&self) -> Arc<Vec<app::model::LibraryExercise>> {
        self.library.clone()
    }

    async fn recently_deleted(&self, user_id: &str) -> Result<Vec<app::deleted::Deleted>, String> {
        crate::deleted::recently_deleted(self.store.as_ref(), user_id, crate::store::now_ms())
            .await
            .map_err(PageFailure::record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_cache_is_bounded_by_bytes() {
        let cache = figures_cache(200_000);
        // A hundred exercise pages of 10 KB each: a megabyte asked of 200 KB.
        for n in 0..100 {
            let value: Arc<str> = "x".repeat(10_000).into();
            cache.insert(
                (format!("user-{}", n % 7), format!("exercise {n}")),
                Arc::new(Figures { stamp: 1, value }),
            );
            cache.run_pending_tasks();
            assert!(
                cache.weighted_size() <= 200_000,
                "{}",
                cache.weighted_size()
            );
        }
        assert!(cache.entry_count() >= 15, "it keeps what fits");
        // Small figures (a dashboard's) fit many at once.
        let small = figures_cache(200_000);
        for n in 0..500 {
            small.insert(
                ("u".into(), format!("dashboard {n}")),
                Arc::new(Figures {
                    stamp: 1,
                    value: "{}".into(),
                }),
            );
        }
        small.run_pending_tasks();
        assert!(small.entry_count() >= 500 * 9 / 10);
    }
}
