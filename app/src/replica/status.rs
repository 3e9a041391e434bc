//! The sync status every page shows: what the replica is doing and whether anything
//! waits to reach the server.

use super::use_replica;
use crate::sync::engine::SetAside;
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub enum SyncPhase {
    /// The replica is not open yet (always so while rendering on the server).
    Starting,
    /// The last sync succeeded at this time (epoch ms).
    Synced(i64),
    Syncing,
    Offline,
    /// The last sync failed; the message says why. Retried on the next trigger.
    Error(String),
}

/// Where the first sync of a new device is; shown as a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstSync {
    Downloading,
    Applying(usize),
    Sending,
}

impl FirstSync {
    /// Progress out of [`FirstSync::STEPS`].
    pub fn step(self) -> u32 {
        match self {
            Self::Downloading => 1,
            Self::Applying(_) => 2,
            Self::Sending => 3,
        }
    }

    pub const STEPS: u32 = 4;

    pub fn label(self) -> String {
        match self {
            Self::Downloading => "Downloading your data…".into(),
            Self::Applying(n) => format!("Saving {n} records on this device…"),
            Self::Sending => "Sending changes made here…".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncStatus {
    pub phase: SyncPhase,
    /// Local changes not yet on the server.
    pub pending: usize,
    /// Writes not yet committed to IndexedDB.
    pub saving: usize,
    pub first_sync: Option<FirstSync>,
    /// Changes the server refused, kept out of syncing until edited or discarded.
    pub refused: Vec<SetAside>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            phase: SyncPhase::Starting,
            pending: 0,
            saving: 0,
            first_sync: None,
            refused: Vec::new(),
        }
    }
}

impl SyncStatus {
    /// A stable name for styling and tests.
    pub fn state(&self) -> &'static str {
        if self.saving > 0 {
            return "saving";
        }
        match &self.phase {
            SyncPhase::Starting => "starting",
            SyncPhase::Syncing => "syncing",
            SyncPhase::Offline => "offline",
            SyncPhase::Error(_) => "error",
            SyncPhase::Synced(_) if self.pending > 0 => "pending",
            SyncPhase::Synced(_) if !self.refused.is_empty() => "refused",
            SyncPhase::Synced(_) => "synced",
        }
    }

    pub fn label(&self) -> String {
        let mut waiting = match self.pending {
            0 => String::new(),
            1 => "1 change waiting".into(),
            n => format!("{n} changes waiting"),
        };
        match (self.refused.len(), waiting.is_empty()) {
            (0, _) => {}
            (1, true) => waiting = "1 change refused".into(),
            (n, true) => waiting = format!("{n} changes refused"),
            (n, false) => waiting = format!("{waiting} · {n} refused"),
        }
        if self.saving > 0 {
            return "Saving…".into();
        }
        match &self.phase {
            SyncPhase::Starting => "Opening…".into(),
            SyncPhase::Syncing => "Syncing…".into(),
            SyncPhase::Offline if waiting.is_empty() => "Offline".into(),
            SyncPhase::Offline => format!("Offline · {waiting}"),
            SyncPhase::Error(_) => "Sync failed".into(),
            SyncPhase::Synced(_) if !waiting.is_empty() => waiting,
            SyncPhase::Synced(at) => format!("Synced {}", clock(*at)),
        }
    }
}

/// Local wall-clock time `HH:MM` of an epoch-ms instant.
fn clock(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let minutes = ms.div_euclid(60_000);
        format!("{:02}:{:02} UTC", minutes / 60 % 24, minutes % 60)
    }
}

/// The status control in the header: state, what waits, retry, and first-sync progress.
#[component]
pub fn SyncIndicator() -> impl IntoView {
    let replica = use_replica();
    let status = replica.status;
    let error = move || match status.get().phase {
        SyncPhase::Error(message) => Some(message),
        _ => None,
    };
    view! {
        <div class="sync" data-testid="sync-status" data-state=move || status.with(SyncStatus::state)
            data-pending=move || status.with(|s| s.pending.to_string())>
            <span class="sync-label" role="status" aria-live="polite" title=error>
                {move || status.with(SyncStatus::label)}
            </span>
            <button
                type="button"
                class="link-button"
                data-testid="sync-now"
                on:click=move |_| replica.sync_now()
            >
                {move || if error().is_some() { "Retry" } else { "Sync now" }}
            </button>
            <RefusedChanges status=status />
            {move || {
                status
                    .get()
                    .first_sync
                    .map(|step| {
                        view! {
                            <div class="first-sync" data-testid="first-sync">
                                <progress max=FirstSync::STEPS value=step.step()>
                                    {step.label()}
                                </progress>
                                <span>{step.label()}</span>
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// What a record of `table` is, in the user's words.
fn record_noun(table: &str) -> &'static str {
    match table {
        "user_settings" => "Settings",
        "routines" => "Routine",
        "workouts" => "Workout",
        "routine_workouts" => "Workout in a routine",
        "workout_exercise" => "Exercise in a workout",
        "workout_exercise_sets" => "Set in a workout",
        "logs" => "Logged session",
        "log_exercise" => "Exercise in a session",
        "log_exercise_sets" => "Set in a session",
        "custom_exercises" => "Custom exercise",
        _ => "Record",
    }
}

/// The changes the server refused: what, why, and a way to drop each.
#[component]
fn RefusedChanges(status: RwSignal<SyncStatus>) -> impl IntoView {
    let replica = use_replica();
    move || {
        let refused = status.with(|s| s.refused.clone());
        (!refused.is_empty()).then(|| {
            let items = refused
                .into_iter()
                .map(|entry| {
                    let title = entry
                        .record
                        .raw
                        .get("title")
                        .or_else(|| entry.record.raw.get("name"))
                        .and_then(|v| v.as_str())
                        .map(|t| format!(" “{t}”"))
                        .unwrap_or_default();
                    let what = format!("{}{title}", record_noun(&entry.table));
                    let (table, id) = (entry.table.clone(), entry.id().to_owned());
                    view! {
                        <li data-testid="refused-change">
                            <span class="refused-what">{what}</span>
                            <span class="refused-why">{entry.reason}</span>
                            <button
                                type="button"
                                class="link-button"
                                data-testid="discard-refused"
                                on:click=move |_| replica.discard(table.clone(), id.clone())
                            >
                                "Discard"
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <details class="sync-refused" data-testid="sync-refused">
                    <summary>"Not accepted by the server"</summary>
                    <p>"These changes stay on this device and are not sent until you edit or discard them."</p>
                    <ul>{items}</ul>
                </details>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_what_waits() {
        let mut s = SyncStatus {
            phase: SyncPhase::Synced(0),
            ..Default::default()
        };
        assert_eq!(
            (s.state(), s.label().as_str()),
            ("synced", "Synced 00:00 UTC")
        );
        s.pending = 3;
        assert_eq!(
            (s.state(), s.label().as_str()),
            ("pending", "3 changes waiting")
        );
        s.phase = SyncPhase::Offline;
        assert_eq!(s.label(), "Offline · 3 changes waiting");
        s.saving = 1;
        assert_eq!(s.state(), "saving");
        s.saving = 0;
        s.phase = SyncPhase::Synced(0);
        s.refused = vec![SetAside {
            table: "routines".into(),
            record: crate::sync::record::LocalRecord::created(Default::default()),
            reason: "no".into(),
        }];
        assert_eq!(s.label(), "3 changes waiting · 1 refused");
        s.pending = 0;
        assert_eq!(
            (s.state(), s.label().as_str()),
            ("refused", "1 change refused")
        );
    }
}
