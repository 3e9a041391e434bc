//! `/history/:id` — one logged session: its exercises and sets, volume, duration and the
//! records it set. In the browser it is edited in place (every edit a replica write,
//! synced like any other), deleted, repeated or saved as a template.

use crate::live::figures::{live, on_server, status_of};
use crate::live::settings::{use_settings, ServerSettings};
use crate::local::edit::{create, delete, next_order, update};
use crate::model::tables::{log_exercise, log_exercise_sets as sets, logs};
use crate::model::{SetType, Tracking, WeightUnit};
use crate::pages::format::{duration, record_text, volume};
use crate::pages::format::{field, parse_number, show_number};
use crate::pages::shell::confirm;
use crate::pages::starter::StartButton;
use crate::programs::{edits, Program};
use crate::replica::{new_id, now_ms, ReplicaSlot};
use crate::stats::history::{session_detail, DetailSet, SessionDetail};
use crate::workout::start::from_log;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use std::sync::Arc;

#[component]
pub fn SessionPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let server = Resource::new(
        move || id.get(),
        |id| async move {
            let key = format!("session {id}");
            let found = on_server(key, move |q, s| session_detail(q, s, &id)).await;
            status_of(&found);
            found
        },
    );
    let settings = expect_context::<ServerSettings>().0;
    view! {
        <Title text="Session · History · EzLift" />
        <p class="crumbs"><a href="/history">"← History"</a></p>
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                let _ = settings.await;
                view! { <Session server=data id=id.get_untracked() /> }
            })}
        </Suspense>
    }
}

