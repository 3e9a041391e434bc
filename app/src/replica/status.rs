//! The sync status every page shows: what the replica is doing and whether anything
//! waits to reach the server.

use crate::local::record::SetAside;

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
    /// What the last syncs brought of other devices' edits and deletes to what this device
    /// showed, until the user has read it.
    pub noticed: Vec<crate::sync::noticed::Noticed>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            phase: SyncPhase::Starting,
            pending: 0,
            saving: 0,
            first_sync: None,
            refused: Vec::new(),
            noticed: Vec::new(),
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
            record: crate::local::record::LocalRecord::created(Default::default()),
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
