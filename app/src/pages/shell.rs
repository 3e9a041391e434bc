//! The frame around every page: the header (brand, navigation, the workout in progress
//! with its rest timer, sync status) and, on a phone, the navigation as a bottom tab bar
//! within reach of a thumb (the same links, laid out by the stylesheet).

use crate::pages::sync_status::SyncIndicator;
use crate::replica::{now_ms, use_replica};
use crate::session::use_session;
use crate::workout::Edit;
use leptos::prelude::*;
use leptos_router::components::A;

/// `(href, label, class)`: links with the `nav-extra` class stay in the desktop header
/// only; the phone's tab bar keeps five tabs (Import is reached from Settings, Body from the
/// dashboard).
const NAV: &[(&str, &str, &str)] = &[
    ("/", "Dashboard", ""),
    ("/programs", "Programs", ""),
    ("/workout", "Workout", ""),
    ("/history", "History", ""),
    ("/measurements", "Body", "nav-extra"),
    ("/import", "Import", "nav-extra"),
    ("/settings", "Settings", ""),
];

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "EzLift"
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = session.await.ok().flatten();
                    user.map(|_| {
                        view! {
                            <nav class="nav" aria-label="Main">
                                {NAV
                                    .iter()
                                    .map(|(href, label, class)| {
                                        view! {
                                            <A href=*href exact=true attr:class=*class>
                                                {*label}
                                            </A>
                                        }
                                    })
                                    .collect_view()}
                            </nav>
                            <ActiveWorkout />
                            <SyncIndicator />
                        }
                    })
                })}
            </Suspense>
        </header>
    }
}

/// Whether the calling component runs in the browser with its code loaded: false when
/// rendered on the server (and so with JavaScript off) and while hydrating. For messages
/// such as "this needs JavaScript", which the browser then removes (a `<noscript>` cannot
/// be hydrated: with scripts on, the browser keeps its content as text).
pub fn client_ready() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    ready
}

