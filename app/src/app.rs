//! The document shell, the layout and the routes.

use crate::pages::shell::Header;
use crate::pages::{
    auth, dashboard, exercise, history, import, placeholder, programs, settings, workout,
};
use crate::replica::provide_replica;
use crate::session::{get_session, SessionResource};
use crate::settings::ServerSettings;
use crate::theme::{follow_theme_setting, THEME_BOOT_SCRIPT};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, ParamSegment, SsrMode, StaticSegment};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="theme-color" content="#0f766e" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_BOOT_SCRIPT></script>
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
    // `cargo leptos watch` reloads the page through a WebSocket on a port of its own.
    let reload = if std::env::var_os("LEPTOS_WATCH").is_some() {
        " ws: wss:"
    } else {
        ""
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// Every page is rendered completely on the server (`SsrMode::Async`): it shows the user's
/// data with JavaScript off, and a slow network never shows a half-filled page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let session: SessionResource = Resource::new_blocking(|| (), |_| get_session());
    provide_context(session);
    let user_id =
        Signal::derive(move || session.get().and_then(Result::ok).flatten().map(|u| u.id));
    provide_replica(user_id);
    // The user's settings as the database has them: what server rendering (and hydration)
    // shows until a page reads the replica.
    provide_context(ServerSettings(Resource::new_blocking(
        || (),
        |_| crate::settings::load_from_server(),
    )));
    follow_theme_setting();

    view! {
        <Stylesheet id="leptos" href="/pkg/ezlift.css" />
        <Title text="EzLift" />
        <Router>
            <Header />
            <main class="page">
                <Routes fallback=|| view! { <placeholder::NotFound /> }>
                    <Route path=StaticSegment("") view={Lazy::<dashboard::DashboardRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("programs") view={Lazy::<programs::ProgramsRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("programs"), StaticSegment("workouts"), ParamSegment("id"))
                        view={Lazy::<programs::WorkoutRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("workout") view={Lazy::<workout::WorkoutLogRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("history") view={Lazy::<history::HistoryRoute>::new()} ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("history"), ParamSegment("id"))
                        view={Lazy::<history::SessionRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("exercises"), ParamSegment("id"))
                        view={Lazy::<exercise::ExerciseRoute>::new()}
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("import") view={Lazy::<import::ImportRoute>::new()} ssr=SsrMode::Async />
                    <Route path=StaticSegment("settings") view=settings::SettingsPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("login") view=auth::Login ssr=SsrMode::Async />
                    <Route path=StaticSegment("signup") view=auth::Signup ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
