//! Who is signed in, as the pages see it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in user as shown on pages. Carries nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    pub email: Option<String>,
}

impl UserInfo {
    /// The account as the settings page names it.
    pub fn label(&self) -> String {
        self.email.clone().unwrap_or_else(|| "Signed in".into())
    }

    /// What to call the user in a greeting: accounts carry no name, so the first word of
    /// the e-mail's name part, capitalised ("jane.doe@…" → "Jane"); `None` when it has no
    /// letters to speak of.
    pub fn name(&self) -> Option<String> {
        let local = self.email.as_deref()?.split('@').next()?;
        let word = local
            .split(|c: char| !c.is_alphabetic())
            .find(|w| w.chars().count() >= 2)?;
        let mut chars = word.chars();
        let first = chars.next()?;
        Some(
            first
                .to_uppercase()
                .chain(chars.flat_map(char::to_lowercase))
                .collect(),
        )
    }
}

/// Put into each request's extensions by the server after it checked the session cookie.
#[derive(Debug, Clone, Default)]
pub struct SessionUser(pub Option<UserInfo>);

/// The current session. Rendering on the server calls it in-process; the browser gets
/// the value serialised into the page, so hydration needs no round trip.
#[server]
pub async fn get_session() -> Result<Option<UserInfo>, ServerFnError> {
    Ok(request::page_user())
}

/// What the request being rendered carries, as the server's layers left it.
#[cfg(feature = "ssr")]
pub mod request {
    use super::{SessionUser, UserInfo};

    /// What the request whose page is rendering here carries in its extensions, if any:
    /// the server's layers put a request's own state there for the render to find.
    pub fn of_this_request<T: Clone + Send + Sync + 'static>() -> Option<T> {
        leptos::prelude::use_context::<http::request::Parts>()?
            .extensions
            .get::<T>()
            .cloned()
    }

    /// The user whose page is being rendered.
    pub fn page_user() -> Option<UserInfo> {
        of_this_request::<SessionUser>()?.0
    }
}

pub type SessionResource = Resource<Result<Option<UserInfo>, ServerFnError>>;

/// The session resource the layout created.
pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// The session for the layout: the server's answer, or, in a tab started from the app
/// shell (see [`crate::app_shell`]), the one this device remembers, so a page opened
/// offline shows the user's replica instead of asking a server it cannot reach.
pub async fn load() -> Result<Option<UserInfo>, ServerFnError> {
    #[cfg(feature = "hydrate")]
    if device::without_a_page() {
        if let Some(user) = device::remembered() {
            return Ok(Some(user));
        }
    }
    get_session().await
}

/// Keeps the server's answer on the device for the app shell; forgets it when the server
/// says nobody is signed in (a sign-out anywhere shows as that on the next page).
#[cfg(feature = "hydrate")]
pub fn remember_on_device(session: SessionResource) {
    Effect::new(move |_| {
        if device::without_a_page() {
            return;
        }
        if let Some(Ok(user)) = session.get() {
            device::remember(user.as_ref());
        }
    });
}

/// The server's last answer, kept on the device: who, never a secret (the session cookie
/// stays HttpOnly), and forgotten as soon as the server says nobody is signed in.
#[cfg(feature = "hydrate")]
pub use device::start_without_a_page;

/// The user this device last knew signed in (what a page opened offline shows), for what
/// the device keeps per user.
#[cfg(feature = "hydrate")]
pub fn device_user() -> Option<UserInfo> {
    device::remembered()
}

#[cfg(feature = "hydrate")]
mod device {
    use super::UserInfo;
    use std::cell::Cell;

    thread_local! {
        static WITHOUT_A_PAGE: Cell<bool> = const { Cell::new(false) };
    }

    /// This tab starts from the app shell (see [`crate::app_shell`]): no server's page,
    /// and no server to ask who is signed in.
    pub fn start_without_a_page() {
        WITHOUT_A_PAGE.with(|s| s.set(true));
    }

    pub fn without_a_page() -> bool {
        WITHOUT_A_PAGE.with(Cell::get)
    }

    const KEY: &str = "ezlift-session";

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    /// Keeps (or, when nobody is signed in, forgets) the server's answer.
    pub fn remember(user: Option<&UserInfo>) {
        let Some(storage) = storage() else { return };
        match user.and_then(|u| serde_json::to_string(u).ok()) {
            Some(json) => {
                let _ = storage.set_item(KEY, &json);
            }
            None => {
                let _ = storage.remove_item(KEY);
            }
        }
    }

    /// The last signed-in user the server named on this device.
    pub fn remembered() -> Option<UserInfo> {
        let json = storage()?.get_item(KEY).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_greeting_uses_the_name_part_of_the_address() {
        let user = |e: &str| UserInfo {
            id: "u".into(),
            email: Some(e.into()),
        };
        assert_eq!(user("jane.doe@example.com").name().as_deref(), Some("Jane"));
        assert_eq!(user("MIKE_88@example.com").name().as_deref(), Some("Mike"));
        assert_eq!(
            user("lifter-1733-x@example.com").name().as_deref(),
            Some("Lifter")
        );
        assert_eq!(user("42@example.com").name(), None);
        assert_eq!(
            UserInfo {
                id: "u".into(),
                email: None
            }
            .name(),
            None
        );
    }
}
