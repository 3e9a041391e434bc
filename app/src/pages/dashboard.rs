//! `/` — the dashboard. Until sessions can be logged it says so plainly.

use crate::session::use_session;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text="Dashboard · EzLift" />
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let user = session.await.ok().flatten();
                user.map(|u| {
                    view! {
                        <p class="lead" data-testid="welcome">
                            "Welcome, " {u.label()} "."
                        </p>
                    }
                })
            })}
        </Suspense>
        <div class="cards">
            <section class="card">
                <h2>"This week"</h2>
                <p class="empty">"No sessions logged yet."</p>
            </section>
            <section class="card">
                <h2>"Streak"</h2>
                <p class="empty">"Log a workout to start a streak."</p>
            </section>
            <section class="card">
                <h2>"Recent PRs"</h2>
                <p class="empty">"Personal records appear here once you log sets."</p>
            </section>
            <section class="card">
                <h2>"Next workout"</h2>
                <p class="empty">
                    "Build a program and mark a routine as default to see what is next."
                </p>
            </section>
        </div>
    }
}
