//! The session being logged: title and notes, exercises with their sets, adding
//! exercises, finishing (with the unticked-sets question) and discarding; then the
//! summary with the records the session set.

use super::session::{use_logger, ExerciseInfo};
use crate::model::{SetType, Tracking};
use crate::pages::format::record_text;
use crate::pages::format::{parse_number, show_number};
use crate::pages::plates::PlateCalculator;
use crate::pages::shell::{clock, ticking_now};
use crate::replica::{new_id, now_ms};
use crate::stats::Catalog;
use crate::workout::finish::{finish_ops, performed, summary, template_update, Unticked};
use crate::workout::progression::{best_one_rm, for_planned, Target};
use crate::workout::start::{new_exercise, previous_sets, PreviousSet};
use crate::workout::{ActiveSession, ActiveSet, Edit, SetField};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Exercises listed by a search at once.
const SHOWN: usize = 10;

/// The active session's value picked by `f`, changing only when that value changes.
fn pick<T: Clone + PartialEq + Send + Sync + 'static>(
    f: impl Fn(&ActiveSession) -> T + Send + Sync + 'static,
) -> Memo<Option<T>> {
    let l = use_logger();
    Memo::new(move |_| l.replica.state.active.with(|a| a.as_ref().map(&f)))
}

#[component]
pub fn ActiveLogger() -> impl IntoView {
    let l = use_logger();
    let now = ticking_now();
    let started = pick(|s| s.started_at);
    let title = pick(|s| s.title.clone());
    let notes = pick(|s| s.notes.clone());
    let exercise_ids = pick(|s| s.exercises.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
    let confirming = RwSignal::new(None::<Confirm>);
    let finish = move |_| {
        let unticked = l
            .replica
            .state
            .active
            .with_untracked(|a| a.as_ref().map_or(0, |s| s.unticked()));
        if unticked > 0 {
            confirming.set(Some(Confirm::Unticked(unticked)));
        } else {
            confirming.set(Some(Confirm::Finish));
        }
    };
    view! {
        <div class="logger" data-testid="logger">
            <div class="session-head">
                <input
                    class="session-title"
                    type="text"
                    aria-label="Workout title"
                    data-testid="session-title"
                    value=move || title.get().unwrap_or_default()
                    prop:value=move || title.get().unwrap_or_default()
                    on:change=move |ev| l.replica.edit_active(Edit::Title(event_target_value(&ev)))
                />
                <span class="elapsed-big" data-testid="session-elapsed" aria-label="Elapsed time">
                    {move || match (started.get(), now.get()) {
                        (Some(s), t) if t > 0 => clock((t - s) / 1000),
                        _ => String::new(),
                    }}
                </span>
            </div>
            <textarea
                class="session-notes"
                aria-label="Workout notes"
                placeholder="Notes"
                data-testid="session-notes"
                prop:value=move || notes.get().unwrap_or_default()
                on:change=move |ev| l.replica.edit_active(Edit::Notes(event_target_value(&ev)))
            >
                {untrack(move || notes.get().unwrap_or_default())}
            </textarea>
            <ol class="log-exercises">
                <For each=move || exercise_ids.get().unwrap_or_default() key=|id| id.clone() let:id>
                    <ExerciseCard id />
                </For>
            </ol>
            <AddExercise />
            <div class="finish-bar">
                <button type="button" class="primary big" data-testid="finish" on:click=finish>
                    "Finish workout"
                </button>
                <button
                    type="button"
                    class="danger"
                    data-testid="discard"
                    on:click=move |_| confirming.set(Some(Confirm::Discard))
                >
                    "Discard"
                </button>
            </div>
            {move || confirming.get().map(|c| view! { <ConfirmPanel confirm=c on_close=move || confirming.set(None) /> })}
            <details class="card start-other" data-testid="start-other">
                <summary>"Start a different workout"</summary>
                <super::start::StartPanel />
            </details>
        </div>
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Confirm {
    Finish,
    Unticked(usize),
    Discard,
}

#[component]
fn ConfirmPanel(
    confirm: Confirm,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let l = use_logger();
    let finish = move |choice: Unticked| {
        let Some(active) = l.replica.state.active.get_untracked() else {
            on_close();
            return;
        };
        let now = now_ms();
        let template = l
            .program
            .with_untracked(|p| template_update(&performed(&active, choice), p, &mut new_id, now));
        let ops = finish_ops(&active, choice, now);
        l.finished.set(Some((active.id.clone(), template)));
        l.replica.finish_session(ops);
        on_close();
    };
    let body = match confirm {
        Confirm::Finish => view! {
            <p>"Finish and save this workout?"</p>
            <div class="actions">
                <button type="button" class="primary" data-testid="confirm-finish" on:click=move |_| finish(Unticked::Discard)>"Finish"</button>
                <button type="button" on:click=move |_| on_close()>"Keep logging"</button>
            </div>
        }
        .into_any(),
        Confirm::Unticked(n) => view! {
            <p>{format!("{n} set{} not ticked.", if n == 1 { " is" } else { "s are" })}</p>
            <div class="actions">
                <button type="button" data-testid="discard-unticked" on:click=move |_| finish(Unticked::Discard)>"Discard them and finish"</button>
                <button type="button" class="primary" data-testid="complete-unticked" on:click=move |_| finish(Unticked::MarkDone)>"Mark them done and finish"</button>
                <button type="button" on:click=move |_| on_close()>"Keep logging"</button>
            </div>
        }
        .into_any(),
        Confirm::Discard => view! {
            <p>"Discard this workout? Nothing of it will be saved."</p>
            <div class="actions">
                <button
                    type="button"
                    class="danger"
                    data-testid="confirm-discard"
                    on:click=move |_| {
                        l.replica.edit_active(Edit::Clear);
                        on_close();
                    }
                >
                    "Discard workout"
                </button>
                <button type="button" on:click=move |_| on_close()>"Keep logging"</button>
            </div>
        }
        .into_any(),
    };
    // A sheet over the page (above the tab bar), its first button focused: on a phone the
    // question appears where the thumb is, whatever the scroll position.
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(first) = panel
            .get()
            .and_then(|p| p.query_selector("button").ok().flatten())
        {
            use wasm_bindgen::JsCast;
            if let Ok(button) = first.dyn_into::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        }
    });
    view! {
        <div class="sheet-backdrop" on:click=move |_| on_close()>
            <div
                class="card confirm sheet"
                role="alertdialog"
                aria-modal="true"
                aria-label="Confirm"
                data-testid="confirm"
                node_ref=panel
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_close();
                    }
                }
            >
                {body}
            </div>
        </div>
    }
}

