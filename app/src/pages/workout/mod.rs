//! `/workout` — logging a session. The page is a route of its own loaded on demand.
//!
//! Server rendering lists the templates to start from (from the database); logging
//! itself needs JavaScript, and the page says so when it is off. In the browser the
//! session lives in the replica (see [`crate::workout`]) and every tab shows it live.

mod logger;
mod session;
mod start;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};
use session::{load_from_server, provide_logger};

/// `/workout`, loaded on demand.
pub struct WorkoutLogRoute;

#[lazy_route]
impl LazyRoute for WorkoutLogRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <WorkoutPage /> }.into_any()
    }
}

/// What a page needs to know of an exercise: its name and what a set of it records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Start,
    Logging,
    Summary,
}

#[component]
pub fn WorkoutPage() -> impl IntoView {
    let server = Resource::new(|| (), |_| load_from_server());
    let settings = use_context::<crate::live::settings::ServerSettings>();
    view! {
        <Title text="Workout · EzLift" />
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                if let Some(s) = settings {
                    s.0.await;
                }
                let logger = provide_logger(data);
                let js = crate::pages::shell::client_ready();
                // Which part shows; a memo, so that editing the session (which changes
                // `active` on every keystroke saved) never rebuilds the logger.
                let mode = Memo::new(move |_| {
                    if logger.finished.with(Option::is_some) {
                        Mode::Summary
                    } else if logger.live.get() && logger.replica.state.active.with(Option::is_some) {
                        Mode::Logging
                    } else {
                        Mode::Start
                    }
                });
                view! {
                    <Show when=move || !js.get()>
                        <p class="card warning">
                            "Logging a workout needs JavaScript: turn it on to start one. "
                            "Your templates are listed below."
                        </p>
                    </Show>
                    {move || match mode.get() {
                        Mode::Summary => view! { <logger::Summary /> }.into_any(),
                        Mode::Logging => view! { <logger::ActiveLogger /> }.into_any(),
                        Mode::Start => view! { <start::StartPanel /> }.into_any(),
                    }}
                }
            })}
        </Suspense>
    }
}
