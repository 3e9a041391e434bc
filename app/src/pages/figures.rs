//! What the statistics pages share: their figures computed on the server from the
//! database and in the browser from the replica, by the same [`crate::stats`] code;
//! number formats; the SVG charts; the button that starts a session from a page.

use crate::model::{LibraryExercise, WeightUnit};
use crate::pages::programs::show_number;
use crate::replica::{use_replica, Query, ReplicaSlot};
use crate::settings::Settings;
use crate::stats::{Catalog, Scope, Zone};
use crate::workout::{ActiveSession, Edit};
use leptos::prelude::*;

/// The user's zone where the page is computed: the browser's own, or on the server the
/// one the browser reported in the `tz` cookie (UTC when it has not yet).
pub fn zone_here() -> Zone {
    #[cfg(feature = "hydrate")]
    {
        Zone::Browser
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get_all(http::header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(';'))
                    .filter_map(|c| c.trim().strip_prefix("tz="))
                    .find_map(Zone::named)
            })
            .unwrap_or(Zone::UTC)
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Zone::UTC
    }
}

/// Computes `f` on the server over the user's records of `tables` (settings and custom
/// exercises are always read), or takes it from the server's cache of figures when
/// nothing of the user's changed since. `key` names the question (page and parameters);
/// the zone and the day are added to it. `None` in the browser and for a signed-out
/// visitor.
pub async fn on_server<T>(
    key: String,
    tables: &[&str],
    f: impl FnOnce(&Query, &Scope) -> T + Send + 'static,
) -> Option<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    #[cfg(feature = "ssr")]
    {
        use crate::page_data::{page_user, SharedPageData};
        let data = use_context::<SharedPageData>()?;
        let user = page_user()?;
        let mut all: Vec<&str> = vec!["user_settings", "custom_exercises"];
        all.extend(tables);
        let library = data.library();
        let zone = zone_here();
        let now = crate::replica::now_ms();
        let key = format!("{key}|{zone:?}|{}", zone.day(now).0);
        let compute: crate::page_data::Compute = Box::new(move |snapshot| {
            let value =
                crate::replica::query_snapshot(snapshot, |q| scoped(q, &library, &zone, now, f));
            serde_json::to_string(&value).unwrap_or_default()
        });
        let json = data.computed(&user.id, &all, key, compute).await.ok()?;
        serde_json::from_str(&json).ok()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (key, tables, f);
        None
    }
}

/// Answers `404` for a page whose subject the server looked for and did not find
/// (`Some(None)`).
pub fn status_of<T>(found: &Option<Option<T>>) {
    #[cfg(feature = "ssr")]
    if matches!(found, Some(None)) {
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = found;
}

fn scoped<T>(
    q: &Query,
    library: &[LibraryExercise],
    zone: &Zone,
    now: i64,
    f: impl FnOnce(&Query, &Scope) -> T,
) -> T {
    let catalog = Catalog::new(library, q);
    let settings = Settings::of(q);
    let scope = Scope {
        catalog: &catalog,
        settings: &settings,
        zone,
        now,
    };
    f(q, &scope)
}

/// A page's figures as [`live`] gives them.
#[derive(Clone, Copy)]
pub struct Live<T: Send + Sync + 'static> {
    pub figures: Signal<Option<T>>,
    /// The figures are the replica's (not the server's any more).
    pub from_replica: Signal<bool>,
    pub replica: ReplicaSlot,
}

/// A page's figures: the server's (sent with the page) until the replica may be read
/// and the exercise library has loaded, then the replica's, recomputed after every
/// change to it (a local edit, a sync, another tab).
///
/// In the browser each recomputation is timed, alone (`ezlift:figures-computed`) and up
/// to the frame that shows it (`ezlift:figures-drawn`), for the benchmark.
pub fn live<T>(
    server: Option<T>,
    f: impl Fn(&Query, &Scope) -> T + Send + Sync + 'static,
) -> Live<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let replica = use_replica();
    let readable = replica.readable();
    let library = replica.library(readable);
    let local = Memo::new(move |_| {
        if !readable.get() || library.with(Vec::is_empty) {
            return None;
        }
        #[cfg(feature = "hydrate")]
        {
            crate::replica::mark("ezlift:figures");
            crate::replica::mark("ezlift:figures-compute");
        }
        let zone = zone_here();
        let now = crate::replica::now_ms();
        let figures = library.with(|l| replica.query(|q| scoped(q, l, &zone, now, &f)));
        #[cfg(feature = "hydrate")]
        crate::replica::measure("ezlift:figures-computed", "ezlift:figures-compute");
        figures
    });
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if local.with(Option::is_some) {
            request_animation_frame(|| {
                crate::replica::measure("ezlift:figures-drawn", "ezlift:figures")
            });
        }
    });
    let server = StoredValue::new(server);
    Live {
        figures: Signal::derive(move || local.get().or_else(|| server.get_value())),
        from_replica: Signal::derive(move || local.with(Option::is_some)),
        replica,
    }
}

