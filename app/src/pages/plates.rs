//! The plate calculator the logger and the template editor show under an exercise: the
//! plates per side for a weight on the user's bar and plates (settings), and the nearest
//! weight they can make when that one cannot be loaded.

use crate::pages::format::{parse_number, show_number, weight as weight_text};
use crate::plates::Loading;
use crate::settings::Settings;
use leptos::prelude::*;

/// What the calculator says for a loading, in the user's unit (the plates in theirs).
pub fn loading_text(l: &Loading, s: &Settings) -> (String, Option<String>) {
    let plate_unit = s.plates.unit.label();
    let side = if l.per_side.is_empty() {
        "Empty bar".to_owned()
    } else {
        let plates: Vec<String> = l.per_side.iter().map(|p| show_number(Some(*p))).collect();
        format!("{} {plate_unit} a side", plates.join(" + "))
    };
    let nearest = (!l.exact).then(|| {
        format!(
            "Cannot be made exactly: nearest {}",
            weight_text(l.kg, s.weight_unit)
        )
    });
    (side, nearest)
}

/// A weight field, prefilled with `weight` (kilograms) until the user types another, and
/// what to load for it. `id` makes the field's id unique on the page.
#[component]
pub fn PlateCalculator(
    #[prop(into)] weight: Signal<Option<f64>>,
    #[prop(into)] settings: Signal<Settings>,
    id: String,
) -> impl IntoView {
    let typed: RwSignal<Option<String>> = RwSignal::new(None);
    let shown = move || {
        typed.get().unwrap_or_else(|| {
            let s = settings.get();
            show_number(weight.get().map(|kg| s.weight_unit.show(kg)))
        })
    };
    let result = move || {
        let s = settings.get();
        let kg = match typed.get() {
            Some(text) => parse_number(&text)
                .ok()
                .flatten()
                .map(|v| s.weight_unit.to_kg(v)),
            None => weight.get(),
        }?;
        Some(loading_text(&s.plates.load(kg), &s))
    };
    let bar = move || {
        let s = settings.get();
        format!(
            "Bar {} {}",
            show_number(Some(s.plates.bar)),
            s.plates.unit.label()
        )
    };
    let field = format!("plates-{id}");
    view! {
        <div class="plates" data-testid="plate-calculator">
            <label for=field.clone()>{move || format!("Weight ({})", settings.get().weight_unit.label())}</label>
            <input id=field type="text" inputmode="decimal" class="short" value=shown prop:value=shown
                on:input=move |ev| typed.set(Some(event_target_value(&ev))) />
            <p class="plates-result" data-testid="plates-per-side" aria-live="polite">
                {move || match result() {
                    Some((side, _)) => side,
                    None => "Type a weight to see its plates.".to_owned(),
                }}
            </p>
            {move || result().and_then(|(_, nearest)| nearest).map(|n| view! {
                <p class="plates-nearest" data-testid="plates-nearest">{n}</p>
            })}
            <p class="hint">{bar}" · "<a href="/settings#plates">"Your plates"</a></p>
        </div>
    }
}
