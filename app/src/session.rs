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
    /// What to call the user in the header.
    pub fn label(&self) -> String {
        self.email.clone().unwrap_or_else(|| "Signed in".into())
    }
}

/// Put into each request's extensions by the server after it checked the session cookie.
#[derive(Debug, Clone, Default)]
pub struct SessionUser(pub Option<UserInfo>);

/// The current session. Rendering on the server calls it in-process; the browser gets
/// the value serialised into the page, so hydration needs no round trip.
#[server]
pub async fn get_session() -> Result<Option<UserInfo>, ServerFnError> {
    let parts = use_context::<http::request::Parts>();
    Ok(parts
        .and_then(|p| p.extensions.get::<SessionUser>().cloned())
        .and_then(|s| s.0))
}

pub type SessionResource = Resource<Result<Option<UserInfo>, ServerFnError>>;

/// The session resource the layout created.
pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}