/// `102.5 kg`.
pub fn weight(kg: f64, unit: WeightUnit) -> String {
    format!("{} {}", show_number(Some(unit.show(kg))), unit.label())
}

/// A volume, rounded to whole units with thousands separated: `12,345 kg`.
pub fn volume(kg: f64, unit: WeightUnit) -> String {
    format!(
        "{} {}",
        thousands(unit.show(kg).round() as i64),
        unit.label()
    )
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// What a record says: `Heaviest weight: 110 kg`.
pub fn record_text(kind: crate::stats::RecordKind, value: f64, unit: WeightUnit) -> String {
    use crate::stats::RecordKind as K;
    match kind {
        K::HeaviestWeight => format!("Heaviest weight: {}", weight(value, unit)),
        K::BestOneRm => format!("Best estimated 1RM: {}", weight(value, unit)),
        K::MostRepsAt(w) => format!("Most reps at {}: {value}", weight(w, unit)),
        K::BestSetVolume => format!("Best set volume: {}", weight(value, unit)),
        K::BestSessionVolume => format!("Best session volume: {}", weight(value, unit)),
    }
}

/// `1 h 05 min`, `45 min`.
pub fn duration(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 30) / 60;
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

/// How a chart draws its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Line,
    Bars,
}

const W: f64 = 320.0;
const H: f64 = 150.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// The geometry of a chart: each value's position in a 320 × 150 box with room for the
/// axis labels; values are never negative here, so the scale starts at zero for bars and
/// just below the smallest value for lines (progress is the point there).
pub fn chart_points(values: &[f64], kind: ChartKind) -> (Vec<(f64, f64)>, f64, f64) {
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let min = match kind {
        ChartKind::Bars => 0.0,
        ChartKind::Line => {
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            if lo.is_finite() {
                (lo - (max - lo) * 0.1).max(0.0)
            } else {
                0.0
            }
        }
    };
    let span = if max > min { max - min } else { 1.0 };
    let n = values.len().max(1) as f64;
    let step = (W - LEFT - RIGHT) / n;
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = LEFT + step * (i as f64 + 0.5);
            let y = TOP + (H - TOP - BOTTOM) * (1.0 - (v - min) / span);
            (x, y)
        })
        .collect();
    (points, min, max)
}

