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

/// Where the server renders the shell and the service worker keeps it.
pub const PATH: &str = "/app-shell";

/// The shell document: the common head, the stylesheet, and a module script that loads
/// the app's code and mounts it (`mount` of the browser entry point).
#[cfg(feature = "ssr")]
pub fn document(options: &leptos::prelude::LeptosOptions, nonce: &leptos::nonce::Nonce) -> String {
    use leptos::prelude::*;
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
            {crate::app::head(Some(nonce.clone()))}
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
        leptos::mount::mount_to_body(crate::app::App);
    }
}
