//! `/programs/workouts/:id` — one workout: title, notes, estimated duration, its
//! exercises (rest, notes, superset group) and their sets.

use super::builder::{use_builder, WithProgram};
use super::library::ExercisePicker;
use crate::live::settings::use_settings;
use crate::local::edit::{delete, update};
use crate::model::tables::{
    workout_exercise as planned_t, workout_exercise_sets as sets, workouts,
};
use crate::model::{Column, Field, SetType};
use crate::pages::format::{field, parse_number, show_number};
use crate::pages::plates::PlateCalculator;
use crate::pages::shell::confirm;
use crate::programs::{edits as p, Program, TemplateSet};
use crate::replica::new_id;
use crate::workout::active::working_weight;
use crate::workout::progression::{Rule, DEFAULT_RANGE};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn WorkoutPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    view! {
        <Title text="Workout · Programs · EzLift" />
        <p class="crumbs"><a href="/programs">"← Programs"</a></p>
        <WithProgram>
            {move || view! { <WorkoutEditor id=id() /> }}
        </WithProgram>
    }
}

#[component]
fn WorkoutEditor(id: String) -> impl IntoView {
    let b = use_builder();
    let wid = StoredValue::new(id.clone());
    let workout = Memo::new(move |_| b.program.with(|p| p.workout(&wid.get_value()).cloned()));
    let exists = move || workout.with(Option::is_some);
    let title =
        field(move || workout.with(|w| w.as_ref().map(|w| w.title.clone()).unwrap_or_default()));
    let notes =
        field(move || workout.with(|w| w.as_ref().map(|w| w.notes.clone()).unwrap_or_default()));
    let duration = field(move || {
        workout.with(|w| {
            show_number(
                w.as_ref()
                    .and_then(|w| w.estimated_duration)
                    .map(|d| d as f64),
            )
        })
    });
    let disabled = move || !b.editable.get();
    let save = move |field: Field| {
        b.act(|_, now| vec![update(workouts::TABLE, &wid.get_value(), [field], now)]);
    };
    let on_title = move |ev| {
        let v = event_target_value(&ev).trim().to_owned();
        if !v.is_empty() {
            save(workouts::title.to(v));
        }
    };
    let on_notes = move |ev| save(workouts::notes.to(event_target_value(&ev)));
    let on_duration = move |ev| {
        if let Ok(v) = parse_number(&event_target_value(&ev)) {
            save(workouts::estimated_duration.to(v.map(|v| v.round() as i64)));
        }
    };
    let navigate = use_navigate();
    let remove = move |_| {
        if confirm(&format!(
            "Delete the workout “{}” with its exercises and sets?",
            title()
        )) {
            b.act(|_, _| vec![delete(workouts::TABLE, &wid.get_value())]);
            navigate("/programs", Default::default());
        }
    };
    let exercise_ids = move || {
        workout.with(|w| {
            w.as_ref()
                .map(|w| w.exercises.iter().map(|e| e.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <Show
            when=exists
            fallback=move || {
                if b.editable.get() {
                    view! { <p class="empty card" data-testid="workout-missing">"This workout does not exist (any more)."</p> }.into_any()
                } else {
                    view! { <p class="empty card">"Loading the workout…"</p> }.into_any()
                }
            }
        >
            <h1 data-testid="workout-heading">{title}</h1>
            <section class="card fields workout-fields">
                <label for="workout-title">"Title"</label>
                <input id="workout-title" type="text" data-testid="workout-title" value=title prop:value=title disabled=disabled on:change=on_title />
                <label for="workout-notes">"Notes"</label>
                <input id="workout-notes" type="text" value=notes prop:value=notes disabled=disabled on:change=on_notes />
                <label for="workout-duration">"Estimated duration (min)"</label>
                <input id="workout-duration" type="text" inputmode="numeric" value=duration prop:value=duration disabled=disabled on:change=on_duration />
                <div class="actions">
                    <button type="button" class="danger" disabled=disabled on:click=remove.clone()>"Delete workout"</button>
                </div>
            </section>
            <ol class="exercises" data-testid="exercises">
                <For each=exercise_ids key=|id| id.clone() let:planned_id>
                    <ExerciseCard planned_id />
                </For>
            </ol>
            <ExercisePicker workout_id=wid.get_value() />
        </Show>
    }
}

#[component]
fn ExerciseCard(planned_id: String) -> impl IntoView {
    let b = use_builder();
    let pid = StoredValue::new(planned_id.clone());
    let planned = Memo::new(move |_| {
        b.program
            .with(|p| p.planned(&pid.get_value()).map(|(_, e)| e.clone()))
    });
    let name = move || {
        planned.with(|e| {
            e.as_ref()
                .map(|e| b.name_of(&e.exercise_id))
                .unwrap_or_default()
        })
    };
    let rest = field(move || {
        planned.with(|e| show_number(e.as_ref().and_then(|e| e.rest_time).map(|v| v as f64)))
    });
    let group = field(move || {
        planned.with(|e| show_number(e.as_ref().and_then(|e| e.superset_group).map(|v| v as f64)))
    });
    let notes =
        field(move || planned.with(|e| e.as_ref().map(|e| e.notes.clone()).unwrap_or_default()));
    let rule = Memo::new(move |_| {
        planned.with(|e| {
            e.as_ref().map_or(Rule::Double { top: None }, |e| {
                Rule::of(e.progression.as_deref(), e.rep_range_top, e.one_rm_percent)
            })
        })
    });
    let rule_name = move || rule.get().as_str();
    let top = field(move || match rule.get() {
        Rule::Double { top } => show_number(top.map(|t| t as f64)),
        _ => String::new(),
    });
    // The top a double progression climbs to when none is set.
    let top_default = move || {
        planned.with(|e| {
            e.as_ref()
                .and_then(|e| e.sets.iter().filter_map(|s| s.reps).min())
                .map(|r| (r + DEFAULT_RANGE).to_string())
                .unwrap_or_default()
        })
    };
    let percent = field(move || match rule.get() {
        Rule::Percent(p) => show_number(Some(p)),
        _ => String::new(),
    });
    let disabled = move || !b.editable.get();
    let save = move |field: Field| {
        b.act(|_, now| vec![update(planned_t::TABLE, &pid.get_value(), [field], now)])
    };
    let whole = move |column: Column<i64>| {
        move |ev| {
            if let Ok(v) = parse_number(&event_target_value(&ev)) {
                save(column.to(v.map(|v| v.round() as i64)));
            }
        }
    };
    let up = move |_| b.act(|prog, _| p::move_exercise(prog, &pid.get_value(), -1));
    let down = move |_| b.act(|prog, _| p::move_exercise(prog, &pid.get_value(), 1));
    let remove = move |_| b.act(|_, _| vec![delete(planned_t::TABLE, &pid.get_value())]);
    let add_set = move |_| {
        let id = new_id();
        b.act(|prog, _| p::add_set(prog, &pid.get_value(), &id));
    };
    let set_ids = move || {
        planned.with(|e| {
            e.as_ref()
                .map(|e| e.sets.iter().map(|s| s.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let unit = move || {
        b.program
            .with(|p| (p.weight_unit.label(), p.distance_unit.label()))
    };
    let f = move |what: &str| format!("{what}-{}", pid.get_value());
    // The heaviest planned set that is not a warm-up: what the calculator starts from.
    let working = Signal::derive(move || {
        planned.with(|e| working_weight(e.as_ref()?.sets.iter().map(|s| (s.set_type, s.weight))))
    });
    view! {
        <li class="card exercise" data-testid="exercise">
            <div class="routine-head">
                <h2 data-testid="exercise-name">
                    <a href=move || planned.with(|e| format!("/exercises/{}", e.as_ref().map(|e| e.exercise_id.as_str()).unwrap_or_default()))>{name}</a>
                </h2>
                <span class="actions" role="group" aria-label=move || format!("Exercise {}", name())>
                    <button type="button" aria-label=move || format!("Move {} up", name()) disabled=disabled on:click=up>"↑"</button>
                    <button type="button" aria-label=move || format!("Move {} down", name()) disabled=disabled on:click=down>"↓"</button>
                    <button type="button" class="danger" aria-label=move || format!("Remove {}", name()) disabled=disabled on:click=remove>"Remove"</button>
                </span>
            </div>
            <div class="inline-fields">
                <label for=f("rest")>"Rest (s)"</label>
                <input id=f("rest") type="text" inputmode="numeric" class="short" value=rest prop:value=rest disabled=disabled on:change=whole(planned_t::rest_time) />
                <label for=f("group")>"Superset group"</label>
                <input id=f("group") type="text" inputmode="numeric" class="short" value=group prop:value=group disabled=disabled on:change=whole(planned_t::superset_group) />
            </div>
            <label for=f("notes")>"Notes"</label>
            <input id=f("notes") type="text" value=notes prop:value=notes disabled=disabled on:change=move |ev| save(planned_t::notes.to(event_target_value(&ev))) />
            <div class="inline-fields" data-testid="progression">
                <label for=f("rule")>"Next time"</label>
                <select id=f("rule") data-testid="progression-rule" disabled=disabled prop:value=rule_name
                    on:change=move |ev| save(planned_t::progression.to(event_target_value(&ev)))>
                    {[("double", "More reps, then weight"), ("fixed", "As planned"), ("percent", "% of 1RM")]
                        .into_iter()
                        .map(|(v, l)| view! { <option value=v selected=move || rule_name() == v>{l}</option> })
                        .collect_view()}
                </select>
                <Show when=move || rule_name() == "double">
                    <label for=f("top")>"Top reps"</label>
                    <input id=f("top") data-testid="progression-top" type="text" inputmode="numeric" class="short"
                        value=top placeholder=top_default prop:value=top disabled=disabled on:change=whole(planned_t::rep_range_top) />
                </Show>
                <Show when=move || rule_name() == "percent">
                    <label for=f("percent")>"% of 1RM"</label>
                    <input id=f("percent") data-testid="progression-percent" type="text" inputmode="decimal" class="short"
                        value=percent prop:value=percent disabled=disabled
                        on:change=move |ev| {
                            if let Ok(v) = parse_number(&event_target_value(&ev)) {
                                save(planned_t::one_rm_percent.to(v.filter(|p| *p > 0.0 && *p <= 100.0)));
                            }
                        } />
                </Show>
            </div>
            <div class="table-wrap">
                <table class="sets stacked-sets" data-testid="sets">
                    <thead>
                        <tr>
                            <th scope="col">"Set"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Reps"</th>
                            <th scope="col">{move || format!("Weight ({})", unit().0)}</th>
                            <th scope="col">"Time (s)"</th>
                            <th scope="col">{move || format!("Distance ({})", unit().1)}</th>
                            <th scope="col">"RPE"</th>
                            <th scope="col" aria-label="Actions"></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=set_ids key=|id| id.clone() let:set_id>
                            <SetRow set_id />
                        </For>
                    </tbody>
                </table>
            </div>
            <button type="button" data-testid="add-set" disabled=disabled on:click=add_set>"Add set"</button>
            <details class="exercise-more" data-testid="template-plates">
                <summary>"Plates"</summary>
                <PlateCalculator weight=working settings=use_settings() id=pid.get_value() />
            </details>
        </li>
    }
}

#[component]
fn SetRow(set_id: String) -> impl IntoView {
    let b = use_builder();
    let sid = StoredValue::new(set_id.clone());
    let found = Memo::new(move |_| {
        b.program.with(|p| {
            let (e, s) = p.set(&sid.get_value())?;
            let number = e.sets.iter().position(|x| x.id == s.id)? + 1;
            Some((number, s.clone()))
        })
    });
    let number = move || found.with(|f| f.as_ref().map_or(0, |f| f.0));
    let get = move |f: fn(&TemplateSet, &Program) -> Option<f64>| {
        field(move || {
            found.with(|x| {
                show_number(
                    x.as_ref()
                        .and_then(|(_, s)| b.program.with_untracked(|p| f(s, p))),
                )
            })
        })
    };
    let reps = get(|s, _| s.reps.map(|v| v as f64));
    let weight = get(|s, p| s.weight.map(|kg| p.weight_unit.show(kg)));
    let duration = get(|s, _| s.duration.map(|v| v as f64));
    let distance = get(|s, p| s.distance.map(|m| p.distance_unit.show(m)));
    let rpe = get(|s, _| s.rpe);
    let set_type = move || found.with(|f| f.as_ref().map(|f| f.1.set_type).unwrap_or_default());
    let disabled = move || !b.editable.get();
    let save = move |field: Field| {
        b.act(|_, now| vec![update(sets::TABLE, &sid.get_value(), [field], now)])
    };
    // Each numeric column: the typed value (`None` when cleared) as the field to store.
    let number_input = move |convert: fn(Option<f64>, &Program) -> Field| {
        move |ev| {
            if let Ok(v) = parse_number(&event_target_value(&ev)) {
                save(b.program.with_untracked(|p| convert(v, p)));
            }
        }
    };
    let label = move |what: &str| format!("Set {} {what}", number());
    let up = move |_| b.act(|prog, _| p::move_set(prog, &sid.get_value(), -1));
    let down = move |_| b.act(|prog, _| p::move_set(prog, &sid.get_value(), 1));
    let duplicate = move |_| {
        let id = new_id();
        b.act(|prog, _| p::duplicate_set(prog, &sid.get_value(), &id));
    };
    let remove = move |_| b.act(|_, _| vec![delete(sets::TABLE, &sid.get_value())]);
    view! {
        <tr data-testid="set">
            <th scope="row">{number}</th>
            <td data-label="Type">
                <select aria-label=move || label("type") disabled=disabled data-testid="set-type"
                    on:change=move |ev| save(sets::set_type.to(SetType::parse(&event_target_value(&ev)).as_str().to_owned()))>
                    {SetType::ALL
                        .into_iter()
                        .map(|t| view! { <option value=t.as_str() selected=move || set_type() == t>{t.label()}</option> })
                        .collect_view()}
                </select>
            </td>
            <td data-label="Reps"><input type="text" inputmode="numeric" class="num" data-testid="set-reps" aria-label=move || label("reps") value=reps prop:value=reps disabled=disabled
                on:change=number_input(|v, _| sets::reps.to(v.map(|v| v.round() as i64))) /></td>
            <td data-label="Weight"><input type="text" inputmode="decimal" class="num" data-testid="set-weight" aria-label=move || label("weight") value=weight prop:value=weight disabled=disabled
                on:change=number_input(|v, p| sets::weight.to(v.map(|v| p.weight_unit.to_kg(v)))) /></td>
            <td data-label="Time (s)"><input type="text" inputmode="numeric" class="num" aria-label=move || label("time in seconds") value=duration prop:value=duration disabled=disabled
                on:change=number_input(|v, _| sets::duration.to(v.map(|v| v.round() as i64))) /></td>
            <td data-label="Distance"><input type="text" inputmode="decimal" class="num" aria-label=move || label("distance") value=distance prop:value=distance disabled=disabled
                on:change=number_input(|v, p| sets::distance.to(v.map(|v| p.distance_unit.to_m(v)))) /></td>
            <td data-label="RPE"><input type="text" inputmode="decimal" class="num" aria-label=move || label("RPE") value=rpe prop:value=rpe disabled=disabled
                on:change=number_input(|v, _| sets::rpe.to(v.map(|v| v.min(10.0)))) /></td>
            <td class="row-actions">
                <button type="button" aria-label=move || format!("Move set {} up", number()) disabled=disabled on:click=up>"↑"</button>
                <button type="button" aria-label=move || format!("Move set {} down", number()) disabled=disabled on:click=down>"↓"</button>
                <button type="button" aria-label=move || format!("Duplicate set {}", number()) disabled=disabled on:click=duplicate>"Copy"</button>
                <button type="button" class="danger" aria-label=move || format!("Delete set {}", number()) disabled=disabled on:click=remove>"✕"</button>
            </td>
        </tr>
    }
}
