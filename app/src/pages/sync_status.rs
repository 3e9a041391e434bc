//! The sync status control in the header: state, what waits, retry, first-sync progress,
//! the changes the server refused, and what other devices changed or deleted of what this
//! one showed.

use crate::replica::{use_replica, FirstSync, SyncPhase, SyncStatus};
use leptos::prelude::*;

/// The status control in the header: state, what waits, retry, and first-sync progress.
#[component]
pub fn SyncIndicator() -> impl IntoView {
    let replica = use_replica();
    let status = replica.state.status;
    let error = move || match status.get().phase {
        SyncPhase::Error(message) => Some(message),
        _ => None,
    };
    view! {
        <div class="sync" data-testid="sync-status" data-state=move || status.with(SyncStatus::state)
            data-pending=move || status.with(|s| s.pending.to_string())>
            <span class="sync-label" role="status" aria-live="polite" title=error>
                {move || status.with(SyncStatus::label)}
            </span>
            <button
                type="button"
                class="link-button"
                data-testid="sync-now"
                on:click=move |_| replica.sync_now()
            >
                {move || if error().is_some() { "Retry" } else { "Sync now" }}
            </button>
            <RefusedChanges status=status />
            <NoticedChanges status=status />
            {move || {
                status
                    .get()
                    .first_sync
                    .map(|step| {
                        view! {
                            <div class="first-sync" data-testid="first-sync">
                                <progress max=FirstSync::STEPS value=step.step()>
                                    {step.label()}
                                </progress>
                                <span>{step.label()}</span>
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// What a record of `table` is, in the user's words.
fn record_noun(table: &str) -> &'static str {
    match table {
        "user_settings" => "Settings",
        "routines" => "Routine",
        "workouts" => "Workout",
        "routine_workouts" => "Workout in a routine",
        "workout_exercise" => "Exercise in a workout",
        "workout_exercise_sets" => "Set in a workout",
        "logs" => "Logged session",
        "log_exercise" => "Exercise in a session",
        "log_exercise_sets" => "Set in a session",
        "custom_exercises" => "Custom exercise",
        _ => "Record",
    }
}

/// The changes the server refused: what, why, and a way to drop each.
#[component]
fn RefusedChanges(status: RwSignal<SyncStatus>) -> impl IntoView {
    let replica = use_replica();
    move || {
        let refused = status.with(|s| s.refused.clone());
        (!refused.is_empty()).then(|| {
            let items = refused
                .into_iter()
                .map(|entry| {
                    let title = entry
                        .record
                        .raw
                        .get("title")
                        .or_else(|| entry.record.raw.get("name"))
                        .and_then(|v| v.as_str())
                        .map(|t| format!(" “{t}”"))
                        .unwrap_or_default();
                    let what = format!("{}{title}", record_noun(&entry.table));
                    let (table, id) = (entry.table.clone(), entry.id().to_owned());
                    view! {
                        <li data-testid="refused-change">
                            <span class="refused-what">{what}</span>
                            <span class="refused-why">{entry.reason}</span>
                            <button
                                type="button"
                                class="link-button"
                                data-testid="discard-refused"
                                on:click=move |_| replica.discard(table.clone(), id.clone())
                            >
                                "Discard"
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <details class="sync-refused" data-testid="sync-refused">
                    <summary>"Not accepted by the server"</summary>
                    <p>"These changes stay on this device and are not sent until you edit or discard them."</p>
                    <ul>{items}</ul>
                </details>
            }
        })
    }
}

/// Other devices' edits and deletes that reached this one: what, and for a delete the
/// way back, until the user dismisses the list.
#[component]
fn NoticedChanges(status: RwSignal<SyncStatus>) -> impl IntoView {
    move || {
        let noticed = status.with(|s| s.noticed.clone());
        (!noticed.is_empty()).then(|| {
            let removed = noticed.iter().any(|n| n.removed);
            let items = noticed
                .into_iter()
                .map(|n| {
                    let what = format!("{} “{}”", n.kind.label(), n.title);
                    let how = if n.removed {
                        " was deleted on another device"
                    } else {
                        " was changed on another device"
                    };
                    view! { <li data-testid="noticed-change"><strong>{what}</strong>{how}</li> }
                })
                .collect_view();
            view! {
                <details class="sync-noticed" data-testid="sync-noticed" open>
                    <summary>"Changed on another device"</summary>
                    <ul>{items}</ul>
                    {removed.then(|| view! {
                        <p><a href="/deleted" data-testid="noticed-to-deleted">"Deleted by mistake? Restore it"</a></p>
                    })}
                    <button
                        type="button"
                        class="link-button"
                        data-testid="dismiss-noticed"
                        on:click=move |_| status.update(|s| s.noticed.clear())
                    >
                        "Dismiss"
                    </button>
                </details>
            }
        })
    }
}
