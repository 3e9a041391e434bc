//! The EzLift server: the sync backend and the server half of the web app.
#![forbid(unsafe_code)]
// The pages' view types are deep; proving them `Send` for server rendering needs more room.
#![recursion_limit = "256"]

pub mod auth;
pub mod config;
pub mod deleted;
pub mod exercises;
pub mod http;
pub mod import;
pub mod push;
pub mod store;
pub mod validate;

use config::Config;
use http::state::AppState;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// Builds the whole application: opens the store (running migrations), loads the exercise
/// library, sets up authentication. Tests call this with their own configuration.
pub async fn build(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<(axum::Router, AppState), String> {
    let options = store::Options {
        lock_wait: config.request_timeout / 3,
        standby_url: config.database_replica_url.clone(),
    };
    let store = store::connect_with(&config.database_url, &options)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let catalogue = exercises::Catalogue::load(store.as_ref())
        .await
        .map_err(|e| format!("cannot load the exercise library: {e}"))?;
    let auth = auth::Auth::new(&config, store.clone())
        .await
        .map_err(|e| format!("cannot set up authentication: {e}"))?;
    let rest_alerts = push::RestAlerts::start(&config, store.clone())
        .await
        .map_err(|e| format!("cannot set up rest alerts: {e}"))?;
    let state = AppState {
        leptos_options,
        store,
        auth: Arc::new(auth),
        catalogue: Arc::new(catalogue),
        signin: Arc::new(auth::limits::SignInGuard::new(&config)),
        metrics: Arc::default(),
        rest_alerts,
        config: Arc::new(config),
    };
    Ok((http::router(state.clone()), state))
}

/// Leptos settings from the environment (as cargo-leptos sets them), with this project's
/// defaults where a variable is missing, so the binary also runs on its own.
pub fn leptos_options() -> Result<LeptosOptions, String> {
    let mut options = leptos::config::get_configuration(None)
        .map_err(|e| format!("invalid Leptos configuration: {e}"))?
        .leptos_options;
    if options.output_name.is_empty() {
        options.output_name = "ezlift".into();
    }
    Ok(options)
}
