//! The database as server-rendered pages read it, and the cache of the figures pages
//! compute from it.

use crate::state::AppState;
use crate::store::Store;
use app::page_data::{Compute, PageData};
use app::replica::Snapshot;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Users whose figures are kept; past it the cache starts over (it refills as pages are
/// viewed).
const MAX_USERS: usize = 512;
/// Figures kept per user (pages × parameters × days); past it that user's start over.
const MAX_FIGURES_PER_USER: usize = 64;

pub struct StorePageData {
    store: Arc<dyn Store>,
    names: Arc<BTreeMap<String, String>>,
    library: Arc<Vec<app::model::LibraryExercise>>,
    figures: Mutex<HashMap<String, UserFigures>>,
}

/// One user's computed figures, valid while their change stamp is `stamp`.
#[derive(Default)]
struct UserFigures {
    stamp: i64,
    by_key: HashMap<String, Arc<str>>,
    /// Held while one request computes, so the others of the same moment wait for its
    /// result instead of all reading the database.
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl StorePageData {
    pub fn new(state: &AppState) -> Self {
        Self {
            store: state.store.clone(),
            names: state.catalogue.names.clone(),
            library: state.catalogue.library.clone(),
            figures: Mutex::new(HashMap::new()),
        }
    }

    /// The figures under `key` if the user's records have not changed since.
    async fn cached(&self, user_id: &str, key: &str) -> Result<Option<Arc<str>>, String> {
        let stamp = self
            .store
            .change_stamp(user_id)
            .await
            .map_err(|e| e.to_string())?;
        let figures = self.figures.lock().unwrap_or_else(|e| e.into_inner());
        Ok(figures
            .get(user_id)
            .filter(|user| user.stamp == stamp)
            .and_then(|user| user.by_key.get(key).cloned()))
    }

    fn computing(&self, user_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut figures = self.figures.lock().unwrap_or_else(|e| e.into_inner());
        if figures.len() >= MAX_USERS && !figures.contains_key(user_id) {
            figures.clear();
        }
        figures
            .entry(user_id.to_owned())
            .or_default()
            .computing
            .clone()
    }

    fn remember(&self, user_id: &str, stamp: i64, key: String, value: Arc<str>) {
        let mut figures = self.figures.lock().unwrap_or_else(|e| e.into_inner());
        let user = figures.entry(user_id.to_owned()).or_default();
        if stamp > user.stamp || user.by_key.len() >= MAX_FIGURES_PER_USER {
            user.by_key.clear();
            user.stamp = user.stamp.max(stamp);
        }
        if stamp == user.stamp {
            user.by_key.insert(key, value);
        }
    }
}

#[async_trait]
impl PageData for StorePageData {
    async fn records(&self, user_id: &str, tables: &[&str]) -> Result<Snapshot, String> {
        let tables = self
            .store
            .records(user_id, tables)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Snapshot { tables })
    }

    async fn computed(
        &self,
        user_id: &str,
        tables: &[&str],
        key: String,
        compute: Compute,
    ) -> Result<Arc<str>, String> {
        if let Some(hit) = self.cached(user_id, &key).await? {
            return Ok(hit);
        }
        let gate = self.computing(user_id);
        let _turn = gate.lock().await;
        // Another request may have computed it while this one waited.
        if let Some(hit) = self.cached(user_id, &key).await? {
            return Ok(hit);
        }
        let (stamp, tables) = self
            .store
            .records_stamped(user_id, tables)
            .await
            .map_err(|e| e.to_string())?;
        let value: Arc<str> = compute(&Snapshot { tables }).into();
        self.remember(user_id, stamp, key, value.clone());
        Ok(value)
    }

    fn exercise_names(&self) -> Arc<BTreeMap<String, String>> {
        self.names.clone()
    }

    fn library(&self) -> Arc<Vec<app::model::LibraryExercise>> {
        self.library.clone()
    }
}
