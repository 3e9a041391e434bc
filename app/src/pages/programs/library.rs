//! Adding exercises to a workout: search the library (and the user's custom exercises)
//! by name, muscle or equipment, or create a custom exercise.

use super::builder::use_builder;
use crate::model::exercises::{CATEGORIES, EQUIPMENT};
use crate::model::Tracking;
use crate::programs::edits as p;
use crate::replica::new_id;
use leptos::prelude::*;

/// How many matches are listed at once.
const SHOWN: usize = 12;

#[component]
pub fn ExercisePicker(workout_id: String) -> impl IntoView {
    let b = use_builder();
    let wid = StoredValue::new(workout_id);
    let query = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        let q = query.get();
        b.library
            .with(|lib| b.program.with(|p| p.search_exercises(lib, &q, SHOWN)))
    });
    let add = move |exercise_id: String| {
        let (planned, set) = (new_id(), new_id());
        b.act(|prog, _| p::add_exercise(prog, &wid.get_value(), &exercise_id, &planned, &set));
    };
    let disabled = move || !b.editable.get();

    let name = RwSignal::new(String::new());
    let category = RwSignal::new(CATEGORIES[0].to_owned());
    let equipment = RwSignal::new(EQUIPMENT[0].to_owned());
    let muscle = RwSignal::new(String::new());
    let tracking = RwSignal::new(Tracking::default());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        if n.trim().is_empty() {
            return;
        }
        let (custom, planned, set) = (new_id(), new_id(), new_id());
        b.act(|prog, now| {
            let mut ops = p::new_custom_exercise(
                &custom,
                &n,
                &category.get_untracked(),
                &equipment.get_untracked(),
                &muscle.get_untracked(),
                tracking.get_untracked(),
                now,
            );
            ops.extend(p::add_exercise(
                prog,
                &wid.get_value(),
                &custom,
                &planned,
                &set,
            ));
            ops
        });
        name.set(String::new());
        muscle.set(String::new());
    };
    let options = |list: &'static [&'static str]| {
        list.iter()
            .map(|v| view! { <option value=*v>{*v}</option> })
            .collect_view()
    };
    view! {
        <section class="card picker" data-testid="exercise-picker">
            <h2>"Add an exercise"</h2>
            <label for="exercise-search">"Search by name, muscle or equipment"</label>
            <input
                id="exercise-search"
                type="search"
                data-testid="exercise-search"
                placeholder="e.g. squat, chest dumbbell"
                autocomplete="off"
                disabled=disabled
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
            <ul class="results" data-testid="exercise-results">
                {move || {
                    matches
                        .get()
                        .into_iter()
                        .map(|e| {
                            let id = e.id.clone();
                            let detail = format!("{} · {} · {}", e.primary_muscle, e.equipment, e.category);
                            view! {
                                <li>
                                    <span>
                                        <strong>{e.name.clone()}</strong>
                                        <span class="muted">{detail}</span>
                                    </span>
                                    <button
                                        type="button"
                                        aria-label=format!("Add {}", e.name)
                                        on:click=move |_| add(id.clone())
                                    >
                                        "Add"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <Show when=move || !query.get().trim().is_empty() && matches.with(Vec::is_empty)>
                <p class="empty">"No exercise matches. Create it below."</p>
            </Show>
            <details>
                <summary>"Create a custom exercise"</summary>
                <form class="fields" on:submit=create>
                    <label for="custom-name">"Name"</label>
                    <input id="custom-name" type="text" required data-testid="custom-name"
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    <label for="custom-category">"Category"</label>
                    <select id="custom-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        {options(CATEGORIES)}
                    </select>
                    <label for="custom-equipment">"Equipment"</label>
                    <select id="custom-equipment" on:change=move |ev| equipment.set(event_target_value(&ev))>
                        {options(EQUIPMENT)}
                    </select>
                    <label for="custom-muscle">"Primary muscle"</label>
                    <input id="custom-muscle" type="text"
                        prop:value=move || muscle.get() on:input=move |ev| muscle.set(event_target_value(&ev)) />
                    <label for="custom-tracking">"Records"</label>
                    <select id="custom-tracking" data-testid="custom-tracking"
                        on:change=move |ev| tracking.set(Tracking::parse(Some(&event_target_value(&ev))))>
                        {Tracking::ALL
                            .into_iter()
                            .map(|t| view! { <option value=t.as_str()>{t.label()}</option> })
                            .collect_view()}
                    </select>
                    <button type="submit" disabled=disabled>"Create and add"</button>
                </form>
            </details>
        </section>
    }
}
