//! The browser entry point: hydrates the server-rendered page, waiting for the code of
//! routes that are loaded on demand (the build splits the bundle per page).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
