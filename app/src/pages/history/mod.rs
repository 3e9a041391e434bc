//! `/history` — every session, newest first, a page at a time and grouped by month, with
//! a month calendar of training days and a filter by exercise; `/history/:id` — one
//! session ([`session`]). Both are routes loaded on demand.
//!
//! The page's state is its URL (`?page=2&month=2026-10&exercise=…`), so every view has
//! a link, works without JavaScript and is rendered by the server with the same
//! [`crate::stats::history`] code the browser runs on the replica.

mod session;

use crate::live::figures::{live, on_server};
use crate::live::settings::{use_settings, ServerSettings};
use crate::model::WeightUnit;
use crate::pages::format::{duration, volume};
use crate::stats::calendar::Month;
use crate::stats::history::{history, HistoryQuery, HistoryView, SessionLine};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

pub use session::SessionPage;

/// `/history`, loaded on demand.
pub struct HistoryRoute;

#[lazy_route]
impl LazyRoute for HistoryRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <HistoryPage /> }.into_any()
    }
}

/// `/history/:id`, loaded on demand.
pub struct SessionRoute;

#[lazy_route]
impl LazyRoute for SessionRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SessionPage /> }.into_any()
    }
}

/// The link to a view of the history.
pub fn href(page: Option<usize>, month: Option<Month>, exercise: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(p) = page {
        parts.push(format!("page={}", p + 1));
    }
    if let Some(m) = month {
        parts.push(format!("month={m}"));
    }
    if let Some(e) = exercise {
        parts.push(format!("exercise={}", encode(e)));
    }
    if parts.is_empty() {
        "/history".into()
    } else {
        format!("/history?{}", parts.join("&"))
    }
}

/// Ids are letters, digits, `-` and `_`; anything else is escaped.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let query = use_query_map();
    let ask = Memo::new(move |_| {
        query.with(|q| HistoryQuery {
            page: q
                .get("page")
                .and_then(|p| p.parse::<usize>().ok())
                .map(|p| p.saturating_sub(1)),
            month: q.get("month").and_then(|m| Month::parse(&m)),
            exercise: q.get("exercise").filter(|e| !e.is_empty()),
        })
    });
    let server = Resource::new(
        move || ask.get(),
        |ask| async move {
            let key = format!("history {ask:?}");
            on_server(key, move |q, s| history(q, s, &ask)).await
        },
    );
    let settings = expect_context::<ServerSettings>().0;
    view! {
        <Title text="History · EzLift" />
        <h1>"History"</h1>
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                let _ = settings.await;
                view! { <HistoryBody server=data ask /> }
            })}
        </Suspense>
        <p class="muted small"><a href="/deleted" data-testid="to-deleted">"Recently deleted"</a></p>
    }
}

#[component]
fn HistoryBody(server: Option<HistoryView>, ask: Memo<HistoryQuery>) -> impl IntoView {
    let figures = live(server, move |q, s| history(q, s, &ask.get())).figures;
    let settings = use_settings();
    move || {
        let unit = settings.get().weight_unit;
        let week_start = settings.get().week_start.0;
        figures.get().map_or_else(
            || view! { <p class="empty">"Loading your history…"</p> }.into_any(),
            |v| body(v, unit, week_start).into_any(),
        )
    }
}

fn body(v: HistoryView, unit: WeightUnit, week_start: u8) -> impl IntoView {
    let exercise = v.exercise.as_ref().map(|e| e.0.clone());
    let groups = v
        .groups
        .iter()
        .map(|(month, lines)| {
            let items = lines.iter().map(|s| line(s, unit)).collect_view();
            view! {
                <section class="month" data-testid="history-month">
                    <h2>{month.label()}</h2>
                    <ul class="session-list">{items}</ul>
                </section>
            }
        })
        .collect_view();
    let empty = v.total == 0;
    let pager = (v.pages > 1).then(|| {
        let e = exercise.clone();
        let newer = (v.page > 0).then(|| href(Some(v.page - 1), None, e.as_deref()));
        let older = (v.page + 1 < v.pages).then(|| href(Some(v.page + 1), None, e.as_deref()));
        view! {
            <nav class="pager" aria-label="Pages">
                {newer.map(|h| view! { <a href=h rel="prev" data-testid="newer">"← Newer"</a> })}
                <span data-testid="page-of">{format!("Page {} of {}", v.page + 1, v.pages)}</span>
                {older.map(|h| view! { <a href=h rel="next" data-testid="older">"Older →"</a> })}
            </nav>
        }
    });
    view! {
        <div class="history">
            <div class="history-side">
                <Calendar v=v.clone() week_start />
                <ExerciseFilter v=v.clone() />
            </div>
            <div class="history-list">
                <p class="muted" data-testid="history-total">
                    {match (&v.exercise, v.total) {
                        (Some((_, name)), n) => format!("{n} sessions with {name}"),
                        (None, 1) => "1 session".to_owned(),
                        (None, n) => format!("{n} sessions"),
                    }}
                </p>
                {if empty {
                    view! {
                        <section class="card empty-state" data-testid="history-empty">
                            <p>"No sessions yet. "<a href="/workout">"Log a workout"</a>", or "<a href="/import">"import"</a>" them from another app."</p>
                        </section>
                    }.into_any()
                } else {
                    view! { {groups} }.into_any()
                }}
                {pager}
            </div>
        </div>
    }
}

