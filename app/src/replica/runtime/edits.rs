//! Local edits: applied to memory at once, committed to IndexedDB in order, undone on
//! screen if the commit fails; the active session's edits the same way.

use super::replica::*;
use crate::local::persist::{MetaWrite, Persistence};
use crate::local::Op;
use crate::replica::status::SyncPhase;
use crate::sync::engine::{partition_pending, LocalStore};
use crate::workout::Edit as SessionEdit;
use leptos::prelude::*;
use std::rc::Rc;

impl Replica {
    /// Applies an edit to memory at once (the next action sees it), then commits it. The
    /// status says "saving" until IndexedDB confirmed the commit; a failed commit is
    /// undone on screen by reloading what IndexedDB holds.
    pub fn write(self: &Rc<Self>, ops: Vec<Op>) {
        if self.closed.get() {
            return;
        }
        self.commit_edit(ops, false);
    }

    /// The one path of local writes: `ops` applied to memory, then committed in one
    /// transaction — with the active session cleared when it `ends_session` (finishing).
    pub(super) fn commit_edit(self: &Rc<Self>, ops: Vec<Op>, ends_session: bool) {
        let keys = self.local.apply_now(&ops);
        self.writes_started.set(self.writes_started.get() + 1);
        self.inflight.set(self.inflight.get() + 1);
        self.state.status.update(|s| s.saving += 1);
        self.state.version.update(|v| *v += 1);
        // Read by the benchmark: an edit's commit, and a finished session's.
        let (start, done) = if ends_session {
            ("ezlift:finish", "ezlift:finish-commit")
        } else {
            ("ezlift:write", "ezlift:commit")
        };
        crate::replica::marks::mark(start);
        // Tasks run in the order they were spawned, so commits keep the edits' order.
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let meta = if ends_session {
                vec![MetaWrite::Active(None)]
            } else {
                Vec::new()
            };
            let result = this.local.commit_with(&keys, &ops, meta).await;
            if ends_session {
                this.active_inflight.set(this.active_inflight.get() - 1);
            }
            if let Ok(written) = &result {
                crate::replica::marks::measure(done, start);
                this.broadcast_chunks(written);
                if ends_session {
                    this.broadcast(ACTIVE_CHANGED);
                }
                // Counted before "saving" ends, so the status never shows a stale "synced".
                this.refresh_pending().await;
            }
            this.inflight.set(this.inflight.get() - 1);
            this.state.status.update(|s| s.saving -= 1);
            match result {
                Ok(_) => this.schedule_sync(),
                Err(e) => {
                    let message = if ends_session {
                        format!("could not save the workout: {e}")
                    } else {
                        format!("could not save, undone: {e}")
                    };
                    this.state
                        .status
                        .update(|s| s.phase = SyncPhase::Error(message));
                    this.reload_all.set(true);
                    if ends_session {
                        this.reload_active();
                    }
                }
            }
            this.request_reload();
        });
    }

    pub(super) async fn refresh_pending(&self) {
        let pending = self.local.mem.pending();
        if let Ok(aside) = self.local.store.set_aside().await {
            let (send, refused) = partition_pending(pending, &aside);
            self.state.status.update(|s| {
                s.pending = send.len();
                s.refused = refused;
            });
        }
    }

    /// Drops a change the server refused; the next sync takes the server's version.
    pub async fn discard(self: Rc<Self>, table: String, id: String) {
        if self.closed.get() {
            return;
        }
        let engine = self.local.engine(&());
        match engine.discard(&table, &id).await {
            Ok(()) => {
                self.broadcast_chunks(&engine.take_written());
                self.refresh_pending().await;
                self.state.version.update(|v| *v += 1);
                self.request_sync();
            }
            Err(e) => self
                .state
                .status
                .update(|s| s.phase = SyncPhase::Error(format!("could not discard: {e}"))),
        }
    }

    /// Changes the active session: on screen at once, then in IndexedDB (the edit kept
    /// before this returns, then applied to what is stored), then other tabs are told.
    pub fn edit_active(self: &Rc<Self>, edit: SessionEdit) {
        if self.closed.get() {
            return;
        }
        // Read by the benchmark: edit → the frame showing it, and edit → committed.
        crate::replica::marks::mark("ezlift:active-edit");
        crate::replica::marks::mark("ezlift:active-edit-commit");
        self.state.active.update(|a| edit.apply(a));
        request_animation_frame(|| {
            crate::replica::marks::measure("ezlift:active-frame", "ezlift:active-edit")
        });
        self.active_inflight.set(self.active_inflight.get() + 1);
        // Kept before this returns, so a tab closed right after the tap still has it.
        let kept = self.local.store.keep_active_edit(&edit);
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let result = async {
                kept?.await?;
                this.local.store.active_session().await
            }
            .await;
            crate::replica::marks::measure("ezlift:active-commit", "ezlift:active-edit-commit");
            let last = this.active_inflight.get() == 1;
            this.active_inflight.set(this.active_inflight.get() - 1);
            match result {
                Ok(stored) => {
                    if last {
                        this.state.active.set(stored);
                    }
                    this.broadcast(ACTIVE_CHANGED);
                }
                Err(e) => {
                    this.state.status.update(|s| {
                        s.phase = SyncPhase::Error(format!("could not save the workout: {e}"))
                    });
                    this.reload_active();
                }
            }
        });
    }

    /// Writes a finished session's records and ends the active session in one
    /// transaction, so a crash leaves either the session or its log, never both.
    pub fn finish_session(self: &Rc<Self>, ops: Vec<Op>) {
        if self.closed.get() {
            return;
        }
        self.state.active.set(None);
        self.active_inflight.set(self.active_inflight.get() + 1);
        self.commit_edit(ops, true);
    }

    /// Another tab changed the active session: show what is stored, unless an edit of
    /// this tab is still committing (its commit returns the stored state, theirs included).
    pub(super) fn reload_active(self: &Rc<Self>) {
        let this = self.clone();
        leptos::task::spawn_local(async move {
            if this.active_inflight.get() > 0 {
                return;
            }
            if let Ok(active) = this.local.store.active_session().await {
                if this.active_inflight.get() == 0 {
                    this.state.active.set(active);
                }
            }
        });
    }
}