/// Minutes and seconds (`1:05`), with hours when needed (`1:02:03`).
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A clock for the page: epoch milliseconds, ticking four times a second in the browser
/// while the calling component lives (0 on the server).
pub fn ticking_now() -> ReadSignal<i64> {
    let (now, set_now) = signal(0_i64);
    #[cfg(feature = "hydrate")]
    {
        set_now.set(now_ms());
        if let Ok(handle) = set_interval_with_handle(
            move || set_now.set(now_ms()),
            std::time::Duration::from_millis(250),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_now;
    now
}

/// The workout in progress, on every page: elapsed time (a link back to the logger) and
/// the rest countdown with −15 s, +15 s and skip. At zero the rest ends with a beep, a
/// vibration where supported, and a notification if the user allowed them.
#[component]
fn ActiveWorkout() -> impl IntoView {
    let replica = use_replica();
    // Shown once the header has hydrated (the server never knows the device's session).
    let readable = replica.readable();
    let started = Memo::new(move |_| {
        if !readable.get() {
            return None;
        }
        replica
            .state
            .active
            .with(|a| a.as_ref().map(|s| s.started_at))
    });
    rest_alert(replica, readable);
    view! {
        <Show when=move || started.get().is_some()>
            <RunningWorkout started />
        </Show>
    }
}

/// With rest alerts on in this browser, each rest that starts or changes asks the server
/// for a push at its end (the page's timer stops when a phone locks), and a rest that is
/// skipped, over here, or whose session ended asks it not to send one; what could not be
/// asked offline is asked when the connection returns. Every tab asks the same; the
/// server keeps one alert per browser.
fn rest_alert(replica: crate::replica::ReplicaSlot, readable: Signal<bool>) {
    let rest = Memo::new(move |_| {
        if !readable.get() {
            return None;
        }
        replica.state.active.with(|a| {
            a.as_ref().and_then(|s| {
                s.rest
                    .as_ref()
                    .map(|r| (s.id.clone(), r.ends_at, r.next.clone()))
            })
        })
    });
    Effect::new(
        move |before: Option<Option<(String, i64, Option<String>)>>| {
            let now_rest = rest.get();
            #[cfg(feature = "hydrate")]
            match (&now_rest, before.flatten()) {
                (Some((session, ends_at, next)), before)
                    if before.as_ref().map(|b| b.1) != Some(*ends_at) =>
                {
                    crate::replica::push::schedule(*ends_at, session.clone(), next.clone());
                }
                (None, Some(_)) => crate::replica::push::cancel(),
                _ => {}
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = before;
            now_rest
        },
    );
    // A tick or a skip made offline could not ask: back online, ask for the rest as it
    // is now (the alert, or none).
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::online, move |_| {
            if !crate::replica::push::unsent() {
                return;
            }
            match rest.get_untracked() {
                Some((session, ends_at, next)) => {
                    crate::replica::push::schedule(ends_at, session, next)
                }
                None => crate::replica::push::cancel(),
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// The clock, rest countdown and alarm of a session in progress: mounted only while there
/// is one, so no page ticks a clock for nothing.
#[component]
fn RunningWorkout(started: Memo<Option<i64>>) -> impl IntoView {
    let replica = use_replica();
    let now = ticking_now();
    let rest = Memo::new(move |_| {
        replica
            .state
            .active
            .with(|a| a.as_ref().and_then(|s| s.rest.clone()))
    });
    let remaining = Memo::new(move |_| match (rest.get(), now.get()) {
        (Some(r), t) if t > 0 => Some(r.remaining(t)),
        _ => None,
    });
    // The rest ran out while this tab watched: alarm once, clear it, and say so until
    // the next rest starts or the notice is dismissed.
    let over = RwSignal::new(false);
    Effect::new(move |before: Option<Option<i64>>| {
        let left = remaining.get();
        match (before, left) {
            (Some(Some(b)), Some(0)) if b > 0 => {
                over.set(true);
                rest_over();
                replica.edit_active(Edit::SkipRest);
            }
            (_, Some(l)) if l > 0 => over.set(false),
            _ => {}
        }
        left
    });
    let by = move |seconds: i64| {
        replica.edit_active(Edit::RestBy {
            seconds,
            now: now_ms(),
        })
    };
    view! {
        <div class="active-workout" data-testid="active-workout">
            <A href="/workout" attr:class="elapsed" attr:data-testid="elapsed">
                {move || {
                    let t = now.get();
                    match started.get() {
                        Some(s) if t > 0 => clock((t - s) / 1000),
                        _ => "Workout".to_owned(),
                    }
                }}
            </A>
            <Show when=move || remaining.get().is_some_and(|r| r > 0)>
                <div class="rest" role="timer" aria-label="Rest" data-testid="rest-timer">
                    <button type="button" aria-label="Rest 15 seconds less" on:click=move |_| by(-15)>
                        "−15"
                    </button>
                    <span class="rest-left" data-testid="rest-left">
                        {move || clock(remaining.get().unwrap_or(0))}
                    </span>
                    <button type="button" aria-label="Rest 15 seconds more" on:click=move |_| by(15)>
                        "+15"
                    </button>
                    <button
                        type="button"
                        data-testid="rest-skip"
                        on:click=move |_| replica.edit_active(Edit::SkipRest)
                    >
                        "Skip"
                    </button>
                </div>
            </Show>
            <Show when=move || over.get()>
                <button
                    type="button"
                    class="rest-over"
                    role="status"
                    data-testid="rest-over"
                    title="Dismiss"
                    on:click=move |_| over.set(false)
                >
                    "Rest over"
                </button>
            </Show>
        </div>
    }
}

/// The end of a rest: a short beep (Web Audio) and a vibration in a visible tab, a
/// notification (one, whatever the tabs) when the user allowed them.
fn rest_over() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let Some(window) = web_sys::window() else {
            return;
        };
        let visible = window
            .document()
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if visible {
            let _ = beep();
            let _ = window.navigator().vibrate_with_duration(400);
        }
        if web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
            let message = crate::rest_alert::Message::rest_over(None, 0);
            crate::replica::push::notify(&message.title, &message.body);
        }
        fn beep() -> Result<(), JsValue> {
            let ctx = web_sys::AudioContext::new()?;
            let osc = ctx.create_oscillator()?;
            osc.frequency().set_value(880.0);
            let gain = ctx.create_gain()?;
            gain.gain().set_value(0.25);
            osc.connect_with_audio_node(&gain)?;
            gain.connect_with_audio_node(&ctx.destination())?;
            osc.start()?;
            osc.stop_with_when(ctx.current_time() + 0.35)?;
            Ok(())
        }
    }
}

/// Asks the user before something destructive (always yes while rendering on the server,
/// where no click happens).
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.confirm_with_message(message).ok())
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_like_a_stopwatch() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(65), "1:05");
        assert_eq!(clock(3723), "1:02:03");
        assert_eq!(clock(-3), "0:00");
    }
}
