//! The newest change stamp a browser has seen, carried in a cookie, so that its pages and
//! exports are never older than its own writes or its last page, even when a standby
//! that lags serves them (the standby serves a read only once it has replayed that far).
//!
//! A pull carries its own cursor and needs no cookie; a browser's pages cannot carry one,
//! so the answers that show it something newer (a push, a pull, a page) set this cookie.
//! It holds a number and the user it belongs to, nothing secret: a browser that forges it
//! only makes its own reads come from the primary.

use app::session::request::of_this_request;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const SEEN_COOKIE: &str = "ezlift_seen";

/// The stamp the request's browser has seen of `user_id`'s records: 0 without the cookie,
/// or with one of another user (an earlier sign-in on the same browser).
pub fn seen_by(headers: &HeaderMap, user_id: &str) -> i64 {
    seen_in(&CookieJar::from_headers(headers), user_id)
}

/// [`seen_by`], from the request's cookies already read.
fn seen_in(jar: &CookieJar, user_id: &str) -> i64 {
    jar.get(SEEN_COOKIE)
        .and_then(|c| parse(c.value(), user_id))
        .unwrap_or(0)
}

fn parse(value: &str, user_id: &str) -> Option<i64> {
    let (stamp, user) = value.split_once('.')?;
    (user == user_id).then(|| stamp.parse().ok()).flatten()
}

/// The cookie saying the browser has seen `stamp` of `user_id`'s records. Lives as long
/// as the browser session: a new one starts with a pull.
pub fn seen_cookie(user_id: &str, stamp: i64, secure: bool) -> Cookie<'static> {
    Cookie::build((SEEN_COOKIE, format!("{stamp}.{user_id}")))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// Adds the cookie to `jar` (the request's cookies) when `stamp` is newer than what the
/// browser had seen: only for browsers (requests that came with the session cookie), the
/// mobile apps keep their cursor themselves.
pub fn remember(jar: CookieJar, user_id: &str, stamp: i64, secure: bool) -> CookieJar {
    let browser = jar
        .get(crate::auth::SESSION_COOKIE)
        .is_some_and(|c| !c.value().is_empty());
    if !browser || stamp <= seen_in(&jar, user_id) {
        return jar;
    }
    jar.add(seen_cookie(user_id, stamp, secure))
}

/// What a page request has seen and what its render read: the pages' session layer puts
/// one in each page request, the page data reads at least as fresh as `floor` and notes
/// the newest stamp it read, and the layer sets the cookie from it.
#[derive(Clone, Default)]
pub struct PageReads {
    floor: i64,
    newest: Arc<AtomicI64>,
}

impl PageReads {
    pub fn new(floor: i64) -> Self {
        Self {
            floor,
            newest: Arc::new(AtomicI64::new(floor)),
        }
    }

    /// The stamp the page's reads must have reached: this request's, if it is a page.
    pub fn floor_here() -> i64 {
        of_this_request::<Self>().map_or(0, |r| r.floor)
    }

    /// Notes a stamp the page read at.
    pub fn read_at(stamp: i64) {
        if let Some(reads) = of_this_request::<Self>() {
            reads.newest.fetch_max(stamp, Ordering::Relaxed);
        }
    }

    /// The newest stamp the render read, when newer than what the browser had seen.
    pub fn newer(&self) -> Option<i64> {
        let newest = self.newest.load(Ordering::Relaxed);
        (newest > self.floor).then_some(newest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_counts_only_for_its_user() {
        assert_eq!(
            parse("1700000000123.user-a", "user-a"),
            Some(1_700_000_000_123)
        );
        assert_eq!(parse("1700000000123.user-a", "user-b"), None);
        assert_eq!(parse("junk", "user-a"), None);
        assert_eq!(parse("x.user-a", "user-a"), None);
    }
}
