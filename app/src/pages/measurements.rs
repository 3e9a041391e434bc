//! `/measurements` — bodyweight, body fat and tape measurements: a form to log (or
//! correct) one, a chart per measure taken, and every entry, newest first. Entries are
//! records of the replica, written offline and synced like any edit. A route loaded on
//! demand.

use crate::live::figures::{live, on_server};
use crate::live::settings::{use_settings, ServerSettings};
use crate::live::zone::zone_here;
use crate::local::edit::{create, delete, update};
use crate::model::tables::body_measurements as t;
use crate::model::{Field, Measure, WeightUnit};
use crate::pages::chart::{Chart, ChartKind};
use crate::pages::format::{chart_format, parse_number, show_number};
use crate::pages::shell::client_ready;
use crate::replica::{new_id, now_ms, use_replica};
use crate::stats::body::{body, Body, Entry};
use crate::stats::{Day, Zone};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};

pub struct MeasurementsRoute;

#[lazy_route]
impl LazyRoute for MeasurementsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <MeasurementsPage /> }.into_any()
    }
}

#[component]
pub fn MeasurementsPage() -> impl IntoView {
    let server = Resource::new(|| (), |_| on_server("measurements".into(), body));
    let settings = expect_context::<ServerSettings>().0;
    view! {
        <Title text="Measurements · EzLift" />
        <h1>"Measurements"</h1>
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                let _ = settings.await;
                view! { <Page server=data /> }
            })}
        </Suspense>
    }
}

#[component]
fn Page(server: Option<Body>) -> impl IntoView {
    let figures = live(server, body).figures;
    let settings = use_settings();
    let unit = Memo::new(move |_| settings.with(|s| s.weight_unit));
    let editing = RwSignal::new(None::<Entry>);
    // The form is made once the figures are here, and kept while they change (a sync
    // in the middle of typing must not empty it).
    let today = Memo::new(move |_| figures.with(|f| f.as_ref().map(|b| b.today)));
    let form = move || {
        today
            .get()
            .map(|today| view! { <LogForm today unit editing /> })
    };
    let rest = move || {
        let shown = unit.get();
        figures.with(|f| match f {
            None => view! { <p class="empty">"Loading…"</p> }.into_any(),
            Some(b) if b.entries.is_empty() => view! {
                <p class="empty" data-testid="no-measurements">
                    "Nothing measured yet. Your bodyweight also counts in the load of pull-ups, \
                     dips and other bodyweight exercises."
                </p>
            }
            .into_any(),
            Some(b) => view! {
                {charts(b, shown)}
                <section class="card">
                    <h2>"Entries"</h2>
                    <ul class="session-list" data-testid="measurement-list">
                        {b.entries.iter().map(|e| view! { <EntryItem entry=e.clone() unit editing /> }).collect_view()}
                    </ul>
                </section>
            }
            .into_any(),
        })
    };
    view! { {form} {rest} }
}

/// A chart for each measure taken at least once.
fn charts(b: &Body, unit: WeightUnit) -> impl IntoView {
    let charts = b
        .series
        .iter()
        .map(|(m, points)| {
            let rows = points
                .iter()
                .map(|(d, v)| (d.short(), m.show(*v, unit)))
                .collect();
            let kind = ChartKind::Line;
            let format = chart_format(m.unit_label(unit));
            let testid = format!("chart-{}", m.key());
            view! {
                <section class="card">
                    <Chart title=m.label().to_owned() rows format kind testid />
                </section>
            }
        })
        .collect_view();
    view! { <div class="cards">{charts}</div> }
}

