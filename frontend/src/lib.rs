//! The browser entry points: `hydrate` for a page the server rendered (waiting for the
//! code of routes loaded on demand when the build splits the bundle per page), `mount`
//! for the app shell the service worker answers with offline (see `app::app_shell`).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount() {
    console_error_panic_hook::set_once();
    app::app_shell::client::mount();
}