/// `server`: `None` when the server did not render it (client navigation), `Some(None)`
/// when the session does not exist.
#[component]
fn Session(server: Option<Option<SessionDetail>>, id: String) -> impl IntoView {
    let log_id = StoredValue::new(id);
    let live = live(server, move |q, s| {
        session_detail(q, s, &log_id.get_value())
    });
    let (detail, replica) = (live.figures, live.replica);
    let readable = replica.readable();
    let settings = use_settings();
    let unit = Signal::derive(move || settings.get().weight_unit);
    let exists = move || detail.with(|d| matches!(d, Some(Some(_))));
    let missing = move || detail.with(|d| matches!(d, Some(None)));
    let editable = Signal::derive(move || readable.get() && exists());
    let write = move |ops| {
        if editable.get_untracked() {
            replica.write(ops);
        }
    };
    let d = move || detail.get().flatten();
    let title = field(move || d().map(|d| d.line.title).unwrap_or_default());
    let notes = field(move || d().map(|d| d.notes).unwrap_or_default());
    // The shape (exercises and their sets' ids) changes only when one is added or
    // removed; values update in place, so an edit never rebuilds the inputs being typed in.
    let shape = Memo::new(move |_| {
        d().map(|d| {
            d.exercises
                .iter()
                .map(|e| {
                    (
                        e.entry_id.clone(),
                        e.exercise_id.clone(),
                        e.name.clone(),
                        e.tracking,
                        e.sets.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
    });
    // Thread-safe storage: a page rendered on the server may be dropped on another thread
    // (a client gone mid-response), which a local (`SendWrapper`) value would panic on.
    let navigate = StoredValue::new(use_navigate());
    let remove = move |_| {
        if confirm("Delete this session? It is removed from every device.") {
            write(vec![delete(logs::TABLE, &log_id.get_value())]);
            navigate.with_value(|go| go("/history", Default::default()));
        }
    };
    let save_template = move |_| {
        let Some(detail) = d() else { return };
        let made = replica.query(|q| {
            let program = Program::from_index(q);
            edits::save_as_template(&program, &detail, &mut new_id, now_ms())
        });
        if let Some((workout_id, ops)) = made {
            write(ops);
            navigate.with_value(|go| {
                go(
                    &format!("/programs/workouts/{workout_id}"),
                    Default::default(),
                )
            });
        }
    };
    let repeat = Arc::new(move |q: &crate::local::Query| {
        from_log(q, &log_id.get_value(), &mut new_id, now_ms())
    });
    let on_title = move |ev| {
        let v = event_target_value(&ev).trim().to_owned();
        write(vec![update(
            logs::TABLE,
            &log_id.get_value(),
            [logs::workout_title.to(v)],
            now_ms(),
        )]);
    };
    let on_notes = move |ev| {
        write(vec![update(
            logs::TABLE,
            &log_id.get_value(),
            [logs::notes.to(event_target_value(&ev))],
            now_ms(),
        )]);
    };
    view! {
        <Show when=missing>
            <section class="card empty-state" data-testid="session-missing">
                <h1>"Session not found"</h1>
                <p>"It was deleted, or it is not yours. "<a href="/history">"Back to history"</a></p>
            </section>
        </Show>
        <Show when=move || detail.with(Option::is_none)>
            <p class="empty">"Loading the session…"</p>
        </Show>
        <Show when=exists>
            <div class="session-head">
                <input
                    class="session-title"
                    aria-label="Title"
                    data-testid="session-title"
                    value=title
                    prop:value=title
                    disabled=move || !editable.get()
                    on:change=on_title
                />
            </div>
            {move || d().map(|d| {
                let u = unit.get();
                view! {
                    <p class="muted" data-testid="session-date">{d.line.day.long()}</p>
                    <dl class="figures">
                        <div><dt>"Duration"</dt><dd data-testid="session-duration">{duration(d.line.duration)}</dd></div>
                        <div><dt>"Volume"</dt><dd data-testid="session-volume">{volume(d.line.volume, u)}</dd></div>
                        <div><dt>"Sets"</dt><dd data-testid="session-sets">{d.line.sets}</dd></div>
                    </dl>
                    <section class="card">
                        <h2>"Records set"</h2>
                        {if d.records.is_empty() {
                            view! { <p class="empty">"No new records in this session."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="records">
                                    {d.records.iter().map(|r| view! {
                                        <li data-testid="session-pr">
                                            <a href=format!("/exercises/{}", r.exercise_id)>{r.exercise.clone()}</a>
                                            " · "{record_text(r.kind, r.value, u)}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }
            })}
            <div class="log-exercises">
                <For each=move || shape.get() key=|e| (e.0.clone(), e.4.clone()) let:e>
                    <ExerciseBlock
                        entry_id=e.0
                        exercise_id=e.1
                        name=e.2
                        tracking=e.3
                        set_ids=e.4
                        detail
                        unit
                        editable
                        replica
                    />
                </For>
            </div>
            <label class="stack">
                <span>"Notes"</span>
                <textarea
                    data-testid="session-notes"
                    prop:value=notes
                    disabled=move || !editable.get()
                    on:change=on_notes
                >
                    // The text a page without JavaScript (or still hydrating) shows.
                    {untrack(notes)}
                </textarea>
            </label>
            <div class="toolbar session-actions">
                <StartButton label="Repeat".into() make=repeat.clone() testid="repeat-session" />
                <button type="button" data-testid="save-template" disabled=move || !editable.get() on:click=save_template>
                    "Save as template"
                </button>
                <button type="button" class="danger" data-testid="delete-session" disabled=move || !editable.get() on:click=remove>
                    "Delete"
                </button>
            </div>
        </Show>
    }
}

/// One exercise of the session with its sets, editable in place.
#[component]
#[allow(clippy::too_many_arguments)]
fn ExerciseBlock(
    entry_id: String,
    exercise_id: String,
    name: String,
    tracking: Tracking,
    set_ids: Vec<String>,
    detail: Signal<Option<Option<SessionDetail>>>,
    unit: Signal<WeightUnit>,
    editable: Signal<bool>,
    replica: ReplicaSlot,
) -> impl IntoView {
    let entry = StoredValue::new(entry_id.clone());
    let set_of = move |id: &str| -> Option<DetailSet> {
        detail.with(|d| {
            d.as_ref()?
                .as_ref()?
                .exercises
                .iter()
                .flat_map(|e| &e.sets)
                .find(|s| s.id == id)
                .cloned()
        })
    };
    let write = move |ops| {
        if editable.get_untracked() {
            replica.write(ops);
        }
    };
    let add_set = move |_| {
        let last = detail.with_untracked(|d| {
            d.as_ref()
                .and_then(Option::as_ref)
                .and_then(|d| d.exercises.iter().find(|e| e.entry_id == entry.get_value()))
                .map(|e| {
                    (
                        e.sets.last().cloned(),
                        next_order(e.sets.iter().map(|s| s.order)),
                    )
                })
        });
        let Some((last, order)) = last else { return };
        let l = last.unwrap_or_default();
        write(vec![create(
            sets::TABLE,
            &new_id(),
            [
                sets::log_exercise_id.to(entry.get_value()),
                sets::order.to(order),
                sets::set_type.to(SetType::Normal.as_str().to_owned()),
                sets::reps.to(l.reps),
                sets::weight.to(l.weight),
                sets::duration.to(l.duration),
                sets::distance.to(l.distance),
                sets::rpe.to(None),
                sets::completed.to(true),
                sets::notes.to(String::new()),
            ],
        )]);
    };
    let remove_exercise = move |_| {
        if confirm("Remove this exercise and its sets from the session?") {
            write(vec![delete(log_exercise::TABLE, &entry.get_value())]);
        }
    };
    let rows = set_ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let sid = StoredValue::new(id.clone());
            let value = move |f: fn(&DetailSet, WeightUnit) -> Option<f64>| {
                field(move || {
                    show_number(set_of(&sid.get_value()).and_then(|s| f(&s, unit.get())))
                })
            };
            let weight = value(|s, u| s.weight.map(|w| u.show(w)));
            let reps = value(|s, _| s.reps.map(|r| r as f64));
            let secs = value(|s, _| s.duration.map(|d| d as f64));
            let metres = value(|s, _| s.distance);
            let done = Memo::new(move |_| set_of(&sid.get_value()).is_some_and(|s| s.completed));
            let kind = Memo::new(move |_| {
                set_of(&sid.get_value()).map_or(SetType::Normal, |s| s.set_type)
            });
            let save = move |f: crate::model::Field| {
                write(vec![update(sets::TABLE, &sid.get_value(), [f], now_ms())]);
            };
            let number = move |ev: leptos::ev::Event| parse_number(&event_target_value(&ev)).ok();
            let on_weight = move |ev| {
                if let Some(v) = number(ev) {
                    save(sets::weight.to(v.map(|v| unit.get_untracked().to_kg(v))));
                }
            };
            let on_reps = move |ev| {
                if let Some(v) = number(ev) {
                    save(sets::reps.to(v.map(|v| v.round() as i64)));
                }
            };
            let on_secs = move |ev| {
                if let Some(v) = number(ev) {
                    save(sets::duration.to(v.map(|v| v.round() as i64)));
                }
            };
            let on_metres = move |ev| {
                if let Some(v) = number(ev) {
                    save(sets::distance.to(v));
                }
            };
            let n = i + 1;
            view! {
                <tr data-testid="history-set">
                    <td>
                        <select
                            class="set-type"
                            aria-label=format!("Set {n} type")
                            disabled=move || !editable.get()
                            on:change=move |ev| save(sets::set_type.to(event_target_value(&ev)))
                        >
                            {SetType::ALL.map(|t| view! {
                                <option value=t.as_str() selected=move || kind.get() == t>{t.label()}</option>
                            }).collect_view()}
                        </select>
                    </td>
                    {tracking.has_weight().then(|| view! {
                        <td><input class="short" inputmode="decimal" aria-label=format!("Set {n} weight") data-testid="history-weight"
                            value=weight prop:value=weight disabled=move || !editable.get() on:change=on_weight /></td>
                    })}
                    {tracking.has_reps().then(|| view! {
                        <td><input class="short" inputmode="numeric" aria-label=format!("Set {n} reps") data-testid="history-reps"
                            value=reps prop:value=reps disabled=move || !editable.get() on:change=on_reps /></td>
                    })}
                    {tracking.has_duration().then(|| view! {
                        <td><input class="short" inputmode="numeric" aria-label=format!("Set {n} seconds")
                            value=secs prop:value=secs disabled=move || !editable.get() on:change=on_secs /></td>
                    })}
                    {tracking.has_distance().then(|| view! {
                        <td><input class="short" inputmode="decimal" aria-label=format!("Set {n} metres")
                            value=metres prop:value=metres disabled=move || !editable.get() on:change=on_metres /></td>
                    })}
                    <td>
                        <input type="checkbox" aria-label=format!("Set {n} done") checked=done prop:checked=done
                            disabled=move || !editable.get()
                            on:change=move |ev| save(sets::completed.to(event_target_checked(&ev))) />
                    </td>
                    <td>
                        <button type="button" class="link-button" aria-label=format!("Delete set {n}")
                            disabled=move || !editable.get()
                            on:click=move |_| write(vec![delete(sets::TABLE, &sid.get_value())])>"✕"</button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let unit_label = move || unit.get().label();
    view! {
        <section class="card log-exercise" data-testid="history-exercise">
            <div class="routine-head">
                <h2><a href=format!("/exercises/{exercise_id}")>{name}</a></h2>
                <button type="button" class="link-button" disabled=move || !editable.get() on:click=remove_exercise>"Remove"</button>
            </div>
            <div class="table-wrap">
                <table class="sets compact-sets">
                    <thead>
                        <tr>
                            <th scope="col">"Type"</th>
                            {tracking.has_weight().then(|| view! { <th scope="col">{unit_label}</th> })}
                            {tracking.has_reps().then(|| view! { <th scope="col">"Reps"</th> })}
                            {tracking.has_duration().then(|| view! { <th scope="col">"Sec"</th> })}
                            {tracking.has_distance().then(|| view! { <th scope="col">"m"</th> })}
                            <th scope="col">"Done"</th>
                            <th scope="col"><span class="sr-only">"Delete"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <button type="button" class="add-set" disabled=move || !editable.get() on:click=add_set>"+ Add set"</button>
        </section>
    }
}
