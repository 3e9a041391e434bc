//! The user's settings as pages see them: the server's copy while rendering and
//! hydrating, the replica's once the page may read it, so a change made in any tab (or,
//! after a sync, on any device) shows everywhere at once.

use crate::local::edit::update;
use crate::local::Snapshot;
use crate::model::tables::user_settings as columns;
use crate::replica::{now_ms, use_replica, ReplicaSlot};
use crate::settings::Settings;
use leptos::prelude::*;

/// The settings server rendering used, provided by the layout and sent along with the
/// page for hydration.
#[derive(Clone, Copy)]
pub struct ServerSettings(pub Resource<Option<Snapshot>>);

/// Reads the user's settings record while rendering on the server.
pub async fn load_from_server() -> Option<Snapshot> {
    crate::page_data::records(&[columns::TABLE]).await
}

/// The settings for the calling page: the server's until the page may read the replica
/// (see [`crate::replica::ReplicaSlot::readable`]), then the replica's, live.
pub fn use_settings() -> Signal<Settings> {
    let replica = use_replica();
    let readable = replica.readable();
    let server = use_context::<ServerSettings>();
    Signal::derive(move || {
        let local = if readable.get() {
            replica.query(Settings::of)
        } else {
            None
        };
        local.unwrap_or_else(|| {
            server
                .and_then(|s| s.0.get().flatten())
                .map(|snap| Settings::of_snapshot(&snap))
                .unwrap_or_default()
        })
    })
}

/// Changes one column of the user's settings record (never creates one: the server made
/// it, and a second would only be folded back into it).
pub fn change(replica: &ReplicaSlot, settings: &Settings, field: crate::model::Field) {
    change_together(replica, settings, [field]);
}

/// Changes columns that belong together (a plate set's unit, bar and plates) in one write.
pub fn change_together(
    replica: &ReplicaSlot,
    settings: &Settings,
    fields: impl IntoIterator<Item = crate::model::Field>,
) {
    let Some(id) = &settings.id else { return };
    let op = update(columns::TABLE, id, fields, now_ms());
    replica.write(vec![op]);
}