fn line(s: &SessionLine, unit: WeightUnit) -> impl IntoView {
    view! {
        <li data-testid="history-session">
            <a href=format!("/history/{}", s.id)><strong>{s.title.clone()}</strong></a>
            <span class="muted">" · "{s.day.long()}</span>
            <br />
            <span class="muted small">
                {duration(s.duration)}" · "{volume(s.volume, unit)}" · "{format!("{} sets", s.sets)}
            </span>
            <br />
            <span class="small">{s.names()}</span>
        </li>
    }
}

/// A month of days, training days marked (each a link to its session), with links to
/// the months around it.
#[component]
fn Calendar(v: HistoryView, week_start: u8) -> impl IntoView {
    let month = v.calendar.month;
    let exercise = v.exercise.as_ref().map(|e| e.0.clone());
    let first = month.first();
    let lead = (i64::from(first.weekday()) - i64::from(week_start)).rem_euclid(7);
    let mut cells = Vec::new();
    for _ in 0..lead {
        cells.push(view! { <span class="day pad" aria-hidden="true"></span> }.into_any());
    }
    for day in month.days() {
        let (_, _, d) = day.date();
        let today = day == v.today;
        let class = if today { "day today" } else { "day" };
        match v.calendar.trained.iter().find(|t| t.day == day) {
            Some(t) => {
                let label = format!(
                    "{}: {} session{}",
                    day.long(),
                    t.sessions,
                    if t.sessions == 1 { "" } else { "s" }
                );
                cells.push(
                    view! {
                        <a class=format!("{class} trained") href=format!("/history/{}", t.first) aria-label=label data-testid="trained-day">
                            {d}
                        </a>
                    }
                    .into_any(),
                );
            }
            None => cells.push(view! { <span class=class>{d}</span> }.into_any()),
        }
    }
    let names = ["S", "M", "T", "W", "T", "F", "S"];
    let heads = (0..7)
        .map(|i| names[(usize::from(week_start) + i) % 7])
        .map(|n| view! { <span class="dow" aria-hidden="true">{n}</span> })
        .collect_view();
    let e = exercise.clone();
    let prev = v.calendar.prev.map(|m| href(None, Some(m), e.as_deref()));
    let next = v
        .calendar
        .next
        .map(|m| href(None, Some(m), exercise.as_deref()));
    view! {
        <section class="card calendar" data-testid="calendar">
            <div class="calendar-head">
                {match prev {
                    Some(h) => view! { <a href=h aria-label="Previous month" data-testid="prev-month">"‹"</a> }.into_any(),
                    None => view! { <span class="muted" aria-hidden="true">"‹"</span> }.into_any(),
                }}
                <h2 data-testid="calendar-month">{month.label()}</h2>
                {match next {
                    Some(h) => view! { <a href=h aria-label="Next month" data-testid="next-month">"›"</a> }.into_any(),
                    None => view! { <span class="muted" aria-hidden="true">"›"</span> }.into_any(),
                }}
            </div>
            <div class="calendar-grid">{heads}{cells}</div>
        </section>
    }
}

/// Shows only the sessions with one exercise: a form (so it works without JavaScript)
/// that the browser turns into a navigation.
#[component]
fn ExerciseFilter(v: HistoryView) -> impl IntoView {
    let navigate = use_navigate();
    // Read at submit time: a choice made while the page was still hydrating counts too.
    let select = NodeRef::<leptos::html::Select>::new();
    let options = v
        .exercises
        .iter()
        .map(|(id, name)| {
            let selected = v.exercise.as_ref().is_some_and(|e| &e.0 == id);
            view! { <option value=id.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let e = select.get().map(|s| s.value()).unwrap_or_default();
        navigate(
            &href(None, None, (!e.is_empty()).then_some(e.as_str())),
            Default::default(),
        );
    };
    view! {
        <form class="card filter" method="get" action="/history" on:submit=submit>
            <label for="exercise-filter">"Exercise"</label>
            <div class="inline-fields">
                <select id="exercise-filter" name="exercise" data-testid="exercise-filter" node_ref=select>
                    <option value="">"All exercises"</option>
                    {options}
                </select>
                <button type="submit" data-testid="apply-filter">"Show"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_view() {
        assert_eq!(href(None, None, None), "/history");
        assert_eq!(
            href(Some(1), Month::parse("2026-09"), Some("a b")),
            "/history?page=2&month=2026-09&exercise=a%20b"
        );
    }
}
