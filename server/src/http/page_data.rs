//! The database as server-rendered pages read it.

use crate::state::AppState;
use crate::store::Store;
use app::page_data::PageData;
use app::replica::Snapshot;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct StorePageData {
    store: Arc<dyn Store>,
    names: Arc<BTreeMap<String, String>>,
}

impl StorePageData {
    pub fn new(state: &AppState) -> Self {
        Self {
            store: state.store.clone(),
            names: state.catalogue.names.clone(),
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

    fn exercise_names(&self) -> Arc<BTreeMap<String, String>> {
        self.names.clone()
    }
}
