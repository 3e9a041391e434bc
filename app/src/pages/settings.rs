//! `/settings` — every `user_settings` column, the account, and rest notifications.
//!
//! A change is written to the replica at once (every tab shows it), synced like any
//! edit (other devices get it on their next sync). The server renders the current values;
//! changing them needs JavaScript, and the page says so when it is off.

use crate::live::settings::{change, change_together, use_settings};
use crate::model::tables::user_settings as col;
use crate::model::Field;
use crate::model::OneRmFormula;
use crate::model::WeightUnit;
use crate::pages::format::{parse_number, show_number};
use crate::plates::{parse_plates, parse_ramp, plates_text, ramp_text, PlateSet};
use crate::replica::use_replica;
use crate::session::use_session;
use crate::settings::{Settings, Theme, WeekStart, REST_CHOICES};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};

/// `/settings`, loaded on demand: the account forms and every setting's control stay out
/// of the module every first visit downloads.
pub struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SettingsPage /> }.into_any()
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let session = use_session();
    let server = use_context::<crate::live::settings::ServerSettings>();
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
                    <PlatesForm />
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
                    <ChangePassword />
                    <section class="card">
                        <h2>"Your data"</h2>
                        <p>
                            <a href="/import" data-testid="import-link">"Import from Strong, Hevy or FitNotes"</a>
                        </p>
                        <ul class="exports">
                            <li>
                                <a href="/api/export?format=strong" download data-testid="export-strong">
                                    "Export as CSV"
                                </a>
                                <span class="hint">" Strong's format, which Strong, Hevy and most trackers import"</span>
                            </li>
                            <li>
                                <a href="/api/export?format=json" download data-testid="export-json">
                                    "Export everything (JSON)"
                                </a>
                                <span class="hint">" programs, history, exercises and measurements; EzLift imports it back"</span>
                            </li>
                            <li>
                                <a href="/api/export?format=measurements" download data-testid="export-measurements">
                                    "Export measurements as CSV"
                                </a>
                                <span class="hint">" bodyweight and tape, in kg and cm"</span>
                            </li>
                        </ul>
                        <p class="hint">"Exports hold what the server has: changes still waiting on this device are not in them."</p>
                    </section>
                }
            })}
        </Suspense>
    }
}

/// Signing out, with the offer to remove this user's data from the device (a shared or
/// borrowed one). Changes not yet on the server would go with it, so the page says how
/// many before the button is pressed. Without JavaScript it is a plain sign-out.
#[component]
fn SignOut() -> impl IntoView {
    let replica = use_replica();
    let forget = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let waiting = move || replica.state.status.with(|s| s.pending + s.saving);
    let warn = move || forget.get() && waiting() != 0;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        if !forget.get_untracked() {
            replica.close();
            return;
        }
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = replica.sign_out_and_forget().await {
                busy.set(false);
                failed.set(Some(e));
            }
        });
    };
    view! {
        <form method="post" action="/auth/logout" class="sign-out" on:submit=submit>
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="forget-device"
                    checked=move || forget.get()
                    prop:checked=move || forget.get()
                    on:change=move |ev| forget.set(event_target_checked(&ev))
                />
                " Also remove my training data from this device"
            </label>
            <p class="hint">"For a shared or borrowed device. Your data stays on the server; signing in again brings it back."</p>
            <Show when=warn>
                <p class="warning" role="alert" data-testid="unsynced-warning">
                    {move || {
                        let n = waiting();
                        format!(
                            "{n} {} made on this device {} not reached the server yet. Removing the data loses {}; sign out without removing it and {} sent the next time you sign in here.",
                            if n == 1 { "change" } else { "changes" },
                            if n == 1 { "has" } else { "have" },
                            if n == 1 { "it" } else { "them" },
                            if n == 1 { "it is" } else { "they are" },
                        )
                    }}
                </p>
            </Show>
            {move || failed.get().map(|e| view! { <p class="warning" role="alert">{format!("Could not sign out: {e}")}</p> })}
            <button type="submit" class="danger" disabled=move || busy.get()>
                {move || match (forget.get(), busy.get()) {
                    (_, true) => "Removing…",
                    (true, false) => "Remove data and sign out",
                    (false, false) => "Sign out",
                }}
            </button>
        </form>
    }
}

