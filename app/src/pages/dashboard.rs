//! `/` — the dashboard: this week against last week, the streak, volume per week, recent
//! records and sessions, sets per muscle and the next workout, from
//! [`crate::overview`] (on the server from the database, then live from the
//! replica).

use crate::live::figures::{live, on_server};
use crate::live::settings::{use_settings, ServerSettings};
use crate::model::WeightUnit;
use crate::overview::{overview, Overview, WeekTotals};
use crate::pages::chart::{Chart, ChartKind};
use crate::pages::format::{chart_format, duration, record_text, volume};
use crate::pages::starter::StartButton;
use crate::programs::Program;
use crate::replica::{new_id, now_ms};
use crate::session::use_session;
use crate::stats::calendar::Day;
use crate::stats::history::RecordLine;
use crate::workout::start::{from_template, next_workout};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};
use std::sync::Arc;

/// `/`, loaded on demand like every page with figures: the statistics and the charts stay
/// out of the module every page loads first.
pub struct DashboardRoute;

#[lazy_route]
impl LazyRoute for DashboardRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Dashboard /> }.into_any()
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = use_session();
    let server = Resource::new(|| (), |_| on_server("overview".into(), overview));
    let settings = expect_context::<ServerSettings>().0;
    view! {
        <Title text="Dashboard · EzLift" />
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = session.await.ok().flatten();
                let data = server.await;
                let _ = settings.await;
                user.map(|u| {
                    view! {
                        <p class="lead" data-testid="welcome">
                            {match u.name() {
                                Some(name) => format!("Welcome, {name}."),
                                None => "Welcome.".to_owned(),
                            }}
                        </p>
                        <Figures server=data />
                    }
                })
            })}
        </Suspense>
    }
}

#[component]
fn Figures(server: Option<Overview>) -> impl IntoView {
    let live = live(server, overview);
    let settings = use_settings();
    let body = move || {
        let unit = settings.get().weight_unit;
        match live.figures.get() {
            None => view! { <p class="empty">"Loading your training…"</p> }.into_any(),
            Some(o) if o.total_sessions == 0 => empty(&o, unit).into_any(),
            Some(o) => filled(o, unit).into_any(),
        }
    };
    view! {
        <div data-testid="dashboard" data-live=move || live.from_replica.get().to_string()>
            {body}
        </div>
    }
}

/// A new user's first steps (and their bodyweight, which can come before any workout).
fn empty(o: &Overview, unit: WeightUnit) -> impl IntoView {
    view! {
        <section class="card empty-state" data-testid="dashboard-empty">
            <h2>"Start here"</h2>
            <ol class="steps">
                {(!o.has_program).then(|| view! {
                    <li><a href="/programs">"Build a program"</a>" — routines of workouts to follow (optional)."</li>
                })}
                <li><a href="/workout">"Log your first workout"</a>" — your week, streak and records appear here."</li>
                <li><a href="/import">"Import your history"</a>" from another app."</li>
            </ol>
        </section>
        <NextCard o=o.clone() />
        {bodyweight_card(&o.bodyweight, unit)}
    }
}

fn versus(now: &WeekTotals, last: &WeekTotals, unit: WeightUnit) -> String {
    let sessions = i64::from(now.sessions) - i64::from(last.sessions);
    let kg = now.volume - last.volume;
    let sign = |v: f64| if v >= 0.0 { "+" } else { "−" };
    format!(
        "{}{} sessions, {}{} vs last week",
        sign(sessions as f64),
        sessions.abs(),
        sign(kg),
        volume(kg.abs(), unit)
    )
}

