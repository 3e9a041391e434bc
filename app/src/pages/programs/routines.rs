//! The routine list: create, rename, describe, mark default, reorder and delete routines,
//! and arrange each routine's workouts.

use super::builder::{use_builder, WithProgram};
use crate::local::edit::update;
use crate::model::tables::routines;
use crate::pages::format::field;
use crate::pages::shell::confirm;
use crate::programs::{edits as p, Routine};
use crate::replica::new_id;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProgramsPage() -> impl IntoView {
    view! {
        <Title text="Programs · EzLift" />
        <div class="page-head">
            <h1>"Programs"</h1>
        </div>
        <WithProgram>
            <RoutineList />
        </WithProgram>
        <p class="muted small"><a href="/deleted">"Recently deleted"</a></p>
    }
}

#[component]
fn RoutineList() -> impl IntoView {
    let b = use_builder();
    let ids = move || {
        b.program
            .with(|p| p.routines.iter().map(|r| r.id.clone()).collect::<Vec<_>>())
    };
    let create = move |_| {
        let id = new_id();
        b.act(|prog, now| {
            let title = format!("Routine {}", prog.routines.len() + 1);
            p::new_routine(prog, &id, &title, now)
        });
    };
    view! {
        <div class="toolbar">
            <button
                type="button"
                class="primary"
                data-testid="new-routine"
                disabled=move || !b.editable.get()
                on:click=create
            >
                "New routine"
            </button>
            <Show when=move || !b.editable.get()>
                <span class="hint">"Editing starts once this device has your data."</span>
            </Show>
        </div>
        <Show when=move || b.program.with(|p| p.routines.is_empty())>
            <p class="empty card">"No routines yet. Create one to plan your training week."</p>
        </Show>
        <ol class="routines" data-testid="routines">
            <For each=ids key=|id| id.clone() let:id>
                <RoutineCard id />
            </For>
        </ol>
        <UnlinkedWorkouts />
    }
}

#[component]
fn RoutineCard(id: String) -> impl IntoView {
    let b = use_builder();
    let rid = StoredValue::new(id.clone());
    let routine = Memo::new(move |_| b.program.with(|p| p.routine(&rid.get_value()).cloned()));
    let column = move |f: fn(&Routine) -> String| {
        move || routine.with(|r| r.as_ref().map(f).unwrap_or_default())
    };
    let title = field(column(|r| r.title.clone()));
    let description = field(column(|r| r.description.clone()));
    let is_default = move || routine.with(|r| r.as_ref().is_some_and(|r| r.default));
    let disabled = move || !b.editable.get();

    let on_title = move |ev| {
        let v = event_target_value(&ev);
        let v = v.trim().to_owned();
        if !v.is_empty() {
            b.act(|_, now| {
                vec![update(
                    routines::TABLE,
                    &rid.get_value(),
                    [routines::title.to(v)],
                    now,
                )]
            });
        }
    };
    let on_description = move |ev| {
        let v = event_target_value(&ev);
        b.act(|_, now| {
            vec![update(
                routines::TABLE,
                &rid.get_value(),
                [routines::description.to(v)],
                now,
            )]
        });
    };
    let make_default = move |_| b.act(|prog, now| p::set_default(prog, &rid.get_value(), now));
    let up = move |_| b.act(|prog, _| p::move_routine(prog, &rid.get_value(), -1));
    let down = move |_| b.act(|prog, _| p::move_routine(prog, &rid.get_value(), 1));
    let remove = move |_| {
        if confirm(&format!(
            "Delete the routine “{}” and the workouts only it uses?",
            title()
        )) {
            b.act(|prog, _| p::delete_routine(prog, &rid.get_value()));
        }
    };
    let title_id = format!("routine-title-{id}");
    let desc_id = format!("routine-desc-{id}");
    view! {
        <li class="card routine" data-testid="routine" data-id=rid.get_value()>
            <div class="routine-head">
                <h2 class="routine-name" data-testid="routine-name">{title}</h2>
                <Show when=is_default>
                    <span class="badge" data-testid="default-badge">"Default"</span>
                </Show>
            </div>
            <div class="fields">
                <label for=title_id.clone()>"Name"</label>
                <input
                    id=title_id
                    type="text"
                    data-testid="routine-title"
                    value=title
                    prop:value=title
                    disabled=disabled
                    on:change=on_title
                />
                <label for=desc_id.clone()>"Description"</label>
                <input
                    id=desc_id
                    type="text"
                    data-testid="routine-description"
                    value=description
                    prop:value=description
                    disabled=disabled
                    on:change=on_description
                />
            </div>
            <div class="actions" role="group" aria-label=move || format!("Routine {}", title())>
                <button type="button" disabled=move || disabled() || is_default() on:click=make_default>
                    "Make default"
                </button>
                <button type="button" aria-label=move || format!("Move {} up", title()) disabled=disabled on:click=up>
                    "↑"
                </button>
                <button type="button" aria-label=move || format!("Move {} down", title()) disabled=disabled on:click=down>
                    "↓"
                </button>
                <button type="button" class="danger" data-testid="delete-routine" disabled=disabled on:click=remove>
                    "Delete"
                </button>
            </div>
            <RoutineWorkouts routine_id=id />
        </li>
    }
}