/// A new password ends every session of the account (all devices sign in again) except
/// this one, which gets a new session. A plain form: it works without JavaScript.
#[component]
fn ChangePassword() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let changed = move || query.with(|q| q.get("password").is_some_and(|v| v == "changed"));
    let error = move || query.with(|q| q.get("password_error"));
    view! {
        <section class="card" id="password" data-testid="password">
            <h2>"Password"</h2>
            <Show when=changed>
                <p class="notice" role="status">"Password changed. Your other devices have been signed out."</p>
            </Show>
            {move || error().map(|e| view! { <p class="warning" role="alert">{e}</p> })}
            <form method="post" action="/auth/password" class="fields">
                <label for="current-password">"Current password"</label>
                <input id="current-password" name="current_password" type="password" autocomplete="current-password" required />
                <label for="new-password">"New password"</label>
                <input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength="8" required />
                <p class="hint">"At least 8 characters. Every other device signs in again."</p>
                <button type="submit">"Change password"</button>
            </form>
        </section>
    }
}

#[component]
fn SettingsForm() -> impl IntoView {
    let replica = use_replica();
    let settings = use_settings();
    let readable = replica.readable();
    let js = crate::pages::shell::client_ready();
    let disabled = Signal::derive(move || !(readable.get() && settings.with(|s| s.id.is_some())));
    let set = move |field: Field| change(&replica, &settings.get_untracked(), field);
    // A setting's current value as its `<select>` names it.
    let current = |f: fn(&Settings) -> String| Signal::derive(move || settings.with(f));
    let fixed = |list: Vec<(String, String)>| Signal::derive(move || list.clone());
    let named = |pairs: &[(&str, &str)]| {
        fixed(
            pairs
                .iter()
                .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
                .collect(),
        )
    };
    let whole = |text: String| text.parse::<i64>().ok();
    let rest_choices = Signal::derive(move || {
        let current = settings.with(|s| s.default_rest);
        let mut choices = REST_CHOICES.to_vec();
        if !choices.contains(&current) {
            choices.push(current);
            choices.sort_unstable();
        }
        choices
            .into_iter()
            .map(|v| (v.to_string(), crate::pages::shell::clock(v)))
            .collect()
    });
    view! {
        <section class="card settings" data-testid="settings">
            <h2>"Training"</h2>
            <Show when=move || !js.get()>
                <p class="hint">"Changing settings needs JavaScript."</p>
            </Show>
            <div class="fields">
                <SettingSelect
                    id="weight-unit"
                    label="Weight unit"
                    options=named(&[("kg", "Kilograms (kg)"), ("lb", "Pounds (lb)")])
                    current=current(|s| s.weight_unit.label().to_owned())
                    disabled
                    pick=move |v| set(col::weight_unit.to(v))
                />
                <SettingSelect
                    id="distance-unit"
                    label="Distance unit"
                    options=named(&[("km", "Kilometres (km)"), ("mi", "Miles (mi)")])
                    current=current(|s| s.distance_unit.label().to_owned())
                    disabled
                    pick=move |v| set(col::distance_unit.to(v))
                />
                <SettingSelect
                    id="default-rest"
                    label="Default rest between sets"
                    options=rest_choices
                    current=current(|s| s.default_rest.to_string())
                    disabled
                    pick=move |v| {
                        if let Some(v) = whole(v) {
                            set(col::default_rest_seconds.to(v));
                        }
                    }
                />
                <SettingSelect
                    id="one-rm-formula"
                    label="Estimated one-rep max"
                    options=named(&[
                        (OneRmFormula::Epley.as_str(), "Epley"),
                        (OneRmFormula::Brzycki.as_str(), "Brzycki"),
                    ])
                    current=current(|s| s.one_rm.as_str().to_owned())
                    disabled
                    pick=move |v| set(col::one_rm_formula.to(v))
                />
                <SettingSelect
                    id="week-start"
                    label="Weeks start on"
                    options=fixed(
                        WeekStart::CHOICES
                            .iter()
                            .map(|(d, l)| (d.to_string(), (*l).to_owned()))
                            .collect(),
                    )
                    current=current(|s| s.week_start.0.to_string())
                    disabled
                    pick=move |v| {
                        if let Some(v) = whole(v) {
                            set(col::week_start.to(v));
                        }
                    }
                />
                <SettingSelect
                    id="theme"
                    label="Theme"
                    options=fixed(
                        Theme::ALL
                            .iter()
                            .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
                            .collect(),
                    )
                    current=current(|s| s.theme.as_str().to_owned())
                    disabled
                    pick=move |v| set(col::theme.to(v))
                />
            </div>
            <Notifications />
        </section>
    }
}