#[component]
fn ExerciseCard(id: String) -> impl IntoView {
    let l = use_logger();
    let eid = StoredValue::new(id.clone());
    let exercise = pick(move |s| {
        s.exercise(&eid.get_value()).map(|e| {
            (
                e.exercise_id.clone(),
                e.notes.clone(),
                e.rest_time,
                e.superset_group,
            )
        })
    });
    let set_ids = pick(move |s| {
        s.exercise(&eid.get_value())
            .map(|e| e.sets.iter().map(|x| x.id.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let exercise_id = move || exercise.get().flatten().map(|e| e.0).unwrap_or_default();
    let info = Memo::new(move |_| l.info(&exercise_id()));
    let previous = Memo::new(move |_| {
        let id = exercise_id();
        l.replica
            .query(|q| previous_sets(q, &id))
            .unwrap_or_default()
    });
    let name = move || info.with(|i| i.name.clone());
    let notes = move || exercise.get().flatten().map(|e| e.1).unwrap_or_default();
    let rest = move || {
        exercise
            .get()
            .flatten()
            .and_then(|e| e.2)
            .map(|r| r.to_string())
            .unwrap_or_default()
    };
    let group = move || {
        exercise
            .get()
            .flatten()
            .and_then(|e| e.3)
            .map(|g| g.to_string())
            .unwrap_or_default()
    };
    let edit = move |e: Edit| l.replica.edit_active(e);
    let whole = move |text: String| text.trim().parse::<i64>().ok().filter(|v| *v >= 0);
    let f = |what: &str| format!("{what}-{id}");
    // A barbell's weight is plates on a bar: the calculator and warm-ups are for
    // exercises whose weight is a load.
    let loads_plates = move || info.with(|i| i.tracking == Tracking::WeightReps);
    let current = pick(move |s| s.exercise(&eid.get_value()).cloned());
    let working = Signal::derive(move || current.get().flatten().and_then(|e| e.working_weight()));
    // What the template's rule suggests for each of its sets (weights and reps only), by
    // template set id: the sets' own values do not change it.
    let planned_id = pick(move |s| {
        s.exercise(&eid.get_value())
            .and_then(|e| e.planned_id.clone())
    });
    let suggested = Memo::new(move |_| {
        let Some(planned_id) = planned_id.get().flatten().filter(|_| loads_plates()) else {
            return BTreeMap::new();
        };
        let settings = l.settings.get();
        let best_one_rm = || {
            let exercise = exercise_id();
            l.library.with(|library| {
                l.replica
                    .query(|q| {
                        best_one_rm(q, &Catalog::new(library, q), &exercise, settings.one_rm)
                    })
                    .flatten()
            })
        };
        l.program.with(|program| {
            let Some((_, planned)) = program.planned(&planned_id) else {
                return BTreeMap::new();
            };
            previous.with(|previous| for_planned(planned, previous, best_one_rm, &settings.plates))
        })
    });
    let warm_up = move || {
        let Some(exercise) = current.get_untracked().flatten() else {
            return;
        };
        let s = l.settings.get_untracked();
        if let Some(e) = exercise.warm_ups(&s.plates, &s.warm_up_ramp, new_id) {
            edit(e);
        }
    };
    let headers = move || {
        let (tracking, s) = (info.with(|i| i.tracking), l.settings.get());
        let w = s.weight_unit.label();
        let mut cols: Vec<String> = Vec::new();
        match tracking {
            Tracking::WeightReps => cols.extend([w.to_owned(), "Reps".into()]),
            Tracking::Reps => cols.extend([format!("+{w}"), "Reps".into()]),
            Tracking::Assisted => cols.extend([format!("−{w}"), "Reps".into()]),
            Tracking::Duration => cols.push("Time".into()),
            Tracking::DistanceDuration => {
                cols.extend([s.distance_unit.label().to_owned(), "Time".into()])
            }
        }
        cols
    };
    view! {
        <li class="card exercise log-exercise" data-testid="log-exercise">
            <div class="routine-head">
                <h2 data-testid="log-exercise-name">
                    <a href=move || format!("/exercises/{}", exercise_id())>{name}</a>
                </h2>
                <span class="actions" role="group" aria-label=move || format!("Exercise {}", name())>
                    <button type="button" aria-label=move || format!("Move {} up", name()) on:click=move |_| edit(Edit::MoveExercise(eid.get_value(), -1))>"↑"</button>
                    <button type="button" aria-label=move || format!("Move {} down", name()) on:click=move |_| edit(Edit::MoveExercise(eid.get_value(), 1))>"↓"</button>
                    <button type="button" class="danger" aria-label=move || format!("Remove {}", name()) on:click=move |_| edit(Edit::RemoveExercise(eid.get_value()))>"Remove"</button>
                </span>
            </div>
            <details class="exercise-more">
                <summary>"Notes, rest, superset"</summary>
                <div class="inline-fields">
                    <label for=f("rest")>"Rest (s)"</label>
                    <input id=f("rest") type="text" inputmode="numeric" class="short" value=rest prop:value=rest
                        on:change=move |ev| edit(Edit::ExerciseRest(eid.get_value(), whole(event_target_value(&ev)))) />
                    <label for=f("group")>"Superset"</label>
                    <input id=f("group") type="text" inputmode="numeric" class="short" value=group prop:value=group
                        on:change=move |ev| edit(Edit::Superset(eid.get_value(), whole(event_target_value(&ev)))) />
                </div>
                <label for=f("notes")>"Notes"</label>
                <input id=f("notes") type="text" value=notes prop:value=notes
                    on:change=move |ev| edit(Edit::ExerciseNotes(eid.get_value(), event_target_value(&ev))) />
            </details>
            <table class="sets log-sets">
                <thead>
                    <tr>
                        <th scope="col">"Set"</th>
                        <th scope="col">"Previous"</th>
                        {move || headers().into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
                        <th scope="col">"RPE"</th>
                        <th scope="col"><span class="sr-only">"Done"</span>"✓"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || set_ids.get().unwrap_or_default() key=|id| id.clone() let:set_id>
                        <SetRow set_id info previous suggested />
                    </For>
                </tbody>
            </table>
            <button type="button" class="add-set" data-testid="log-add-set"
                on:click=move |_| edit(Edit::AddSet { exercise: eid.get_value(), id: new_id() })>
                "+ Add set"
            </button>
            <Show when=loads_plates>
                <details class="exercise-more" data-testid="log-plates">
                    <summary>"Plates and warm-up"</summary>
                    <PlateCalculator weight=working settings=l.settings id=eid.get_value() />
                    <button type="button" class="add-set" data-testid="log-warm-ups"
                        disabled=move || working.get().is_none()
                        on:click=move |_| warm_up()>
                        "+ Warm-up sets"
                    </button>
                </details>
            </Show>
        </li>
    }
}

/// A set's "previous" value as the logger shows it, in the user's units.
fn previous_text(p: &PreviousSet, tracking: Tracking, s: &crate::settings::Settings) -> String {
    let w = |kg: f64| {
        format!(
            "{} {}",
            show_number(Some(s.weight_unit.show(kg))),
            s.weight_unit.label()
        )
    };
    let reps = p.reps.map(|r| r.to_string());
    match tracking {
        Tracking::WeightReps | Tracking::Reps | Tracking::Assisted => {
            match (p.weight.filter(|w| *w > 0.0), reps) {
                (Some(kg), Some(r)) => format!(
                    "{}{} × {r}",
                    if tracking == Tracking::Assisted {
                        "−"
                    } else {
                        ""
                    },
                    w(kg)
                ),
                (None, Some(r)) => format!("{r} reps"),
                (Some(kg), None) => w(kg),
                (None, None) => "—".into(),
            }
        }
        Tracking::Duration => p.duration.map(clock).unwrap_or_else(|| "—".into()),
        Tracking::DistanceDuration => {
            let d = p.distance.map(|m| {
                format!(
                    "{} {}",
                    show_number(Some(s.distance_unit.show(m))),
                    s.distance_unit.label()
                )
            });
            match (d, p.duration.map(clock)) {
                (Some(d), Some(t)) => format!("{d} in {t}"),
                (Some(d), None) => d,
                (None, Some(t)) => t,
                (None, None) => "—".into(),
            }
        }
    }
}

/// Reads `m:ss`, `h:mm:ss` or plain seconds.
fn parse_duration(text: &str) -> Result<Option<f64>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let mut total = 0_i64;
    for part in t.split(':') {
        let v: i64 = part.trim().parse().map_err(|_| ())?;
        if v < 0 {
            return Err(());
        }
        total = total * 60 + v;
    }
    Ok(Some(total as f64))
}

/// Moves the focus to the next input of the logger (Enter in a set's field).
fn focus_next(ev: &leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if ev.key() != "Enter" {
            return;
        }
        ev.prevent_default();
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(list) = doc.query_selector_all(".logger input.num") else {
            return;
        };
        let current = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
        let nodes: Vec<web_sys::HtmlElement> = (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
            .collect();
        if let Some(cur) = current {
            if let Some(i) = nodes.iter().position(|n| n == &cur) {
                match nodes.get(i + 1) {
                    Some(next) => {
                        let _ = next.focus();
                    }
                    None => {
                        let _ = cur.blur();
                    }
                }
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Ends any edit in progress: the field being typed in saves (its change event) before
/// what follows, e.g. ticking the set right after typing its weight.
fn commit_focused_field() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.blur();
        }
    }
}

#[component]
fn SetRow(
    set_id: String,
    info: Memo<ExerciseInfo>,
    previous: Memo<Vec<PreviousSet>>,
    suggested: Memo<BTreeMap<String, Target>>,
) -> impl IntoView {
    let l = use_logger();
    let sid = StoredValue::new(set_id);
    let found = pick(move |s| {
        let (e, x) = s.set(&sid.get_value())?;
        let position = e.sets.iter().position(|y| y.id == x.id)?;
        let rest = e.rest_time;
        // Working sets are numbered as lifters count them: warm-ups before them do not.
        let number = e.sets[..=position]
            .iter()
            .filter(|y| y.set_type != SetType::Warmup)
            .count();
        Some((position, x.clone(), rest, number))
    });
    let set = move || found.get().flatten();
    let position = move || set().map_or(0, |s| s.0);
    let value = move |f: fn(&ActiveSet, &crate::settings::Settings) -> String| {
        let memo = Memo::new(move |_| {
            let s = l.settings.get();
            set().map(|x| f(&x.1, &s)).unwrap_or_default()
        });
        move || memo.get()
    };
    let weight = value(|x, s| show_number(x.weight.map(|kg| s.weight_unit.show(kg))));
    let reps = value(|x, _| x.reps.map(|r| r.to_string()).unwrap_or_default());
    let duration = value(|x, _| x.duration.map(clock).unwrap_or_default());
    let distance = value(|x, s| show_number(x.distance.map(|m| s.distance_unit.show(m))));
    let rpe = value(|x, _| show_number(x.rpe));
    let done = move || set().is_some_and(|x| x.1.done);
    let set_type = move || set().map(|x| x.1.set_type).unwrap_or_default();
    let edit = move |e: Edit| l.replica.edit_active(e);
    let save = move |field: SetField, text: String| {
        let parsed = match field {
            SetField::Duration => parse_duration(&text),
            _ => parse_number(&text).map_err(|_| ()),
        };
        let Ok(v) = parsed else { return };
        let s = l.settings.get_untracked();
        let stored = v.map(|v| match field {
            SetField::Weight => s.weight_unit.to_kg(v),
            SetField::Distance => s.distance_unit.to_m(v),
            SetField::Rpe => v.min(10.0),
            _ => v,
        });
        edit(Edit::Value {
            set: sid.get_value(),
            field,
            value: stored,
        });
    };
    let tick = move |_| {
        commit_focused_field();
        let now_done = !done();
        let rest = set()
            .and_then(|x| x.2)
            .unwrap_or_else(|| l.settings.get_untracked().default_rest);
        // What the rest alert names as next: the set the lifter moves on to.
        let next = l.replica.state.active.with_untracked(|a| {
            let (e, i) = a.as_ref()?.next_set(&sid.get_value())?;
            Some(format!("{} · set {}", l.info(&e.exercise_id).name, i + 1))
        });
        edit(Edit::Tick {
            set: sid.get_value(),
            done: now_done,
            now: now_ms(),
            rest,
            next,
        });
    };
    let label = move |what: &str| format!("Set {} {what}", position() + 1);
    // The template's suggestion while the set does not have it yet, taken with one tap.
    let suggestion = move || {
        let x = set()?.1;
        let target = suggested.with(|m| m.get(x.planned_id.as_ref()?).copied())?;
        (!x.done && (x.weight != target.weight || x.reps != target.reps)).then_some(target)
    };
    let take = move |_| {
        let Some(t) = suggestion() else { return };
        for (field, value) in [
            (SetField::Weight, t.weight),
            (SetField::Reps, t.reps.map(|r| r as f64)),
        ] {
            edit(Edit::Value {
                set: sid.get_value(),
                field,
                value,
            });
        }
    };
    let suggestion_text = move || {
        let (t, s) = (suggestion()?, l.settings.get());
        Some(format!(
            "→ {} × {}",
            show_number(t.weight.map(|w| s.weight_unit.show(w))),
            t.reps.unwrap_or_default()
        ))
    };
    let previous_shown = move || {
        let s = l.settings.get();
        previous
            .with(|p| {
                p.get(position())
                    .map(|p| previous_text(p, info.with(|i| i.tracking), &s))
            })
            .unwrap_or_else(|| "—".into())
    };
    let type_label = move || match set_type() {
        SetType::Normal => set().map_or(0, |s| s.3).to_string(),
        SetType::Warmup => "W".into(),
        SetType::Drop => "D".into(),
        SetType::Failure => "F".into(),
    };
    let on_type = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        match v.as_str() {
            "duplicate" => edit(Edit::DuplicateSet {
                set: sid.get_value(),
                id: new_id(),
            }),
            "delete" => edit(Edit::DeleteSet(sid.get_value())),
            other => edit(Edit::SetType(sid.get_value(), SetType::parse(other))),
        }
    };
    let input = move |field: SetField,
                      what: &'static str,
                      text: std::sync::Arc<dyn Fn() -> String + Send + Sync>,
                      mode: &'static str| {
        view! {
            <td>
                <input
                    type="text"
                    class="num"
                    inputmode=mode
                    enterkeyhint="next"
                    data-testid=format!("log-{what}")
                    aria-label=move || label(what)
                    value={
                        let text = text.clone();
                        move || text()
                    }
                    prop:value=move || text()
                    on:change=move |ev| save(field, event_target_value(&ev))
                    on:keydown=move |ev| focus_next(&ev)
                />
            </td>
        }
    };
    let fields = move || {
        let tracking = info.with(|i| i.tracking);
        let mut cells = Vec::new();
        if tracking.has_distance() {
            cells.push(input(
                SetField::Distance,
                "distance",
                std::sync::Arc::new(distance),
                "decimal",
            ));
        }
        if tracking.has_weight() {
            cells.push(input(
                SetField::Weight,
                "weight",
                std::sync::Arc::new(weight),
                "decimal",
            ));
        }
        if tracking.has_reps() {
            cells.push(input(
                SetField::Reps,
                "reps",
                std::sync::Arc::new(reps),
                "numeric",
            ));
        }
        if tracking.has_duration() {
            cells.push(input(
                SetField::Duration,
                "duration",
                std::sync::Arc::new(duration),
                "numeric",
            ));
        }
        cells.collect_view()
    };
    view! {
        <tr data-testid="log-set" class:done=done>
            <th scope="row">
                <label class="set-type">
                    <span class="sr-only">{move || label("type")}</span>
                    <span aria-hidden="true" class="set-badge">{type_label}</span>
                    <select data-testid="log-set-type" on:change=on_type prop:value=move || set_type().as_str()>
                        {SetType::ALL.into_iter().map(|t| view! { <option value=t.as_str() selected=move || set_type() == t>{t.label()}</option> }).collect_view()}
                        <option value="duplicate">"Duplicate set"</option>
                        <option value="delete">"Delete set"</option>
                    </select>
                </label>
            </th>
            <td class="previous">
                <span data-testid="previous">{previous_shown}</span>
                {move || suggestion_text().map(|text| {
                    let aria = format!("{}: take the suggestion {text}", label("values"));
                    view! {
                        <button type="button" class="suggestion" data-testid="suggestion"
                            aria-label=aria on:click=take>{text}</button>
                    }
                })}
            </td>
            {fields}
            <td>
                <input type="text" class="num rpe" inputmode="decimal" data-testid="log-rpe" aria-label=move || label("RPE")
                    value=rpe prop:value=rpe on:change=move |ev| save(SetField::Rpe, event_target_value(&ev)) on:keydown=move |ev| focus_next(&ev) />
            </td>
            <td>
                <button type="button" class="tick" data-testid="tick" aria-pressed=move || done().to_string()
                    aria-label=move || label("done") on:click=tick>
                    "✓"
                </button>
            </td>
        </tr>
    }
}

#[component]
fn AddExercise() -> impl IntoView {
    let l = use_logger();
    let query = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        let q = query.get();
        l.library.with(|lib| {
            l.program.with(|p| {
                p.search_exercises(lib, &q, SHOWN)
                    .into_iter()
                    .map(|e| (e.id, e.name))
                    .collect::<Vec<_>>()
            })
        })
    });
    let add = move |exercise_id: String| {
        let exercise = l
            .replica
            .query(|q| new_exercise(q, &exercise_id, &mut new_id));
        if let Some(e) = exercise {
            l.replica.edit_active(Edit::AddExercise(e));
            query.set(String::new());
        }
    };
    view! {
        <section class="card picker" data-testid="log-exercise-picker">
            <label for="log-search">"Add an exercise"</label>
            <input id="log-search" type="search" data-testid="log-exercise-search" placeholder="Search: squat, chest…" autocomplete="off"
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
            <ul class="results">
                {move || matches.get().into_iter().map(|(id, name)| {
                    view! {
                        <li>
                            <strong>{name.clone()}</strong>
                            <button type="button" aria-label=format!("Add {name}") on:click=move |_| add(id.clone())>"Add"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn Summary() -> impl IntoView {
    let l = use_logger();
    let log_id = move || {
        l.finished
            .with(|f| f.as_ref().map(|f| f.0.clone()).unwrap_or_default())
    };
    let data = Memo::new(move |_| {
        let id = log_id();
        let formula = l.settings.get().one_rm;
        l.library.with(|library| {
            l.replica
                .query(|q| summary(q, &id, formula, &Catalog::new(library, q)))
                .flatten()
        })
    });
    let template_ops = move || {
        l.finished
            .with(|f| f.as_ref().map(|f| f.1.clone()).unwrap_or_default())
    };
    let updated = RwSignal::new(false);
    let unit = move || l.settings.get().weight_unit;
    let kg = move |v: f64| format!("{} {}", show_number(Some(unit().show(v))), unit().label());
    view! {
        <section class="card summary" data-testid="summary">
            <h1>"Workout finished"</h1>
            {move || data.get().map(|s| {
                let records = s.records.iter().map(|r| {
                    let name = l.info(&r.exercise_id).name;
                    let what = record_text(r.kind, r.best.value, unit());
                    view! { <li data-testid="pr"><strong>{name}</strong>" · "{what}</li> }
                }).collect_view();
                let none = s.records.is_empty();
                view! {
                    <p class="lead" data-testid="summary-title">{s.title.clone()}</p>
                    <dl class="figures">
                        <div><dt>"Duration"</dt><dd data-testid="summary-duration">{clock(s.duration)}</dd></div>
                        <div><dt>"Volume"</dt><dd data-testid="summary-volume">{kg(s.volume)}</dd></div>
                        <div><dt>"Sets"</dt><dd data-testid="summary-sets">{s.sets}</dd></div>
                    </dl>
                    <h2>"Personal records"</h2>
                    {if none {
                        view! { <p class="empty">"No new records this time."</p> }.into_any()
                    } else {
                        view! { <ul class="records">{records}</ul> }.into_any()
                    }}
                }
            })}
            <Show when=move || !template_ops().is_empty() && !updated.get()>
                <p>"This workout differs from its template."</p>
                <button type="button" data-testid="update-template" on:click=move |_| {
                    l.replica.write(template_ops());
                    updated.set(true);
                }>"Update the template"</button>
            </Show>
            <Show when=move || updated.get()>
                <p class="hint" data-testid="template-updated">"Template updated."</p>
            </Show>
            <button type="button" class="primary" data-testid="summary-done" on:click=move |_| l.finished.set(None)>"Done"</button>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WeightUnit;
    use crate::settings::Settings;

    #[test]
    fn durations_are_read_as_clock_or_seconds() {
        assert_eq!(parse_duration("1:30"), Ok(Some(90.0)));
        assert_eq!(parse_duration("1:00:05"), Ok(Some(3605.0)));
        assert_eq!(parse_duration("45"), Ok(Some(45.0)));
        assert_eq!(parse_duration(""), Ok(None));
        assert!(parse_duration("a:1").is_err());
    }

    #[test]
    fn previous_reads_in_the_users_unit() {
        let p = PreviousSet {
            weight: Some(102.058_283_3),
            reps: Some(5),
            ..Default::default()
        };
        let lb = Settings {
            weight_unit: WeightUnit::Lb,
            ..Default::default()
        };
        assert_eq!(previous_text(&p, Tracking::WeightReps, &lb), "225 lb × 5");
        assert_eq!(
            previous_text(&p, Tracking::Assisted, &Settings::default()),
            "−102.06 kg × 5"
        );
        let bodyweight = PreviousSet {
            reps: Some(12),
            ..Default::default()
        };
        assert_eq!(previous_text(&bodyweight, Tracking::Reps, &lb), "12 reps");
        assert_eq!(
            previous_text(&PreviousSet::default(), Tracking::Duration, &lb),
            "—"
        );
    }
}
