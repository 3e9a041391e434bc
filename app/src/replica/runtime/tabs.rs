//! The other tabs of this browser: the messages they exchange (data changed, the active
//! session changed, signed out), reloading what another tab rewrote, and the Web Lock
//! that keeps one sync at a time across them.

use super::replica::*;
use crate::local::chunks::{self, ChunkKey};
use crate::local::persist::Persistence;
use crate::replica::status::SyncPhase;
use leptos::prelude::*;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

impl Replica {
    /// Another tab changed the data: the chunks it names are reloaded from IndexedDB.
    pub(super) fn on_message(self: &Rc<Self>, message: &str) {
        if message == SIGNED_OUT {
            self.close();
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
            return;
        }
        if let Some(at) = message.strip_prefix("synced:").and_then(|t| t.parse().ok()) {
            self.state.ready.set(true);
            if !self.running.get() {
                self.state
                    .status
                    .update(|s| s.phase = SyncPhase::Synced(at));
            }
        }
        if message == ACTIVE_CHANGED {
            self.reload_active();
            return;
        }
        if let Some(list) = message.strip_prefix("chunks:") {
            let keys: Vec<String> = serde_json::from_str(list).unwrap_or_default();
            let mut wanted = self.reload_keys.borrow_mut();
            wanted.extend(keys.into_iter().filter(|k| chunks::table_of(k).is_some()));
        }
        self.request_reload();
        let this = self.clone();
        leptos::task::spawn_local(async move { this.refresh_pending().await });
    }

    pub(super) fn broadcast(&self, message: &str) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&JsValue::from_str(message));
        }
    }

    /// Tells other tabs which chunks this one rewrote.
    pub(super) fn broadcast_chunks(&self, keys: &[ChunkKey]) {
        if !keys.is_empty() {
            let json = serde_json::to_string(keys).unwrap_or_default();
            self.broadcast(&format!("chunks:{json}"));
        }
    }

    /// Reloads what was asked (some chunks, or everything after a failed commit) once no
    /// edit of this tab is in flight: an edit in memory but not yet committed would
    /// otherwise vanish from the screen.
    pub(super) fn request_reload(self: &Rc<Self>) {
        let wanted = self.reload_all.get() || !self.reload_keys.borrow().is_empty();
        if !wanted || self.reloading.get() || self.inflight.get() > 0 || self.closed.get() {
            return;
        }
        self.reloading.set(true);
        let all = self.reload_all.replace(false);
        let keys = std::mem::take(&mut *self.reload_keys.borrow_mut());
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let started = this.writes_started.get();
            let loaded = if all {
                this.local.store.load_all().await
            } else {
                this.local.store.read_chunks(&keys).await
            };
            this.reloading.set(false);
            match loaded {
                // An edit began while reading: read again once it is committed.
                _ if this.writes_started.get() != started => {
                    this.reload_all.set(this.reload_all.get() || all);
                    this.reload_keys.borrow_mut().extend(keys);
                }
                Ok(tables) if all => {
                    this.local.mem.replace_tables(tables);
                    this.state.version.update(|v| *v += 1);
                }
                Ok(tables) => {
                    this.local.mem.replace_chunks(&keys, tables);
                    this.state.version.update(|v| *v += 1);
                }
                Err(_) => this.reload_all.set(true),
            }
            this.request_reload();
        });
    }
}