/// The bar and plates the user loads and their warm-up ramp: what the plate calculator and
/// the warm-up sets of the logger and the template editor work with. Text that cannot be
/// read is not saved; the field says why.
#[component]
fn PlatesForm() -> impl IntoView {
    let replica = use_replica();
    let settings = use_settings();
    let readable = replica.readable();
    let disabled = Signal::derive(move || !(readable.get() && settings.with(|s| s.id.is_some())));
    let set = move |field: Field| change(&replica, &settings.get_untracked(), field);
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let plates = move || settings.with(|s| plates_text(&s.plates.plates));
    let bar = move || settings.with(|s| show_number(Some(s.plates.bar)));
    let ramp = move || settings.with(|s| ramp_text(&s.warm_up_ramp));
    let save_plates = move |text: String| match parse_plates(&text) {
        Ok(list) if list.is_empty() => problem.set(Some("Plates: name at least one pair.".into())),
        Ok(list) => {
            problem.set(None);
            set(col::plates.to(plates_text(&list)));
        }
        Err(e) => problem.set(Some(format!("Plates: {e}."))),
    };
    let save_bar = move |text: String| match parse_number(&text) {
        Ok(Some(v)) if v <= 100.0 => {
            problem.set(None);
            set(col::bar_weight.to(v));
        }
        _ => problem.set(Some("Bar: a weight from 0 to 100.".into())),
    };
    let save_ramp = move |text: String| match parse_ramp(&text) {
        Ok(steps) => {
            problem.set(None);
            set(col::warmup_ramp.to(ramp_text(&steps)));
        }
        Err(e) => problem.set(Some(format!("Warm-up: {e}."))),
    };
    view! {
        <section class="card settings" id="plates" data-testid="plates-settings">
            <h2>"Plates and warm-up"</h2>
            <div class="fields">
                <SettingSelect
                    id="plate-unit"
                    label="Plates are in"
                    options=Signal::derive(|| vec![
                        ("kg".to_owned(), "Kilograms (kg)".to_owned()),
                        ("lb".to_owned(), "Pounds (lb)".to_owned()),
                    ])
                    current=Signal::derive(move || settings.with(|s| s.plates.unit.label().to_owned()))
                    disabled
                    pick=move |v| {
                        // Plates of another unit are another set: a gym's, until changed.
                        let standard = PlateSet::standard(WeightUnit::parse(Some(&v)));
                        change_together(&replica, &settings.get_untracked(), [
                            col::plate_unit.to(v),
                            col::bar_weight.to(standard.bar),
                            col::plates.to(plates_text(&standard.plates)),
                        ]);
                    }
                />
                <label for="bar-weight">"Bar"</label>
                <input id="bar-weight" type="text" inputmode="decimal" class="short" value=bar prop:value=bar
                    disabled=disabled on:change=move |ev| save_bar(event_target_value(&ev)) />
                <label for="plates-owned">"Plates you own"</label>
                <input id="plates-owned" type="text" value=plates prop:value=plates
                    disabled=disabled on:change=move |ev| save_plates(event_target_value(&ev)) />
                <p class="hint">"Size and count, both sides together: 25:8 means eight 25s."</p>
                <label for="warm-up-ramp">"Warm-up ramp"</label>
                <input id="warm-up-ramp" type="text" value=ramp prop:value=ramp
                    disabled=disabled on:change=move |ev| save_ramp(event_target_value(&ev)) />
                <p class="hint">"Percent of the working weight and reps: bar:10 40:5 60:3 80:1."</p>
            </div>
            {move || problem.get().map(|p| view! { <p class="warning" role="alert" data-testid="plates-problem">{p}</p> })}
        </section>
    }
}

