//! What every handler and every server-rendered page can reach.

use super::metrics::Metrics;
use crate::auth::limits::SignInGuard;
use crate::auth::Auth;
use crate::config::Config;
use crate::exercises::Catalogue;
use crate::push::RestAlerts;
use crate::store::Store;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Arc<dyn Store>,
    pub auth: Arc<Auth>,
    pub catalogue: Arc<Catalogue>,
    pub config: Arc<Config>,
    pub signin: Arc<SignInGuard>,
    /// Counted always (it costs a few atomics); served only when `EZLIFT_METRICS` is on.
    pub metrics: Arc<Metrics>,
    /// Rest alerts by Web Push, and the sender delivering them.
    pub rest_alerts: Arc<RestAlerts>,
}
