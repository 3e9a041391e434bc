//! Which zone a page's days and weeks are counted in.

use crate::stats::Zone;

/// The user's zone where the page is computed: the browser's own, or on the server the
/// one the browser reported in the `tz` cookie (UTC when it has not yet).
pub fn zone_here() -> Zone {
    #[cfg(feature = "hydrate")]
    {
        Zone::Browser
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .as_ref()
            .and_then(|parts| crate::page_data::zone_cookie(&parts.headers))
            .and_then(Zone::named)
            .unwrap_or(Zone::UTC)
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Zone::UTC
    }
}