/// One setting: a labelled `<select>` of `(value, label)` options showing `current`;
/// picking one calls `pick` with its value. The id doubles as the test id.
#[component]
fn SettingSelect(
    id: &'static str,
    label: &'static str,
    options: Signal<Vec<(String, String)>>,
    current: Signal<String>,
    disabled: Signal<bool>,
    pick: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <select
            id=id
            data-testid=id
            disabled=move || disabled.get()
            on:change=move |ev| pick(event_target_value(&ev))
        >
            {move || {
                options
                    .get()
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = value.clone();
                        view! {
                            <option value=value selected=move || current.with(|c| *c == selected)>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
    }
}

/// Rest alerts on this browser: a push from the server at each rest's end, which shows
/// with the screen locked (the page's own timer stops then). Asked for only on request: a
/// browser refuses prompts nobody asked for.
#[component]
fn Notifications() -> impl IntoView {
    /// What this browser can do now; `None` until the page runs in it.
    #[derive(Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    enum Alerts {
        Unsupported,
        Blocked,
        Off,
        On,
    }
    let state = RwSignal::new(None::<Alerts>);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    let read = move || {
        use crate::replica::push;
        use web_sys::{Notification, NotificationPermission};
        state.set(Some(if !push::supported() {
            Alerts::Unsupported
        } else {
            match Notification::permission() {
                NotificationPermission::Denied => Alerts::Blocked,
                NotificationPermission::Granted if push::endpoint().is_some() => Alerts::On,
                _ => Alerts::Off,
            }
        }))
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| read());
    let turn = move |on: bool| {
        busy.set(true);
        problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::replica::push;
            let done = if on {
                push::enable().await
            } else {
                push::disable().await
            };
            if let Err(e) = done {
                problem.set(Some(e));
            }
            read();
            busy.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = on;
    };
    view! {
        <div class="notify" data-testid="rest-alerts">
            {move || match state.get() {
                Some(Alerts::On) => {
                    view! {
                        <p class="hint" data-testid="rest-alerts-on">
                            "Rest alerts are on in this browser, even with the screen locked."
                        </p>
                        <button type="button" data-testid="rest-alerts-disable" disabled=move || busy.get() on:click=move |_| turn(false)>
                            "Turn rest alerts off"
                        </button>
                    }
                        .into_any()
                }
                Some(Alerts::Off) => {
                    view! {
                        <button type="button" data-testid="rest-alerts-enable" disabled=move || busy.get() on:click=move |_| turn(true)>
                            "Alert me when a rest is over, even with the screen locked"
                        </button>
                    }
                        .into_any()
                }
                Some(Alerts::Blocked) => {
                    view! {
                        <p class="hint" data-testid="rest-alerts-blocked">"Notifications are blocked in this browser's site settings."</p>
                    }
                        .into_any()
                }
                Some(Alerts::Unsupported) => {
                    view! {
                        <p class="hint">"This browser cannot alert with the screen off; the timer works while the page is open."</p>
                    }
                        .into_any()
                }
                None => ().into_any(),
            }}
            {move || problem.get().map(|p| view! { <p class="warning" role="alert" data-testid="rest-alerts-problem">{p}</p> })}
        </div>
    }
}
