//! Pages that are planned but not built yet: each says honestly what will be there.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn Planned(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <Title text=format!("{title} · EzLift") />
        <h1>{title}</h1>
        <section class="card empty-state">
            <p>{what}</p>
            <p class="empty">"This page is not available yet."</p>
        </section>
    }
}

#[component]
pub fn Workout() -> impl IntoView {
    view! {
        <Planned
            title="Workout"
            what="Start a session from a template or from scratch, log sets and rest between them."
        />
    }
}

#[component]
pub fn Settings() -> impl IntoView {
    view! {
        <Planned title="Settings" what="Units, theme, default rest time and the one-rep-max formula." />
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · EzLift" />
        <h1>"Page not found"</h1>
        <p>
            <a href="/">"Back to the dashboard"</a>
        </p>
    }
}
