//! Starting a session: empty, the default routine's next workout, any template, or a
//! repeat of a recent session. Starting while one is in progress asks first.

use super::session::use_logger;
use crate::model::records::Log;
use crate::pages::starter::{ReplaceDialog, Starter};
use crate::replica::{new_id, now_ms};
use crate::workout::start::{empty, from_log, from_template, next_workout};
use crate::workout::ActiveSession;
use leptos::prelude::*;

/// Sessions offered to repeat.
const RECENT: usize = 5;

#[component]
pub fn StartPanel() -> impl IntoView {
    let l = use_logger();
    let starter = Starter::new(|| ());
    let begin = move |session: Option<ActiveSession>| {
        if let Some(session) = session {
            starter.begin(session);
        }
    };
    let disabled = move || !l.live.get();
    let start_empty = move |_| begin(Some(empty(new_id(), now_ms())));
    let start_template = move |workout_id: String| {
        let program = l.program.get_untracked();
        let session = l
            .replica
            .query(|q| from_template(&program, q, &workout_id, &mut new_id, now_ms()))
            .flatten();
        begin(session);
    };
    // Read from the replica only once the page may (never while hydrating: the server
    // rendered without them).
    let next = Memo::new(move |_| {
        if !l.live.get() {
            return None;
        }
        let program = l.program.get();
        l.replica
            .query(|q| next_workout(&program, q).map(|w| (w.id.clone(), w.title.clone())))
            .flatten()
    });
    let recent = Memo::new(move |_| {
        if !l.live.get() {
            return Vec::new();
        }
        l.replica
            .query(|q| {
                q.logs_by_date(..)
                    .rev()
                    .take(RECENT)
                    .map(|log: &Log| {
                        (
                            log.id.clone(),
                            log.workout_title.clone().unwrap_or_default(),
                            log.session_date.unwrap_or_default(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let repeat = move |log_id: String| {
        let session = l
            .replica
            .query(|q| from_log(q, &log_id, &mut new_id, now_ms()))
            .flatten();
        begin(session);
    };
    let heading = move || {
        if l.replica.state.active.with(Option::is_some) {
            "Or start another"
        } else {
            "Start a workout"
        }
    };
    view! {
        <h1>{heading}</h1>
        <ReplaceDialog starter />
        <section class="card start">
            <button type="button" class="primary big" data-testid="start-empty" disabled=disabled on:click=start_empty>
                "Start an empty workout"
            </button>
            {move || {
                next.get()
                    .map(|(id, title)| {
                        view! {
                            <button
                                type="button"
                                class="big"
                                data-testid="start-next"
                                disabled=disabled
                                on:click=move |_| start_template(id.clone())
                            >
                                {format!("Start next: {title}")}
                            </button>
                        }
                    })
            }}
        </section>
        <section class="card">
            <h2>"Templates"</h2>
            {move || {
                let workouts = l.program.with(|p| {
                    p.workouts
                        .iter()
                        .map(|w| (w.id.clone(), w.title.clone(), w.exercises.len()))
                        .collect::<Vec<_>>()
                });
                if workouts.is_empty() {
                    return view! {
                        <p class="empty">
                            "No templates yet. " <a href="/programs">"Build a program"</a>
                            " to start from one, or start an empty workout."
                        </p>
                    }
                        .into_any();
                }
                view! {
                    <ul class="template-list" data-testid="templates">
                        {workouts
                            .into_iter()
                            .map(|(id, title, count)| {
                                let label = format!("Start {title}");
                                view! {
                                    <li>
                                        <span>
                                            <strong data-testid="template-title">{title}</strong>
                                            <span class="muted">
                                                {format!(
                                                    "{count} exercise{}",
                                                    if count == 1 { "" } else { "s" },
                                                )}
                                            </span>
                                        </span>
                                        <button
                                            type="button"
                                            data-testid="start-template"
                                            aria-label=label
                                            disabled=disabled
                                            on:click=move |_| start_template(id.clone())
                                        >
                                            "Start"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <Show when=move || !recent.with(Vec::is_empty)>
            <section class="card">
                <h2>"Repeat a recent session"</h2>
                <ul class="template-list">
                    {move || {
                        recent
                            .get()
                            .into_iter()
                            .map(|(id, title, date)| {
                                view! {
                                    <li>
                                        <span>
                                            <strong>{title.clone()}</strong>
                                            <span class="muted" data-testid="recent-date">{day(date)}</span>
                                        </span>
                                        <button
                                            type="button"
                                            data-testid="repeat-log"
                                            aria-label=format!("Repeat {title}")
                                            disabled=disabled
                                            on:click=move |_| repeat(id.clone())
                                        >
                                            "Repeat"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}

/// A session's date, written as every page writes it ("Sat 7 Feb 2026"), on the user's
/// calendar.
pub fn day(epoch_ms: i64) -> String {
    crate::live::zone::zone_here().day(epoch_ms).long()
}