fn filled(o: Overview, unit: WeightUnit) -> impl IntoView {
    let weeks: Vec<(String, f64)> = o
        .weeks
        .iter()
        .map(|w| (w.start.short(), unit.show(w.volume)))
        .collect();
    let format: fn(f64) -> String = match unit {
        WeightUnit::Kg => |v| crate::pages::format::thousands(v.round() as i64) + " kg",
        WeightUnit::Lb => |v| crate::pages::format::thousands(v.round() as i64) + " lb",
    };
    let records = record_items(&o.records, unit, "dashboard-pr", Day::short);
    let recent = o
        .recent
        .iter()
        .map(|s| {
            view! {
                <li data-testid="recent-session">
                    <a href=format!("/history/{}", s.id)><strong>{s.title.clone()}</strong></a>
                    <span class="muted">" · "{s.day.long()}" · "{duration(s.duration)}" · "{volume(s.volume, unit)}</span>
                    <br /><span class="muted small">{s.names()}</span>
                </li>
            }
        })
        .collect_view();
    let muscles = o
        .muscles
        .iter()
        .map(|m| {
            view! {
                <tr>
                    <th scope="row">{m.muscle.clone()}</th>
                    <td>{m.week}</td>
                    <td>{m.last_7}</td>
                    <td>{m.last_30}</td>
                </tr>
            }
        })
        .collect_view();
    let streak = match o.streak {
        1 => "1 week".to_owned(),
        n => format!("{n} weeks"),
    };
    let bests = record_items(&o.all_time, unit, "all-time-best", Day::long);
    view! {
        {welcome_back(&o, unit)}
        <div class="cards">
            <section class="card" data-testid="this-week">
                <h2>"This week"</h2>
                <dl class="figures">
                    <div><dt>"Sessions"</dt><dd data-testid="week-sessions">{o.this_week.sessions}</dd></div>
                    <div><dt>"Volume"</dt><dd data-testid="week-volume">{volume(o.this_week.volume, unit)}</dd></div>
                    <div><dt>"Time"</dt><dd data-testid="week-time">{duration(o.this_week.seconds)}</dd></div>
                </dl>
                <p class="muted" data-testid="week-versus">{versus(&o.this_week, &o.last_week, unit)}</p>
            </section>
            <section class="card">
                <h2>"Streak"</h2>
                <p class="big-figure" data-testid="streak">{streak}</p>
                <p class="muted">"Weeks in a row with at least one workout."</p>
            </section>
            <NextCard o=o.clone() />
        </div>
        <div class="cards">
            <section class="card">
                <Chart title="Volume per week".into() rows=weeks format kind=ChartKind::Bars testid="weekly-volume" />
            </section>
            {bodyweight_card(&o.bodyweight, unit)}
        </div>
        <div class="cards">
            <section class="card">
                <h2>"Recent records"</h2>
                {if o.records.is_empty() {
                    view! { <p class="empty">"No records yet."</p> }.into_any()
                } else {
                    view! { <ul class="records">{records}</ul> }.into_any()
                }}
            </section>
            <section class="card" data-testid="all-time">
                <h2>"All-time bests"</h2>
                {if o.all_time.is_empty() {
                    view! { <p class="empty" data-testid="no-all-time">"No weighted sets yet: your heaviest lifts show here."</p> }.into_any()
                } else {
                    view! { <ul class="records">{bests}</ul> }.into_any()
                }}
            </section>
            <section class="card">
                <h2>"Recent workouts"</h2>
                <ul class="session-list">{recent}</ul>
                <p><a href="/history">"All history →"</a></p>
            </section>
        </div>
        <section class="card">
            <h2>"Sets per muscle"</h2>
            {if o.muscles.is_empty() {
                view! { <p class="empty">"Nothing in the last 30 days."</p> }.into_any()
            } else {
                view! {
                    <table class="muscles" data-testid="muscles">
                        <thead><tr><th scope="col">"Muscle"</th><th scope="col">"This week"</th><th scope="col">"7 days"</th><th scope="col">"30 days"</th></tr></thead>
                        <tbody>{muscles}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// The bodyweight beside the lifts: its chart once measured, else where to log it.
fn bodyweight_card(points: &[(Day, f64)], unit: WeightUnit) -> impl IntoView {
    let body = if points.is_empty() {
        view! {
            <h2>"Bodyweight"</h2>
            <p class="empty" data-testid="no-bodyweight">
                "Not measured yet. Bodyweight exercises count it in their load."
            </p>
        }
        .into_any()
    } else {
        let rows = points
            .iter()
            .map(|(d, kg)| (d.short(), unit.show(*kg)))
            .collect();
        let format = chart_format(unit.label());
        view! { <Chart title="Bodyweight".into() rows format kind=ChartKind::Line testid="bodyweight-chart" /> }
            .into_any()
    };
    view! {
        <section class="card" data-testid="bodyweight">
            {body}
            <p><a href="/measurements" data-testid="to-measurements">"Measurements →"</a></p>
        </section>
    }
}

/// Records as list items: the exercise, the record, and the day it was set (written by
/// `day`), each a link.
fn record_items(
    lines: &[RecordLine],
    unit: WeightUnit,
    testid: &'static str,
    day: fn(Day) -> String,
) -> impl IntoView {
    lines
        .iter()
        .map(|r| {
            view! {
                <li data-testid=testid>
                    <a href=format!("/exercises/{}", r.exercise_id)>{r.exercise.clone()}</a>
                    " · "{record_text(r.kind, r.value, unit)}
                    " · "<a class="muted" href=format!("/history/{}", r.log_id)>{day(r.day)}</a>
                </li>
            }
        })
        .collect_view()
}

/// Days without training after which the dashboard leads with the last session: this
/// week's zeros say nothing to a lifter coming back.
const AWAY_DAYS: i64 = 14;

/// For a lifter back after a break: the last session, how long ago, and a way to start.
fn welcome_back(o: &Overview, unit: WeightUnit) -> Option<impl IntoView> {
    let last = o.recent.first()?;
    let days = o.today.0 - last.day.0;
    if days < AWAY_DAYS {
        return None;
    }
    let ago = match days {
        d if d < 60 => format!("{} weeks ago", d / 7),
        d if d < 730 => format!("{} months ago", d / 30),
        d => format!("{} years ago", d / 365),
    };
    Some(view! {
        <section class="card welcome-back" data-testid="welcome-back">
            <h2>"Welcome back"</h2>
            <p>
                "Your last session was "
                <a href=format!("/history/{}", last.id)><strong>{last.title.clone()}</strong></a>
                ", " {last.day.long()} " (" {ago} ")."
            </p>
            <p class="muted small">
                {duration(last.duration)}" · "{volume(last.volume, unit)}" · "{last.names()}
            </p>
        </section>
    })
}

/// The default routine's next workout, with a button that starts it.
#[component]
fn NextCard(o: Overview) -> impl IntoView {
    let body = match o.next {
        Some(next) => {
            let id = next.id.clone();
            let make = Arc::new(move |q: &crate::local::Query| {
                let program = Program::from_index(q);
                let w = next_workout(&program, q).map(|w| w.id.clone()).unwrap_or(id.clone());
                from_template(&program, q, &w, &mut new_id, now_ms())
            });
            view! {
                <p><strong data-testid="next-title">{next.title}</strong></p>
                <p class="muted">{format!("{} · {} exercises", next.routine, next.exercises)}</p>
                <StartButton label="Start".into() make primary=true testid="start-next-dashboard" />
            }
            .into_any()
        }
        None if o.has_program => view! {
            <p class="empty">"Mark a routine as default in "<a href="/programs">"Programs"</a>" to see what is next."</p>
        }
        .into_any(),
        None => view! {
            <p class="empty"><a href="/programs">"Build a program"</a>" to be told what is next, or "<a href="/workout">"start an empty workout"</a>"."</p>
        }
        .into_any(),
    };
    view! {
        <section class="card" data-testid="next-workout">
            <h2>"Next workout"</h2>
            {body}
        </section>
    }
}
