//! The button that starts a session from a page, asking first when one is in progress.

use crate::local::Query;
use crate::replica::{use_replica, ReplicaSlot};
use crate::workout::{ActiveSession, Edit};
use leptos::prelude::*;

/// Makes a session to start from the replica's records.
pub type MakeSession = std::sync::Arc<dyn Fn(&Query) -> Option<ActiveSession> + Send + Sync>;

/// Starting a session where one may be in progress: at once when none is, else once the
/// user confirms in a [`ReplaceDialog`].
#[derive(Clone, Copy)]
pub struct Starter {
    replica: ReplicaSlot,
    pending: RwSignal<Option<ActiveSession>>,
    start: Callback<ActiveSession>,
}

impl Starter {
    /// `then` runs once the session is started (to open the logger, say).
    pub fn new(then: impl Fn() + Send + Sync + 'static) -> Self {
        let replica = use_replica();
        Self {
            replica,
            pending: RwSignal::new(None),
            start: Callback::new(move |session: ActiveSession| {
                replica.edit_active(Edit::Start(Box::new(session)));
                then();
            }),
        }
    }

    pub fn begin(&self, session: ActiveSession) {
        if self.replica.state.active.with_untracked(Option::is_some) {
            self.pending.set(Some(session));
        } else {
            self.start.run(session);
        }
    }
}

/// Asks before a new session replaces the one in progress.
#[component]
pub fn ReplaceDialog(starter: Starter) -> impl IntoView {
    let pending = starter.pending;
    view! {
        <Show when=move || pending.with(Option::is_some)>
            <div class="card confirm" role="alertdialog" aria-label="Replace the workout in progress" data-testid="confirm-replace">
                <p>"A workout is in progress. Starting another discards it."</p>
                <div class="actions">
                    <button type="button" class="danger" on:click=move |_| {
                        if let Some(s) = pending.get_untracked() {
                            starter.start.run(s);
                        }
                        pending.set(None);
                    }>"Discard it and start"</button>
                    <button type="button" on:click=move |_| pending.set(None)>"Keep the current one"</button>
                </div>
            </div>
        </Show>
    }
}

/// A button that starts a session made by `make` from the replica and opens the
/// logger; if one is in progress it asks first.
#[component]
pub fn StartButton(
    label: String,
    make: MakeSession,
    #[prop(optional)] primary: bool,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let replica = use_replica();
    let readable = replica.readable();
    let navigate = leptos_router::hooks::use_navigate();
    let starter = Starter::new(move || navigate("/workout", Default::default()));
    let click = move |_| {
        if let Some(session) = replica.query(|q| make(q)).flatten() {
            starter.begin(session);
        }
    };
    view! {
        <button
            type="button"
            class=if primary { "primary" } else { "" }
            data-testid=testid
            disabled=move || !readable.get()
            on:click=click
        >
            {label}
        </button>
        <ReplaceDialog starter />
    }
}
