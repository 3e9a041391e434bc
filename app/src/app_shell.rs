//! Opening the app offline on a page this device has no copy of.
//!
//! The service worker keeps each page it has seen, but a page first opened while the
//! worker was still installing, or never opened at all, has no copy. For those it answers
//! with the *app shell* ([`PATH`]): a document without content of its own whose script
//! mounts the whole app in the browser (there is nothing to hydrate), so the page draws
//! from the replica exactly as it does after hydration.
//!
//! The one thing such a start cannot ask the server is who is signed in: see
//! [`crate::session::load`].

use leptos::prelude::*;

/// Where the server renders the shell and the service worker keeps it.
pub const PATH: &str = "/app-shell";

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
        <script nonce=nonce inner_html=crate::theme::THEME_BOOT_SCRIPT></script>
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

/// The shell document: the common head, the stylesheet, and a module script that loads
/// the app's code and mounts it (`mount` of the browser entry point).
#[cfg(feature = "ssr")]
pub fn document(options: &LeptosOptions, nonce: &leptos::nonce::Nonce) -> String {
    use leptos::tachys::view::RenderHtml;
    let pkg = format!("/{}", options.site_pkg_dir);
    let name = &options.output_name;
    let loader = format!(
        "import('{pkg}/{name}.js').then((m) => m.default({{ module_or_path: '{pkg}/{name}.wasm' }})\
         .then(() => {{ document.body.textContent = ''; m.mount(); }}));"
    );
    let css = format!("{pkg}/{name}.css");
    view! {
        <!DOCTYPE html>
        <html lang="en">
        <head>
            {head(Some(nonce.clone()))}
            <title>"EzLift"</title>
            <link rel="stylesheet" href=css />
            <script type="module" nonce=nonce.clone() inner_html=loader></script>
        </head>
        <body>
            <main class="page">
                <p class="empty">"Opening EzLift…"</p>
                <noscript>"EzLift needs JavaScript to open without a network."</noscript>
            </main>
        </body>
        </html>
    }
    .to_html()
}

/// The browser's side: starting from the shell.
#[cfg(feature = "hydrate")]
pub mod client {
    /// Mounts the app into the shell's empty body, telling the session it starts without
    /// a server's page.
    pub fn mount() {
        crate::session::start_without_a_page();
        leptos::mount::mount_to_body(crate::App);
    }
}
