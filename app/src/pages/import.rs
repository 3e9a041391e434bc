//! `/import` — a Strong, Hevy, FitNotes or EzLift export into the user's history. The file
//! goes to the server twice: first as a dry run (what the page previews: the app, the
//! sessions and sets, the dates, the exercises matched and to be created, the weight
//! unit when the file does not say, rows that cannot be read), then for real with the
//! unit chosen. The import reaches this device by sync, like every other device.

use crate::import::Report;
use crate::pages::format::thousands;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};

pub struct ImportRoute;

#[lazy_route]
impl LazyRoute for ImportRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ImportPage /> }.into_any()
    }
}

/// Where the page is in an import (on the server only the first).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Choose,
    Checking(String),
    Preview(String, Report),
    /// Upload progress, 0–100.
    Uploading(u32),
    Saving,
    Done(Report),
    Failed(String),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let stage = RwSignal::new(Stage::Choose);
    let file: StoredValue<Option<Vec<u8>>> = StoredValue::new(None);
    let unit = RwSignal::new(String::new());
    let dragging = RwSignal::new(false);
    let replica = crate::replica::use_replica();

    let check = move |name: String, bytes: Vec<u8>| {
        file.set_value(Some(bytes));
        stage.set(Stage::Checking(name.clone()));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = file.get_value().unwrap_or_default();
            match client::send("/api/import?dry_run=true", &body, |_| {}).await {
                Ok(report) => {
                    unit.set(
                        report
                            .unit
                            .clone()
                            .or(report.unit_guess.clone())
                            .unwrap_or_else(|| "kg".into()),
                    );
                    stage.set(Stage::Preview(name, report));
                }
                Err(message) => stage.set(Stage::Failed(message)),
            }
        });
    };
    let pick = move |_files: Option<Files>| {
        #[cfg(feature = "hydrate")]
        if let Some(f) = _files.and_then(|list| list.get(0)) {
            leptos::task::spawn_local(async move {
                let name = f.name();
                match client::read(&f).await {
                    Ok(bytes) => check(name, bytes),
                    Err(message) => stage.set(Stage::Failed(message)),
                }
            });
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = (check, pick);
    let run = move |_| {
        let Stage::Preview(_, report) = stage.get_untracked() else {
            return;
        };
        let url = if report.needs_unit() {
            format!("/api/import?unit={}", unit.get_untracked())
        } else {
            "/api/import".to_owned()
        };
        stage.set(Stage::Uploading(0));
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let body = file.get_value().unwrap_or_default();
            let progress = move |done: f64| {
                let percent = (done * 100.0).round().clamp(0.0, 100.0) as u32;
                stage.set(if percent >= 100 {
                    Stage::Saving
                } else {
                    Stage::Uploading(percent)
                });
            };
            match client::send(&url, &body, progress).await {
                Ok(report) => {
                    file.set_value(None);
                    // This device gets the sessions by sync, like every other.
                    replica.sync_now();
                    stage.set(Stage::Done(report));
                }
                Err(message) => stage.set(Stage::Failed(message)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, replica);
    };

    view! {
        <Title text="Import · EzLift" />
        <h1>"Import"</h1>
        <p class="lead">
            "Bring your history from Strong, Hevy or FitNotes: export your workouts as CSV in the app, then choose the file here. Hevy's measurement export brings your bodyweight and measurements. Importing the same file again adds nothing twice."
        </p>
        <noscript>
            <p class="card">"Importing needs JavaScript."</p>
        </noscript>
        {move || match stage.get() {
            Stage::Choose | Stage::Failed(_) => view! {
                <label
                    class="drop-zone"
                    class:dragging=move || dragging.get()
                    data-testid="import-drop"
                    on:dragover=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        dragging.set(true);
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=move |ev: leptos::ev::DragEvent| {
                        ev.prevent_default();
                        dragging.set(false);
                        #[cfg(feature = "hydrate")]
                        pick(ev.data_transfer().and_then(|d| d.files()).map(Files));
                    }
                >
                    <span class="button primary">"Choose a file"</span>
                    <span class="hint">"or drop it here · CSV from Strong, Hevy, FitNotes; JSON from EzLift"</span>
                    <input
                        type="file"
                        class="sr-only"
                        data-testid="import-file"
                        accept=".csv,.json,.txt,text/csv,application/json"
                        on:change=move |_ev| {
                            #[cfg(feature = "hydrate")]
                            {
                                let input = event_target::<web_sys::HtmlInputElement>(&_ev);
                                pick(input.files().map(Files));
                            }
                        }
                    />
                </label>
                {move || match stage.get() {
                    Stage::Failed(message) => view! {
                        <p class="error" role="alert" data-testid="import-error">{message}</p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            }.into_any(),
            Stage::Checking(name) => view! {
                <p class="card" aria-live="polite" data-testid="import-checking">
                    "Reading " <strong>{name}</strong> "…"
                </p>
            }.into_any(),
            Stage::Preview(name, report) => preview(name, report, unit, stage, run).into_any(),
            Stage::Uploading(percent) => view! {
                <section class="card" aria-live="polite" data-testid="import-progress">
                    <p>"Uploading… " {percent} "%"</p>
                    <progress max="100" value=percent></progress>
                </section>
            }.into_any(),
            Stage::Saving => view! {
                <section class="card" aria-live="polite" data-testid="import-progress">
                    <p>"Saving your sessions…"</p>
                    <progress></progress>
                </section>
            }.into_any(),
            Stage::Done(report) => view! {
                <section class="card" data-testid="import-done" aria-live="polite">
                    <h2>"Imported"</h2>
                    <p>
                        {plural(report.new_items().0, report.new_items().1)} " added"
                        {(report.skipped_duplicates > 0).then(|| format!(
                            ", {} already here", plural(report.skipped_duplicates, report.new_items().1)
                        ))}
                        "."
                    </p>
                    {report.unit_adopted.clone().map(|u| view! {
                        <p class="notice" data-testid="unit-adopted">
                            {format!("Weights now show in {u}, as in your file.")}
                        </p>
                    })}
                    <p class="actions stacked">
                        {if report.is_measurements() {
                            view! { <a class="button primary" href="/measurements">"See them in Measurements"</a> }.into_any()
                        } else {
                            view! { <a class="button primary" href="/history">"See them in History"</a> }.into_any()
                        }}
                        <button type="button" on:click=move |_| stage.set(Stage::Choose)>
                            "Import another file"
                        </button>
                    </p>
                </section>
            }.into_any(),
        }}
    }
}

/// "1 session", "1,200 sessions".
fn plural(n: usize, what: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {what}{s}", thousands(n as i64))
}

/// The dry run's findings and the Import button.
fn preview(
    name: String,
    report: Report,
    unit: RwSignal<String>,
    stage: RwSignal<Stage>,
    run: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let dates = match (&report.first_date, &report.last_date) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => "—".into(),
    };
    let needs_unit = report.needs_unit();
    let guess = report.unit_guess.clone().unwrap_or_default();
    let (new, noun) = report.new_items();
    let nothing_new = new == 0;
    let label = if nothing_new {
        "Nothing new to import".to_owned()
    } else {
        format!("Import {}", plural(new, noun))
    };
    let unit_choice = move |value: &'static str, text: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="unit"
                    value=value
                    data-testid=format!("unit-{value}")
                    checked=move || unit.get() == value
                    prop:checked=move || unit.get() == value
                    on:change=move |_| unit.set(value.to_owned())
                />
                {text}
                {(guess == value).then_some(" (looks like it)")}
            </label>
        }
    };
    view! {
        <section class="card" data-testid="import-preview">
            <h2>{format!("{} export", report.format.label())}</h2>
            <p class="hint">{name}</p>
            <dl class="facts">
                {if report.is_measurements() {
                    view! {
                        <dt>"Measurements"</dt>
                        <dd data-testid="preview-measurements">{thousands(report.measurements as i64)}</dd>
                    }
                    .into_any()
                } else {
                    view! {
                        <dt>"Sessions"</dt>
                        <dd data-testid="preview-sessions">{thousands(report.sessions as i64)}</dd>
                        <dt>"Sets"</dt>
                        <dd data-testid="preview-sets">{thousands(report.sets as i64)}</dd>
                    }
                    .into_any()
                }}
                <dt>"Dates"</dt>
                <dd data-testid="preview-dates">{dates}</dd>
                <dt>"New"</dt>
                <dd data-testid="preview-new">
                    {plural(new, noun)}
                    {(report.skipped_duplicates > 0).then(|| format!(
                        " ({} already imported)", thousands(report.skipped_duplicates as i64)
                    ))}
                </dd>
                {(!report.is_measurements()).then(|| view! {
                    <dt>"Exercises"</dt>
                    <dd data-testid="preview-exercises">
                        {format!(
                            "{} matched, {} to create",
                            report.exercises_matched, report.exercises_created
                        )}
                    </dd>
                })}
            </dl>
            {(!report.new_exercises.is_empty()).then(|| view! {
                <details>
                    <summary>"Exercises that will be created"</summary>
                    <ul>
                        {report.new_exercises.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
                    </ul>
                </details>
            })}
            {report.unit_adopted.clone().map(|u| view! {
                <p class="notice" data-testid="unit-adopted">
                    {format!("Weights will show in {u}, as in the file (Settings can change it).")}
                </p>
            })}
            {needs_unit.then(|| view! {
                <fieldset class="unit-question" data-testid="unit-question">
                    <legend>"The file does not say: are its weights in kilograms or pounds?"</legend>
                    {unit_choice("kg", "Kilograms")}
                    {unit_choice("lb", "Pounds")}
                </fieldset>
            })}
            {(!report.warnings.is_empty()).then(|| view! {
                <details class="warnings" data-testid="import-warnings" open>
                    <summary>{format!(
                        "{} read with a warning or skipped",
                        plural(report.warnings.len(), "row")
                    )}</summary>
                    <ul>
                        {report.warnings.iter().map(|w| view! {
                            <li>{format!("Line {}: {}", w.line, w.message)}</li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            <p class="actions stacked">
                <button
                    type="button"
                    class="primary"
                    data-testid="import-run"
                    disabled=nothing_new
                    on:click=run
                >
                    {label}
                </button>
                <button type="button" on:click=move |_| stage.set(Stage::Choose)>"Choose another file"</button>
            </p>
        </section>
    }
}

/// A file list from an input or a drop (browser only; on the server nothing is ever
/// picked).
pub struct Files(#[cfg(feature = "hydrate")] web_sys::FileList);

#[cfg(feature = "hydrate")]
impl Files {
    fn get(&self, i: u32) -> Option<web_sys::File> {
        self.0.get(i)
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use crate::import::Report;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn message(e: JsValue) -> String {
        crate::replica::js_error_text(&e)
            .unwrap_or_else(|| "the request failed: check your connection".into())
    }

    /// The file's bytes.
    pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
        let buffer = JsFuture::from(file.array_buffer()).await.map_err(message)?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    /// POSTs `body` and reads the report, calling `progress` with the share uploaded
    /// (fetch cannot report upload progress; XMLHttpRequest can).
    pub async fn send(
        url: &str,
        body: &[u8],
        progress: impl Fn(f64) + 'static,
    ) -> Result<Report, String> {
        let xhr = web_sys::XmlHttpRequest::new().map_err(message)?;
        xhr.open("POST", url).map_err(message)?;
        xhr.set_request_header("accept", "application/json")
            .map_err(message)?;
        xhr.set_request_header("content-type", "application/octet-stream")
            .map_err(message)?;
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    progress(e.loaded() / e.total());
                }
            });
        xhr.upload()
            .map_err(message)?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        let done = js_sys::Promise::new(&mut |resolve, reject| {
            xhr.set_onload(Some(&resolve));
            xhr.set_onerror(Some(&reject));
            xhr.set_onabort(Some(&reject));
        });
        xhr.send_with_opt_u8_array(Some(body)).map_err(message)?;
        JsFuture::from(done)
            .await
            .map_err(|_| "the upload failed: check your connection and try again".to_owned())?;
        drop(on_progress);
        let status = xhr.status().unwrap_or(0);
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        if (200..300).contains(&status) {
            serde_json::from_str(&text).map_err(|e| format!("unreadable answer: {e}"))
        } else {
            let said = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("message")?.as_str().map(str::to_owned));
            Err(said.unwrap_or_else(|| format!("the server answered {status}")))
        }
    }
}