/// `82.5 kg · 14.5 % fat · Waist 84 cm`.
fn summary(e: &Entry, unit: WeightUnit) -> String {
    e.values
        .iter()
        .map(|(m, v)| {
            let value = format!(
                "{} {}",
                show_number(Some(m.show(*v, unit))),
                m.unit_label(unit)
            );
            match m {
                Measure::Bodyweight => value,
                Measure::BodyFat => format!("{value} fat"),
                _ => format!("{} {value}", m.label()),
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
fn EntryItem(
    entry: Entry,
    unit: Memo<WeightUnit>,
    editing: RwSignal<Option<Entry>>,
) -> impl IntoView {
    let replica = use_replica();
    let ready = client_ready();
    let id = StoredValue::new(entry.id.clone());
    let day = entry.day.long();
    let notes = (!entry.notes.is_empty())
        .then(|| view! { <p class="muted small">{entry.notes.clone()}</p> });
    let edit_entry = StoredValue::new(entry);
    let text = move || edit_entry.with_value(|e| summary(e, unit.get()));
    view! {
        <li data-testid="measurement">
            <strong>{day}</strong>
            <p data-testid="measurement-values">{text}</p>
            {notes}
            <div class="row-actions">
                <button
                    type="button"
                    disabled=move || !ready.get()
                    aria-label="Edit this entry"
                    data-testid="edit-measurement"
                    on:click=move |_| editing.set(Some(edit_entry.get_value()))
                >
                    "Edit"
                </button>
                <button
                    type="button"
                    class="danger"
                    disabled=move || !ready.get()
                    aria-label="Delete this entry"
                    data-testid="delete-measurement"
                    on:click=move |_| {
                        if editing.with_untracked(|e| e.as_ref().is_some_and(|e| e.id == id.get_value())) {
                            editing.set(None);
                        }
                        replica.write(vec![delete(t::TABLE, &id.get_value())]);
                    }
                >
                    "Delete"
                </button>
            </div>
        </li>
    }
}

/// The form: a date and a field per measure, each in the user's unit; empty fields were
/// not measured. Editing an entry fills it in and saves over it.
#[component]
fn LogForm(today: Day, unit: Memo<WeightUnit>, editing: RwSignal<Option<Entry>>) -> impl IntoView {
    let replica = use_replica();
    let ready = client_ready();
    let date = RwSignal::new(today.iso());
    let typed: Vec<(Measure, RwSignal<String>)> = Measure::ALL
        .into_iter()
        .map(|m| (m, RwSignal::new(String::new())))
        .collect();
    let typed = StoredValue::new(typed);
    let notes = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    // Filling the form from the entry being edited (and clearing it after).
    Effect::new(move |_| {
        let unit = unit.get_untracked();
        let entry = editing.get();
        typed.with_value(|typed| {
            for (m, text) in typed {
                let value = entry.as_ref().and_then(|e| e.value(*m));
                text.set(show_number(value.map(|v| m.show(v, unit))));
            }
        });
        date.set(entry.as_ref().map_or(today, |e| e.day).iso());
        notes.set(entry.map(|e| e.notes).unwrap_or_default());
        problem.set(None);
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let values: Vec<(Measure, String)> =
            typed.with_value(|t| t.iter().map(|(m, s)| (*m, s.get_untracked())).collect());
        let edited = editing.get_untracked();
        let form = Form {
            date: date.get_untracked(),
            values,
            notes: notes.get_untracked(),
        };
        match form.fields(
            unit.get_untracked(),
            &zone_here(),
            now_ms(),
            edited.as_ref(),
        ) {
            Err(e) => problem.set(Some(e)),
            Ok(fields) => {
                let now = now_ms();
                let op = match &edited {
                    Some(e) => update(t::TABLE, &e.id, fields, now),
                    None => create(
                        t::TABLE,
                        &new_id(),
                        fields
                            .into_iter()
                            .chain([t::created_at.to(now), t::updated_at.to(now)]),
                    ),
                };
                replica.write(vec![op]);
                problem.set(None);
                saved.set(true);
                if edited.is_some() {
                    editing.set(None);
                } else {
                    typed.with_value(|t| t.iter().for_each(|(_, s)| s.set(String::new())));
                    notes.set(String::new());
                }
            }
        }
    };
    let inputs = typed.with_value(|typed| {
        typed
            .iter()
            .map(|&(m, text)| {
                let id = format!("m-{}", m.key());
                let label = move || format!("{} ({})", m.label(), m.unit_label(unit.get()));
                view! {
                    <div class="measure-field">
                    <label for=id.clone()>{label}</label>
                    <input
                        id=id.clone()
                        name=m.key()
                        type="text"
                        inputmode="decimal"
                        autocomplete="off"
                        data-testid=id
                        value=text.get_untracked()
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    />
                    </div>
                }
            })
            .collect_view()
    });
    let heading = move || {
        if editing.with(Option::is_some) {
            "Edit entry"
        } else {
            "Log a measurement"
        }
    };
    view! {
        <section class="card" data-testid="measurement-form">
            <h2>{heading}</h2>
            <form class="measure-fields" on:submit=submit>
                <div class="measure-field wide">
                    <label for="measured-on">"Date"</label>
                    <input
                        id="measured-on"
                        type="date"
                        required
                        data-testid="measured-on"
                        value=date.get_untracked()
                        prop:value=move || date.get()
                        on:input=move |ev| date.set(event_target_value(&ev))
                    />
                </div>
                {inputs}
                <div class="measure-field wide">
                    <label for="m-notes">"Notes"</label>
                    <input
                        id="m-notes"
                        type="text"
                        data-testid="m-notes"
                        prop:value=move || notes.get()
                        on:input=move |ev| notes.set(event_target_value(&ev))
                    />
                </div>
                {move || problem.get().map(|p| view! {
                    <p class="warning" role="alert" data-testid="measurement-problem">{p}</p>
                })}
                <div class="measure-actions wide">
                    <button type="submit" class="primary" disabled=move || !ready.get() data-testid="save-measurement">
                        {move || if editing.with(Option::is_some) { "Save changes" } else { "Save" }}
                    </button>
                    <Show when=move || editing.with(Option::is_some)>
                        <button type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
                    </Show>
                </div>
                <p class="muted small wide" role="status" data-testid="measurement-saved">
                    {move || saved.get().then_some("Saved on this device; it syncs when online.")}
                </p>
            </form>
            <Show when=move || !ready.get()>
                <p class="hint">"Logging a measurement needs JavaScript."</p>
            </Show>
        </section>
    }
}

/// What the form holds, as typed.
struct Form {
    date: String,
    values: Vec<(Measure, String)>,
    notes: String,
}

impl Form {
    /// The record's columns, or what is wrong with the form. A field left empty is stored
    /// as not measured (clearing it when an entry is edited). An entry dated today is
    /// taken now; another day, at its noon (or, edited without changing its day, when it
    /// was taken).
    fn fields(
        &self,
        unit: WeightUnit,
        zone: &Zone,
        now: i64,
        edited: Option<&Entry>,
    ) -> Result<Vec<Field>, String> {
        let day = Day::parse_iso(&self.date).ok_or("The date is not a date.")?;
        if day > zone.day(now) {
            return Err("The date is in the future.".into());
        }
        let mut fields = Vec::new();
        let mut any = false;
        for (m, text) in &self.values {
            let typed =
                parse_number(text).map_err(|_| format!("{} is not a number.", m.label()))?;
            let stored = typed.map(|v| m.stored(v, unit)).transpose()?;
            any |= stored.is_some();
            fields.push(m.column().to(stored));
        }
        if !any {
            return Err("Fill in at least one measurement.".into());
        }
        let measured_at = match edited {
            Some(e) if e.day == day => e.measured_at,
            _ if day == zone.day(now) => now,
            _ => zone.noon(day),
        };
        fields.push(t::measured_at.to(measured_at));
        fields.push(t::notes.to(self.notes.trim().to_owned()));
        Ok(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::column::record_of;

    fn form(date: &str, values: &[(Measure, &str)]) -> Form {
        Form {
            date: date.into(),
            values: values.iter().map(|(m, s)| (*m, (*s).to_owned())).collect(),
            notes: " morning ".into(),
        }
    }

    #[test]
    fn the_form_stores_what_was_typed_in_the_users_unit() {
        let zone = Zone::UTC;
        let today = Day::from_date(2026, 3, 10);
        let now = zone.noon(today) + 3_600_000;
        let f = form(
            "2026-03-10",
            &[
                (Measure::Bodyweight, "181,5"),
                (Measure::Waist, "33"),
                (Measure::Neck, ""),
            ],
        );
        let raw = record_of(
            t::TABLE,
            f.fields(WeightUnit::Lb, &zone, now, None).unwrap(),
        );
        assert!((raw["bodyweight"].as_f64().unwrap() - 82.327).abs() < 0.001);
        assert!((raw["waist"].as_f64().unwrap() - 0.8382).abs() < 1e-9);
        assert!(raw["neck"].is_null(), "empty: not measured");
        assert_eq!(raw["measured_at"], now, "today: now");
        assert_eq!(raw["notes"], "morning");
        let earlier = form("2026-03-01", &[(Measure::BodyFat, "15")]);
        let raw = record_of(
            t::TABLE,
            earlier.fields(WeightUnit::Kg, &zone, now, None).unwrap(),
        );
        assert_eq!(raw["measured_at"], zone.noon(Day::from_date(2026, 3, 1)));
    }

    #[test]
    fn a_form_that_would_store_nonsense_says_what_is_wrong() {
        let zone = Zone::UTC;
        let now = zone.noon(Day::from_date(2026, 3, 10));
        let err = |f: Form| f.fields(WeightUnit::Kg, &zone, now, None).unwrap_err();
        assert_eq!(
            err(form("2026-03-10", &[(Measure::Bodyweight, "")])),
            "Fill in at least one measurement."
        );
        assert_eq!(
            err(form("2026-03-11", &[(Measure::Bodyweight, "80")])),
            "The date is in the future."
        );
        assert_eq!(
            err(form("", &[(Measure::Bodyweight, "80")])),
            "The date is not a date."
        );
        assert_eq!(
            err(form("2026-03-10", &[(Measure::Bodyweight, "eighty")])),
            "Bodyweight is not a number."
        );
        assert_eq!(
            err(form("2026-03-10", &[(Measure::Bodyweight, "800")])),
            "Bodyweight must be between 20 and 400 kg"
        );
    }

    #[test]
    fn an_edited_entry_keeps_its_time_unless_its_day_changes() {
        let zone = Zone::UTC;
        let now = zone.noon(Day::from_date(2026, 3, 10));
        let entry = Entry {
            id: "e".into(),
            measured_at: zone.noon(Day::from_date(2026, 3, 2)) - 4 * 3_600_000,
            day: Day::from_date(2026, 3, 2),
            values: vec![(Measure::Bodyweight, 80.0)],
            notes: String::new(),
        };
        let at = |date: &str| {
            let raw = record_of(
                t::TABLE,
                form(date, &[(Measure::Bodyweight, "81")])
                    .fields(WeightUnit::Kg, &zone, now, Some(&entry))
                    .unwrap(),
            );
            raw["measured_at"].as_i64().unwrap()
        };
        assert_eq!(at("2026-03-02"), entry.measured_at);
        assert_eq!(at("2026-03-03"), zone.noon(Day::from_date(2026, 3, 3)));
    }
}
