//! When syncs run (after edits, every 30 s while visible, on reconnect, on demand, with
//! backoff after failures) and one sync, its progress shown as it goes.

use super::browser::{online, with_lock};
use super::replica::*;
use crate::local::persist::Persistence;
use crate::replica::clock::now_ms;
use crate::replica::remote::FetchRemote;
use crate::replica::state::ReplicaState;
use crate::replica::status::{FirstSync, SyncPhase};
use crate::sync::engine::{synchronize, RemoteError, SyncError};
use crate::sync::persisted::Progress;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

impl Replica {
    /// Schedules the next try after a failed sync: 1 s, then twice as long each time, at
    /// most `PERIOD`. Returns the wait.
    pub(super) fn retry_later(self: &Rc<Self>) -> Duration {
        let failures = self.failures.get().saturating_add(1);
        self.failures.set(failures);
        let wait = Duration::from_secs(1 << (failures - 1).min(5)).min(PERIOD);
        self.sync_after(&self.retry, wait);
        wait
    }

    pub(super) fn schedule_sync(self: &Rc<Self>) {
        self.sync_after(&self.debounce, DEBOUNCE);
    }

    /// (Re)arms `timer` to start a sync after `wait`; the timer holds the replica weakly,
    /// so closing it ends the wait.
    pub(super) fn sync_after(
        self: &Rc<Self>,
        timer: &RefCell<Option<TimeoutHandle>>,
        wait: Duration,
    ) {
        if let Some(h) = timer.borrow_mut().take() {
            h.clear();
        }
        let weak = Rc::downgrade(self);
        let handle = set_timeout_with_handle(
            move || {
                if let Some(r) = weak.upgrade() {
                    r.request_sync();
                }
            },
            wait,
        );
        *timer.borrow_mut() = handle.ok();
    }

    /// Starts a sync unless one runs in this tab (then one more follows it).
    pub fn request_sync(self: &Rc<Self>) {
        if self.closed.get() {
            return;
        }
        if self.running.get() {
            self.again.set(true);
            return;
        }
        if !online() {
            self.state.status.update(|s| s.phase = SyncPhase::Offline);
            return;
        }
        self.running.set(true);
        let this = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                this.again.set(false);
                this.sync_once().await;
                if !this.again.get() || this.closed.get() {
                    break;
                }
            }
            this.running.set(false);
        });
    }

    pub(super) async fn sync_once(self: &Rc<Self>) {
        self.state.status.update(|s| s.phase = SyncPhase::Syncing);
        let this = self.clone();
        let lock = format!("ezlift-sync-{}", self.user_id);
        let result = with_lock(&lock, async move {
            let first = matches!(this.local.store.last_pulled_at().await, Ok(None));
            if first {
                this.state
                    .status
                    .update(|s| s.first_sync = Some(FirstSync::Downloading));
            }
            let progress = Shown {
                state: this.state,
                first,
            };
            let engine = this.local.engine(&progress);
            let result = synchronize(&engine, &FetchRemote).await;
            this.broadcast_chunks(&engine.take_written());
            this.state.status.update(|s| s.first_sync = None);
            result
        })
        .await;
        if self.closed.get() {
            return;
        }
        let phase = match result {
            Some(Ok(report)) => {
                let at = now_ms();
                if !report.noticed.is_empty() {
                    self.state.status.update(|s| {
                        for n in report.noticed {
                            s.noticed
                                .retain(|kept| (kept.kind, &kept.id) != (n.kind, &n.id));
                            s.noticed.insert(0, n);
                        }
                        s.noticed.truncate(crate::sync::noticed::LISTED);
                    });
                }
                self.state.ready.set(true);
                if report.pulled > 0 || report.pushed > 0 {
                    self.state.version.update(|v| *v += 1);
                }
                self.broadcast(&format!("synced:{at}"));
                SyncPhase::Synced(at)
            }
            Some(Err(SyncError::Remote(RemoteError::Unavailable(_)))) if !online() => {
                SyncPhase::Offline
            }
            Some(Err(SyncError::Remote(RemoteError::Unauthorized))) => {
                SyncPhase::Error("signed out: sign in again to sync".into())
            }
            Some(Err(
                e @ (SyncError::Remote(RemoteError::Unavailable(_)) | SyncError::TooManyConflicts),
            )) => {
                let wait = self.retry_later();
                SyncPhase::Error(format!("{e}; trying again in {} s", wait.as_secs()))
            }
            Some(Err(e)) => SyncPhase::Error(e.to_string()),
            None => SyncPhase::Error("another tab holds the sync lock".into()),
        };
        let synced = matches!(phase, SyncPhase::Synced(_));
        if synced {
            self.failures.set(0);
            if let Some(h) = self.retry.borrow_mut().take() {
                h.clear();
            }
        }
        self.state.status.update(|s| s.phase = phase);
        if synced {
            // Timed once the new state is on screen: the frame after the update.
            request_animation_frame(|| {
                crate::replica::marks::measure("ezlift:pull-to-synced", "ezlift:pull-received")
            });
        }
        self.refresh_pending().await;
    }
}

/// A sync's progress as the page shows it: the first sync's steps in the status, and the
/// apply of each pull timed (a `performance.measure` named `ezlift:apply-pull:<records>`,
/// read by the benchmark).
pub(super) struct Shown {
    state: ReplicaState,
    first: bool,
}

impl Progress for Shown {
    fn applying(&self, records: usize) {
        if self.first {
            self.state
                .status
                .update(|s| s.first_sync = Some(FirstSync::Applying(records)));
        }
        crate::replica::marks::mark("ezlift:apply-start");
    }

    fn applied(&self, records: usize) {
        crate::replica::marks::measure(
            &format!("ezlift:apply-pull:{records}"),
            "ezlift:apply-start",
        );
    }

    fn sending(&self) {
        if self.first {
            self.state
                .status
                .update(|s| s.first_sync = Some(FirstSync::Sending));
        }
    }
}
