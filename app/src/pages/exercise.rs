//! `/exercises/:id` — one exercise's progress: estimated 1RM and heaviest weight over
//! time, volume per session, its records, and every session's sets of it, newest first
//! ([`crate::stats::progress`]). A route loaded on demand.

use crate::live::figures::{live, on_server, status_of};
use crate::live::settings::{use_settings, ServerSettings};
use crate::model::{SetType, Tracking, WeightUnit};
use crate::pages::chart::{Chart, ChartKind};
use crate::pages::format::show_number;
use crate::pages::format::weight;
use crate::stats::progress::{progress, Progress, RecordCell};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

pub struct ExerciseRoute;

#[lazy_route]
impl LazyRoute for ExerciseRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ExercisePage /> }.into_any()
    }
}

#[component]
pub fn ExercisePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = Memo::new(move |_| {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        let page = query
            .with(|q| q.get("page").and_then(|p| p.parse::<usize>().ok()))
            .unwrap_or(1)
            .saturating_sub(1);
        (id, page)
    });
    let server = Resource::new(
        move || key.get(),
        |(id, page)| async move {
            let key = format!("exercise {id} {page}");
            let found = on_server(key, move |q, s| progress(q, s, &id, page)).await;
            status_of(&found);
            found
        },
    );
    let settings = expect_context::<ServerSettings>().0;
    view! {
        <Title text="Exercise · EzLift" />
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                let _ = settings.await;
                view! { <Body server=data key /> }
            })}
        </Suspense>
    }
}

#[component]
fn Body(server: Option<Option<Progress>>, key: Memo<(String, usize)>) -> impl IntoView {
    let figures = live(server, move |q, s| {
        let (id, page) = key.get();
        progress(q, s, &id, page)
    })
    .figures;
    let settings = use_settings();
    move || {
        let unit = settings.get().weight_unit;
        match figures.get() {
            None => view! { <p class="empty">"Loading…"</p> }.into_any(),
            Some(None) => view! {
                <h1>"Exercise not found"</h1>
                <p><a href="/history">"Back to history"</a></p>
            }
            .into_any(),
            Some(Some(p)) => page(p, unit).into_any(),
        }
    }
}