#[component]
fn RoutineWorkouts(routine_id: String) -> impl IntoView {
    let b = use_builder();
    let rid = StoredValue::new(routine_id.clone());
    let links = move || {
        b.program.with(|p| {
            p.routine(&rid.get_value())
                .map(|r| r.links.iter().map(|l| l.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let others = move || {
        b.program.with(|p| {
            let linked: Vec<String> = p
                .routine(&rid.get_value())
                .map(|r| r.links.iter().map(|l| l.workout_id.clone()).collect())
                .unwrap_or_default();
            p.workouts
                .iter()
                .filter(|w| !linked.contains(&w.id))
                .map(|w| (w.id.clone(), w.title.clone()))
                .collect::<Vec<_>>()
        })
    };
    let add_new = move |_| {
        let (workout, link) = (new_id(), new_id());
        b.act(|prog, now| {
            let n = prog.routine(&rid.get_value()).map_or(0, |r| r.links.len()) + 1;
            p::add_new_workout(
                prog,
                &rid.get_value(),
                &workout,
                &link,
                &format!("Workout {n}"),
                now,
            )
        });
    };
    let chosen = RwSignal::new(String::new());
    let add_existing = move |_| {
        let workout = chosen.get_untracked();
        if workout.is_empty() {
            return;
        }
        let link = new_id();
        b.act(|prog, _| p::add_existing_workout(prog, &rid.get_value(), &workout, &link));
        chosen.set(String::new());
    };
    let select_id = format!("add-existing-{routine_id}");
    view! {
        <h3 class="sub">"Workouts"</h3>
        <ol class="links" data-testid="routine-workouts">
            <For each=links key=|id| id.clone() let:link_id>
                <LinkRow routine_id=rid.get_value() link_id />
            </For>
        </ol>
        <div class="add-row">
            <button type="button" data-testid="add-workout" disabled=move || !b.editable.get() on:click=add_new>
                "Add new workout"
            </button>
            <Show when=move || !others().is_empty()>
                <label for=select_id.clone()>"Add existing"</label>
                <select
                    id=select_id.clone()
                    prop:value=move || chosen.get()
                    on:change=move |ev| chosen.set(event_target_value(&ev))
                >
                    <option value="">"Choose a workout"</option>
                    {move || {
                        others()
                            .into_iter()
                            .map(|(id, title)| view! { <option value=id>{title}</option> })
                            .collect_view()
                    }}
                </select>
                <button type="button" disabled=move || !b.editable.get() on:click=add_existing>
                    "Add"
                </button>
            </Show>
        </div>
    }
}

#[component]
fn LinkRow(routine_id: String, link_id: String) -> impl IntoView {
    let b = use_builder();
    let ids = StoredValue::new((routine_id, link_id));
    let workout = Memo::new(move |_| {
        b.program.with(|p| {
            let (rid, lid) = ids.get_value();
            let link = p.routine(&rid)?.links.iter().find(|l| l.id == lid)?.clone();
            let w = p.workout(&link.workout_id)?;
            Some((w.id.clone(), w.title.clone(), w.exercises.len()))
        })
    });
    let title = move || workout.with(|w| w.as_ref().map(|w| w.1.clone()).unwrap_or_default());
    let href = move || {
        workout.with(|w| {
            w.as_ref()
                .map(|w| format!("/programs/workouts/{}", w.0))
                .unwrap_or_default()
        })
    };
    let count = move || match workout.with(|w| w.as_ref().map_or(0, |w| w.2)) {
        1 => "1 exercise".to_owned(),
        n => format!("{n} exercises"),
    };
    let disabled = move || !b.editable.get();
    let up = move |_| {
        b.act(|prog, _| {
            let (r, l) = ids.get_value();
            p::move_link(prog, &r, &l, -1)
        })
    };
    let down = move |_| {
        b.act(|prog, _| {
            let (r, l) = ids.get_value();
            p::move_link(prog, &r, &l, 1)
        })
    };
    let remove = move |_| b.act(|_, _| p::remove_link(&ids.get_value().1));
    view! {
        <li class="link-row" data-testid="routine-workout">
            <a href=href data-testid="workout-link">{title}</a>
            <span class="muted">{count}</span>
            <span class="actions" role="group" aria-label=move || format!("Workout {}", title())>
                <button type="button" aria-label=move || format!("Move {} up", title()) disabled=disabled on:click=up>"↑"</button>
                <button type="button" aria-label=move || format!("Move {} down", title()) disabled=disabled on:click=down>"↓"</button>
                <button type="button" aria-label=move || format!("Remove {} from routine", title()) disabled=disabled on:click=remove>"Remove"</button>
            </span>
        </li>
    }
}

/// Workouts that belong to no routine: still templates, reachable for editing or deleting.
#[component]
fn UnlinkedWorkouts() -> impl IntoView {
    let b = use_builder();
    let loose = move || {
        b.program.with(|p| {
            p.workouts
                .iter()
                .filter(|w| p.routines_of(&w.id).is_empty())
                .map(|w| (w.id.clone(), w.title.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !loose().is_empty()>
            <section class="card">
                <h2>"Workouts in no routine"</h2>
                <ul class="links">
                    {move || {
                        loose()
                            .into_iter()
                            .map(|(id, title)| {
                                view! {
                                    <li><a href=format!("/programs/workouts/{id}")>{title}</a></li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}
