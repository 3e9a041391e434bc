//! `/settings` — every `user_settings` column, the account, and rest notifications.
//!
//! A change is written to the replica at once (every tab shows it), synced like any
//! edit (other devices get it on their next sync). The server renders the current values;
//! changing them needs JavaScript, and the page says so when it is off.

use crate::model::tables::user_settings as col;
use crate::model::{DistanceUnit, WeightUnit};
use crate::replica::use_replica;
use crate::session::use_session;
use crate::settings::{change, use_settings, Theme, REST_CHOICES};
use crate::stats::OneRmFormula;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    let server = use_context::<crate::settings::ServerSettings>();
    view! {
        <Title text="Settings · EzLift" />
        <h1>"Settings"</h1>
        <Suspense fallback=|| view! { <p class="empty">"Loading your settings…"</p> }>
            {move || Suspend::new(async move {
                if let Some(s) = server {
                    s.0.await;
                }
                let user = session.await.ok().flatten();
                view! {
                    <SettingsForm />
                    <section class="card" data-testid="account">
                        <h2>"Account"</h2>
                        <p>
                            "Signed in as "
                            <strong data-testid="current-user">
                                {user.map(|u| u.label()).unwrap_or_default()}
                            </strong>
                        </p>
                        <SignOut />
                    </section>
                    <section class="card">
                        <h2>"Your data"</h2>
                        <p>
                            <a href="/import">"Import from Strong, Hevy or FitNotes"</a>
                        </p>
                    </section>
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignOut() -> impl IntoView {
    let replica = use_replica();
    view! {
        <form method="post" action="/auth/logout" on:submit=move |_| replica.close()>
            <button type="submit" class="danger">
                "Sign out"
            </button>
        </form>
    }
}

#[component]
fn SettingsForm() -> impl IntoView {
    let replica = use_replica();
    let settings = use_settings();
    let readable = replica.readable();
    let js = crate::pages::shell::client_ready();
    let editable = Signal::derive(move || readable.get() && settings.with(|s| s.id.is_some()));
    let set = move |field: crate::model::Field| change(&replica, &settings.get_untracked(), field);
    let choice = |value: &'static str, label: &'static str, selected: Signal<bool>| {
        view! {
            <option value=value selected=move || selected.get()>
                {label}
            </option>
        }
    };
    view! {
        <section class="card settings" data-testid="settings">
            <h2>"Training"</h2>
            <Show when=move || !js.get()>
                <p class="hint">"Changing settings needs JavaScript."</p>
            </Show>
            <div class="fields">
                <label for="weight-unit">"Weight unit"</label>
                <select
                    id="weight-unit"
                    data-testid="weight-unit"
                    disabled=move || !editable.get()
                    on:change=move |ev| set(col::weight_unit.to(event_target_value(&ev)))
                >
                    {[WeightUnit::Kg, WeightUnit::Lb]
                        .into_iter()
                        .map(|u| {
                            choice(
                                u.label(),
                                if u == WeightUnit::Kg { "Kilograms (kg)" } else { "Pounds (lb)" },
                                Signal::derive(move || settings.with(|s| s.weight_unit == u)),
                            )
                        })
                        .collect_view()}
                </select>
                <label for="distance-unit">"Distance unit"</label>
                <select
                    id="distance-unit"
                    data-testid="distance-unit"
                    disabled=move || !editable.get()
                    on:change=move |ev| set(col::distance_unit.to(event_target_value(&ev)))
                >
                    {[DistanceUnit::Km, DistanceUnit::Mi]
                        .into_iter()
                        .map(|u| {
                            choice(
                                u.label(),
                                if u == DistanceUnit::Km { "Kilometres (km)" } else { "Miles (mi)" },
                                Signal::derive(move || settings.with(|s| s.distance_unit == u)),
                            )
                        })
                        .collect_view()}
                </select>
                <label for="default-rest">"Default rest between sets"</label>
                <select
                    id="default-rest"
                    data-testid="default-rest"
                    disabled=move || !editable.get()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<i64>() {
                            set(col::default_rest_seconds.to(v));
                        }
                    }
                >
                    {move || {
                        let current = settings.with(|s| s.default_rest);
                        let mut choices = REST_CHOICES.to_vec();
                        if !choices.contains(&current) {
                            choices.push(current);
                            choices.sort_unstable();
                        }
                        choices
                            .into_iter()
                            .map(|v| {
                                view! {
                                    <option value=v.to_string() selected=v == current>
                                        {crate::pages::shell::clock(v)}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
                <label for="one-rm">"Estimated one-rep max"</label>
                <select
                    id="one-rm"
                    data-testid="one-rm-formula"
                    disabled=move || !editable.get()
                    on:change=move |ev| set(col::one_rm_formula.to(event_target_value(&ev)))
                >
                    {[OneRmFormula::Epley, OneRmFormula::Brzycki]
                        .into_iter()
                        .map(|f| {
                            choice(
                                f.as_str(),
                                if f == OneRmFormula::Epley { "Epley" } else { "Brzycki" },
                                Signal::derive(move || settings.with(|s| s.one_rm == f)),
                            )
                        })
                        .collect_view()}
                </select>
                <label for="week-start">"Weeks start on"</label>
                <select
                    id="week-start"
                    data-testid="week-start"
                    disabled=move || !editable.get()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<i64>() {
                            set(col::week_start.to(v));
                        }
                    }
                >
                    {crate::settings::WeekStart::CHOICES
                        .into_iter()
                        .map(|(d, label)| {
                            view! {
                                <option
                                    value=d.to_string()
                                    selected=move || settings.with(|s| s.week_start.0 == d)
                                >
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="theme">"Theme"</label>
                <select
                    id="theme"
                    data-testid="theme"
                    disabled=move || !editable.get()
                    on:change=move |ev| set(col::theme.to(event_target_value(&ev)))
                >
                    {Theme::ALL
                        .into_iter()
                        .map(|t| {
                            choice(
                                t.as_str(),
                                t.label(),
                                Signal::derive(move || settings.with(|s| s.theme == t)),
                            )
                        })
                        .collect_view()}
                </select>
            </div>
            <Notifications />
        </section>
    }
}

/// Asks the browser for permission to notify when a rest is over (only on request: a
/// browser refuses prompts nobody asked for).
#[component]
fn Notifications() -> impl IntoView {
    let state = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        state.set(Some(
            format!("{:?}", web_sys::Notification::permission()).to_lowercase(),
        ))
    });
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(promise) = web_sys::Notification::request_permission() {
            leptos::task::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                state.set(Some(
                    format!("{:?}", web_sys::Notification::permission()).to_lowercase(),
                ));
            });
        }
    };
    view! {
        <div class="notify">
            {move || match state.get().as_deref() {
                Some("granted") => view! { <p class="hint">"Rest timer notifications are on."</p> }.into_any(),
                Some("denied") => {
                    view! {
                        <p class="hint">"Notifications are blocked in this browser's site settings."</p>
                    }
                        .into_any()
                }
                Some(_) => {
                    view! {
                        <button type="button" on:click=ask>
                            "Notify me when a rest is over"
                        </button>
                    }
                        .into_any()
                }
                None => ().into_any(),
            }}
        </div>
    }
}