fn page(p: Progress, unit: WeightUnit) -> impl IntoView {
    let format = crate::pages::format::chart_format(unit.label());
    // An assisted exercise has a load once the lifter's bodyweight is known.
    let weighted = p.points.iter().any(|x| x.heaviest.is_some());
    let series = |f: fn(&crate::stats::progress::Point) -> Option<f64>| -> Vec<(String, f64)> {
        p.points
            .iter()
            .filter_map(|x| Some((x.day.short(), unit.show(f(x)?))))
            .collect()
    };
    let one_rm = series(|x| x.one_rm);
    let heaviest = series(|x| x.heaviest);
    let volumes = series(|x| Some(x.volume));
    let charts = (p.total > 0 && weighted).then(|| {
        let shown = p.points.len();
        view! {
            <p class="muted">{format!("Charts of the last {shown} sessions.")}</p>
            <div class="cards">
                <section class="card">
                    <Chart title="Estimated 1RM".into() rows=one_rm format kind=ChartKind::Line testid="chart-one-rm" />
                </section>
                <section class="card">
                    <Chart title="Heaviest weight".into() rows=heaviest format kind=ChartKind::Line testid="chart-heaviest" />
                </section>
                <section class="card">
                    <Chart title="Volume per session".into() rows=volumes format kind=ChartKind::Bars testid="chart-volume" />
                </section>
            </div>
        }
    });
    let cell = |c: &Option<RecordCell>, show: &dyn Fn(f64) -> String| match c {
        Some(c) => view! {
            <td>{show(c.value)}</td>
            <td><a href=format!("/history/{}", c.log_id)>{c.day.long()}</a></td>
        }
        .into_any(),
        None => view! { <td>"—"</td><td></td> }.into_any(),
    };
    let kg = move |v: f64| weight(v, unit);
    let records = view! {
        <table class="records-table" data-testid="pr-table">
            <thead><tr><th scope="col">"Record"</th><th scope="col">"Value"</th><th scope="col">"Set on"</th></tr></thead>
            <tbody>
                <tr data-testid="pr-heaviest"><th scope="row">"Heaviest weight"</th>{cell(&p.records.heaviest, &kg)}</tr>
                <tr data-testid="pr-one-rm"><th scope="row">"Best estimated 1RM"</th>{cell(&p.records.one_rm, &kg)}</tr>
                <tr data-testid="pr-set-volume"><th scope="row">"Best set volume"</th>{cell(&p.records.set_volume, &kg)}</tr>
                <tr data-testid="pr-session-volume"><th scope="row">"Best session volume"</th>{cell(&p.records.session_volume, &kg)}</tr>
                {p.records.reps_at.iter().rev().map(|(w, c)| view! {
                    <tr><th scope="row">{format!("Most reps at {}", weight(*w, unit))}</th>{cell(&Some(c.clone()), &|v| format!("{v}"))}</tr>
                }).collect_view()}
            </tbody>
        </table>
    };
    let sessions = p
        .sessions
        .iter()
        .map(|s| {
            let sets = s
                .sets
                .iter()
                .map(|x| {
                    let mark = match x.set_type {
                        SetType::Normal => "",
                        SetType::Warmup => "W ",
                        SetType::Drop => "D ",
                        SetType::Failure => "F ",
                    };
                    let text = set_text(x, p.tracking, unit);
                    let class = if x.completed { "" } else { "muted" };
                    view! { <li class=class>{mark}{text}</li> }
                })
                .collect_view();
            view! {
                <li data-testid="exercise-session">
                    <a href=format!("/history/{}", s.log_id)><strong>{s.title.clone()}</strong></a>
                    <span class="muted">" · "{s.day.long()}</span>
                    <ol class="set-list">{sets}</ol>
                </li>
            }
        })
        .collect_view();
    let pager = (p.pages > 1).then(|| {
        let link = |n: usize| format!("/exercises/{}?page={}", p.id, n + 1);
        view! {
            <nav class="pager" aria-label="Pages">
                {(p.page > 0).then(|| view! { <a href=link(p.page - 1) data-testid="newer">"← Newer"</a> })}
                <span>{format!("Page {} of {}", p.page + 1, p.pages)}</span>
                {(p.page + 1 < p.pages).then(|| view! { <a href=link(p.page + 1) data-testid="older">"Older →"</a> })}
            </nav>
        }
    });
    view! {
        <p class="crumbs"><a href=format!("/history?exercise={}", p.id)>"← Sessions with it"</a></p>
        <h1 data-testid="exercise-name">{p.name.clone()}</h1>
        <p class="muted">
            {p.muscle.clone()}" · "{p.tracking.label()}" · "
            <span data-testid="exercise-total">
                {if p.total == 1 { "1 session".to_owned() } else { format!("{} sessions", p.total) }}
            </span>
        </p>
        {if p.total == 0 {
            view! { <p class="empty" data-testid="exercise-empty">"Not logged yet: its progress appears here once you do."</p> }.into_any()
        } else {
            view! {
                {charts}
                <section class="card">
                    <h2>"Records"</h2>
                    {records}
                </section>
                <section class="card">
                    <h2>"Log"</h2>
                    <ul class="session-list">{sessions}</ul>
                    {pager}
                </section>
            }.into_any()
        }}
    }
}

/// `100 kg × 5`, `12 reps`, `1:30`, `5000 m in 25:00`.
fn set_text(s: &crate::stats::history::DetailSet, tracking: Tracking, unit: WeightUnit) -> String {
    let mut parts = Vec::new();
    if tracking.has_weight() {
        if let Some(w) = s.weight {
            let w = weight(w, unit);
            parts.push(if tracking == Tracking::Assisted {
                format!("−{w}")
            } else {
                w
            });
        }
    }
    if tracking.has_reps() {
        if let Some(r) = s.reps {
            parts.push(if parts.is_empty() {
                format!("{r} reps")
            } else {
                format!("× {r}")
            });
        }
    }
    if tracking.has_distance() {
        if let Some(d) = s.distance {
            parts.push(format!("{} m", show_number(Some(d))));
        }
    }
    if tracking.has_duration() {
        if let Some(d) = s.duration {
            parts.push(crate::pages::shell::clock(d));
        }
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(" ")
    }
}
