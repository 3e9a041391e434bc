//! Light and dark theme. The choice is kept in the browser; until the user picks one, the
//! system preference decides (applied before first paint by a tiny inline script).

use leptos::prelude::*;

/// Runs in `<head>` before the page paints, so a dark-theme user never sees a white flash.
pub const THEME_BOOT_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('ezlift-theme');\
if(t!=='dark'&&t!=='light'){t=window.matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light'}\
document.documentElement.setAttribute('data-theme',t)}catch(e){}})()";

#[component]
pub fn ThemeToggle() -> impl IntoView {
    // Unknown while rendering on the server; read from the document once hydrated.
    let dark = RwSignal::new(None::<bool>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        dark.set(Some(client::is_dark()));
    });
    let toggle = move |_| {
        let next = !dark.get_untracked().unwrap_or(false);
        dark.set(Some(next));
        #[cfg(feature = "hydrate")]
        client::apply(next);
    };
    let label = move || match dark.get() {
        Some(true) => "Light theme",
        Some(false) => "Dark theme",
        None => "Theme",
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            data-testid="theme-toggle"
            aria-pressed=move || dark.get().unwrap_or(false).to_string()
            on:click=toggle
        >
            {label}
        </button>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    const STORAGE_KEY: &str = "ezlift-theme";

    fn root() -> Option<web_sys::Element> {
        web_sys::window()?.document()?.document_element()
    }

    pub fn is_dark() -> bool {
        root()
            .and_then(|e| e.get_attribute("data-theme"))
            .as_deref()
            == Some("dark")
    }

    pub fn apply(dark: bool) {
        let theme = if dark { "dark" } else { "light" };
        if let Some(root) = root() {
            let _ = root.set_attribute("data-theme", theme);
        }
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(STORAGE_KEY, theme);
        }
    }
}