/// A chart drawn as SVG on the server (no script needed), in the theme's colours, with
/// the same figures in a table for screen readers and for reading exact values.
#[component]
pub fn Chart(
    title: String,
    /// `(label, value)` in display units, oldest first.
    rows: Vec<(String, f64)>,
    /// How values are written: `102.5 kg`.
    format: fn(f64) -> String,
    kind: ChartKind,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let values: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let (points, min, max) = chart_points(&values, kind);
    let step = (W - LEFT - RIGHT) / values.len().max(1) as f64;
    let baseline = H - BOTTOM;
    let shapes = match kind {
        ChartKind::Bars => points
            .iter()
            .map(|(x, y)| {
                let w = (step * 0.7).max(1.0);
                view! {
                    <rect
                        class="bar"
                        x=format!("{:.1}", x - w / 2.0)
                        y=format!("{y:.1}")
                        width=format!("{w:.1}")
                        height=format!("{:.1}", (baseline - y).max(0.0))
                    />
                }
                .into_any()
            })
            .collect::<Vec<_>>(),
        ChartKind::Line => {
            let line = points
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            let mut out = vec![view! { <polyline class="line" points=line /> }.into_any()];
            out.extend(points.iter().map(|(x, y)| {
                view! { <circle class="dot" cx=format!("{x:.1}") cy=format!("{y:.1}") r="2.5" /> }
                    .into_any()
            }));
            out
        }
    };
    let first = rows.first().map(|r| r.0.clone()).unwrap_or_default();
    let last = rows.last().map(|r| r.0.clone()).unwrap_or_default();
    let latest = rows.last().map(|r| format(r.1)).unwrap_or_default();
    let summary = format!(
        "{title}: {} values from {first} to {last}, between {} and {}; latest {latest}.",
        rows.len(),
        format(min),
        format(max)
    );
    let table = rows
        .iter()
        .rev()
        .map(|(label, v)| view! { <tr><th scope="row">{label.clone()}</th><td>{format(*v)}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary>
                <line class="axis" x1=LEFT y1=baseline x2=W - RIGHT y2=baseline />
                <line class="grid" x1=LEFT y1=TOP x2=W - RIGHT y2=TOP />
                <text class="tick" x=LEFT - 4.0 y=TOP + 4.0 text-anchor="end">{format(max)}</text>
                <text class="tick" x=LEFT - 4.0 y=baseline text-anchor="end">{format(min)}</text>
                <text class="tick" x=LEFT y=H - 6.0>{first}</text>
                <text class="tick" x=W - RIGHT y=H - 6.0 text-anchor="end">{last}</text>
                {shapes}
            </svg>
            <details>
                <summary>"As a table"</summary>
                <table class="chart-table">
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Value"</th></tr></thead>
                    <tbody>{table}</tbody>
                </table>
            </details>
        </figure>
    }
}

/// Makes a session to start from the replica's records.
pub type MakeSession = std::sync::Arc<dyn Fn(&Query) -> Option<ActiveSession> + Send + Sync>;

/// Starting a session where one may be in progress: at once when none is, else once the
/// user confirms in a [`ReplaceDialog`].
#[derive(Clone, Copy)]
pub struct Starter {
    replica: ReplicaSlot,
    pending: RwSignal<Option<ActiveSession>>,
    start: Callback<ActiveSession>,
}

impl Starter {
    /// `then` runs once the session is started (to open the logger, say).
    pub fn new(then: impl Fn() + Send + Sync + 'static) -> Self {
        let replica = use_replica();
        Self {
            replica,
            pending: RwSignal::new(None),
            start: Callback::new(move |session: ActiveSession| {
                replica.edit_active(Edit::Start(Box::new(session)));
                then();
            }),
        }
    }

    pub fn begin(&self, session: ActiveSession) {
        if self.replica.active.with_untracked(Option::is_some) {
            self.pending.set(Some(session));
        } else {
            self.start.run(session);
        }
    }
}

/// Asks before a new session replaces the one in progress.
#[component]
pub fn ReplaceDialog(starter: Starter) -> impl IntoView {
    let pending = starter.pending;
    view! {
        <Show when=move || pending.with(Option::is_some)>
            <div class="card confirm" role="alertdialog" aria-label="Replace the workout in progress" data-testid="confirm-replace">
                <p>"A workout is in progress. Starting another discards it."</p>
                <div class="actions">
                    <button type="button" class="danger" on:click=move |_| {
                        if let Some(s) = pending.get_untracked() {
                            starter.start.run(s);
                        }
                        pending.set(None);
                    }>"Discard it and start"</button>
                    <button type="button" on:click=move |_| pending.set(None)>"Keep the current one"</button>
                </div>
            </div>
        </Show>
    }
}

/// A button that starts a session made by `make` from the replica and opens the
/// logger; if one is in progress it asks first.
#[component]
pub fn StartButton(
    label: String,
    make: MakeSession,
    #[prop(optional)] primary: bool,
    #[prop(into)] testid: String,
) -> impl IntoView {
    let replica = use_replica();
    let readable = replica.readable();
    let navigate = leptos_router::hooks::use_navigate();
    let starter = Starter::new(move || navigate("/workout", Default::default()));
    let click = move |_| {
        if let Some(session) = replica.query(|q| make(q)).flatten() {
            starter.begin(session);
        }
    };
    view! {
        <button
            type="button"
            class=if primary { "primary" } else { "" }
            data-testid=testid
            disabled=move || !readable.get()
            on:click=click
        >
            {label}
        </button>
        <ReplaceDialog starter />
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_writes_them() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(volume(1000.0, WeightUnit::Kg), "1,000 kg");
        assert_eq!(volume(550.0, WeightUnit::Lb), "1,213 lb");
        assert_eq!(weight(102.5, WeightUnit::Kg), "102.5 kg");
        assert_eq!(duration(3600 + 5 * 60), "1 h 05 min");
        assert_eq!(duration(45 * 60 + 10), "45 min");
    }

    #[test]
    fn charts_scale_into_their_box() {
        let (p, min, max) = chart_points(&[0.0, 50.0, 100.0], ChartKind::Bars);
        assert_eq!((min, max), (0.0, 100.0));
        assert_eq!(p[0].1, H - BOTTOM);
        assert_eq!(p[2].1, TOP);
        let (p, min, _) = chart_points(&[100.0, 110.0], ChartKind::Line);
        assert_eq!(min, 99.0);
        assert!(p[0].1 > p[1].1, "higher values are drawn higher");
        let (p, _, _) = chart_points(&[], ChartKind::Line);
        assert!(p.is_empty());
    }
}
