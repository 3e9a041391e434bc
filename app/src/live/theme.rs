//! Light and dark theme. The choice is the synced `theme` setting ("system" follows the
//! device); the browser keeps a copy so the page paints in the right colours before any
//! code has run (a tiny inline script in `<head>`).

use crate::live::settings::use_settings;
use crate::settings::Theme;
use leptos::prelude::*;

/// Runs in `<head>` before the page paints, so a dark-theme user never sees a white flash.
/// It also reports the browser's time zone (the `tz` cookie), so the server places
/// sessions on the days and weeks the browser does (see [`crate::stats::calendar`]).
pub const THEME_BOOT_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('ezlift-theme');\
if(t!=='dark'&&t!=='light'){t=window.matchMedia('(prefers-color-scheme: dark)').matches?'dark':'light'}\
document.documentElement.setAttribute('data-theme',t)}catch(e){}\
try{document.cookie='tz='+Intl.DateTimeFormat().resolvedOptions().timeZone+';path=/;max-age=31536000;samesite=lax'}catch(e){}})()";

/// Applies the signed-in user's theme setting whenever it changes (another tab, another
/// device after a sync, or the settings page).
pub fn follow_theme_setting() {
    let settings = use_settings();
    Effect::new(move |_| {
        let s = settings.get();
        if s.id.is_some() {
            apply(s.theme);
        }
    });
}

#[cfg(feature = "hydrate")]
fn apply(theme: Theme) {
    const STORAGE_KEY: &str = "ezlift-theme";
    let Some(window) = web_sys::window() else {
        return;
    };
    let dark = match theme {
        Theme::Dark => true,
        Theme::Light => false,
        Theme::System => window
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches()),
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(STORAGE_KEY, theme.as_str());
    }
}

#[cfg(not(feature = "hydrate"))]
fn apply(_: Theme) {}
