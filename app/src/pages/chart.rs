//! The SVG charts of the statistics pages: bars and lines scaled into a fixed box.

use leptos::prelude::*;

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

#[cfg(test)]
mod tests {
    use super::*;

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
