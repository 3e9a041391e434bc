//! The document shell, the layout and the routes.

use crate::live::settings::ServerSettings;
use crate::live::theme::follow_theme_setting;
use crate::pages::shell::Header;
use crate::pages::{
    auth, dashboard, deleted, exercise, history, import, measurements, placeholder, programs,
    settings, workout,
};
use crate::replica::provide_replica;
use crate::session::SessionResource;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                {head(leptos::nonce::use_nonce())}
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// What every document's `<head>` carries besides its scripts: the viewport, colours of
/// both themes, the manifest that makes the app installable, and the theme boot script
/// (which must run before the first paint).
pub fn head(nonce: Option<leptos::nonce::Nonce>) -> impl IntoView {
    view! {
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="color-scheme" content="light dark" />
        {theme_colour("#0f766e", "(prefers-color-scheme: light)")}
        {theme_colour("#111417", "(prefers-color-scheme: dark)")}
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="apple-touch-icon" href="/icons/icon-192.png" />
        <script nonce=nonce inner_html=crate::live::theme::THEME_BOOT_SCRIPT></script>
    }
}

/// The browser's bar colour for one colour scheme (`media` is not a typed attribute of
/// `<meta>`).
fn theme_colour(colour: &'static str, media: &'static str) -> impl IntoView {
    use leptos::tachys::html::attribute::custom::CustomAttribute;
    leptos::html::meta()
        .name("theme-color")
        .content(colour)
        .attr("media", media)
}

/// The page's Content-Security-Policy: scripts only from this site, the inline ones only
/// with this response's nonce (the theme boot and the hydration scripts carry it), the
/// wasm compiled, and nothing framed, posted elsewhere or fetched from elsewhere.
#[cfg(feature = "ssr")]
fn send_content_security_policy() {
    use http::header::{HeaderValue, CONTENT_SECURITY_POLICY};
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The Content-Security-Policy of a page whose inline scripts carry `nonce` (the rendered
/// pages and the app shell).
#[cfg(feature = "ssr")]
pub fn page_policy(nonce: &str) -> String {
    // `cargo leptos watch` reloads the page through a WebSocket on a port of its own.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws: wss:"
    } else {
        ""
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// A page's route view. Pages are lazy routes, each page's code a module of its own, when
/// the browser bundle is split (`cargo leptos build --split`, which links with
/// `--emit-relocs`; `build.rs` tells the code so): without the split every page is part
/// of the one module, since a lazy route of an unsplit bundle cannot load. The server
/// renders both the same way.
macro_rules! page {
    ($route:ty, $page:path) => {{
        #[cfg(any(feature = "ssr", split_bundle))]
        let view = leptos_router::Lazy::<$route>::new();
        #[cfg(not(any(feature = "ssr", split_bundle)))]
        let view = || $page();
        view
    }};
}

/// Every page is rendered completely on the server (`SsrMode::Async`): it shows the user's
/// data with JavaScript off, and a slow network never shows a half-filled page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let session: SessionResource = Resource::new_blocking(|| (), |_| crate::session::load());
    provide_context(session);
    #[cfg(feature = "hydrate")]
    crate::session::remember_on_device(session);
    let user_id =
        Signal::derive(move || session.get().and_then(Result::ok).flatten().map(|u| u.id));
    provide_replica(user_id);
    // The user's settings as the database has them: what server rendering (and hydration)
    // shows until a page reads the replica.
    provide_context(ServerSettings(Resource::new_blocking(
        || (),
        |_| crate::live::settings::load_from_server(),
    )));
    follow_theme_setting();

    view! {
        <Stylesheet id="leptos" href="/pkg/ezlift.css" />
        <Title text="EzLift" />
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=|| view! { <placeholder::NotFound /> }>
                    <Route path=StaticSegment("") view={page!(dashboard::DashboardRoute, dashboard::Dashboard)} ssr=SsrMode::Async />
                    <Route path=StaticSegment("programs") view={page!(programs::ProgramsRoute, programs::ProgramsPage)} ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("programs"), StaticSegment("workouts"), ParamSegment("id"))
                        view={page!(programs::WorkoutRoute, programs::WorkoutPage)}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("workout") view={page!(workout::WorkoutLogRoute, workout::WorkoutPage)} ssr=SsrMode::Async />
                    <Route path=StaticSegment("history") view={page!(history::HistoryRoute, history::HistoryPage)} ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("history"), ParamSegment("id"))
                        view={page!(history::SessionRoute, history::SessionPage)}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("exercises"), ParamSegment("id"))
                        view={page!(exercise::ExerciseRoute, exercise::ExercisePage)}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("deleted") view={page!(deleted::DeletedRoute, deleted::DeletedPage)} ssr=SsrMode::Async />
                    <Route path=StaticSegment("measurements") view={page!(measurements::MeasurementsRoute, measurements::MeasurementsPage)} ssr=SsrMode::Async />
                    <Route path=StaticSegment("import") view={page!(import::ImportRoute, import::ImportPage)} ssr=SsrMode::Async />
                    <Route path=StaticSegment("settings") view={page!(settings::SettingsRoute, settings::SettingsPage)} ssr=SsrMode::Async />
                    // The sign-in pages stay in the main module: they are a new user's first
                    // page, and as lazy routes their modules (with the shared ones they pull
                    // in) added about 25 KB to that first download.
                    <Route path=StaticSegment("login") view=auth::Login ssr=SsrMode::Async />
                    <Route path=StaticSegment("signup") view=auth::Signup ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
