//! Plates on a bar: what goes on each side for a weight, the nearest weight the user's
//! plates can make when the weight itself cannot be loaded, and warm-up sets rounded to
//! weights that can. The bottom of the training domain: the settings hold a plate set,
//! the logger and the template editor use it.
//!
//! A plate set is physical: its sizes are in the unit stamped on the plates, which need not
//! be the unit the user reads weights in (lb plates in a gym, kg on screen). Weights come
//! in and go out in kilograms, like every stored weight; the arithmetic is done in the
//! plates' own unit, in whole hundredths, so 1.25 and 2.5 add up exactly.

use crate::model::WeightUnit;

/// The bar and the plates a user owns.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateSet {
    pub unit: WeightUnit,
    /// In `unit`.
    pub bar: f64,
    /// Plate sizes in `unit`, heaviest first, each with how many plates of it the user
    /// owns (both sides together: a pair loads one per side).
    pub plates: Vec<(f64, u32)>,
}

/// What to put on the bar for a weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Loading {
    /// The weight loaded (bar and plates), in kilograms.
    pub kg: f64,
    /// The same weight in the plates' unit, as written on them.
    pub total: f64,
    /// Plates on each side, heaviest first, in the plates' unit.
    pub per_side: Vec<f64>,
    /// Whether `total` is the weight asked for (else it is the nearest that can be made).
    pub exact: bool,
}

impl PlateSet {
    /// A commercial gym's plates: an Olympic bar, pairs of every size and plenty of the big
    /// ones.
    pub fn standard(unit: WeightUnit) -> Self {
        let (bar, plates): (f64, &[(f64, u32)]) = match unit {
            WeightUnit::Kg => (
                20.0,
                &[
                    (25.0, 8),
                    (20.0, 4),
                    (15.0, 2),
                    (10.0, 4),
                    (5.0, 4),
                    (2.5, 4),
                    (1.25, 2),
                ],
            ),
            WeightUnit::Lb => (
                45.0,
                &[
                    (45.0, 8),
                    (35.0, 2),
                    (25.0, 4),
                    (10.0, 4),
                    (5.0, 4),
                    (2.5, 4),
                ],
            ),
        };
        Self {
            unit,
            bar,
            plates: plates.to_vec(),
        }
    }

    /// How to load `kg`: the plates per side for the loadable weight nearest to it (the
    /// lighter of two equally near, and the fewest plates for a weight). Below the bar,
    /// the empty bar.
    pub fn load(&self, kg: f64) -> Loading {
        let target = hundredths(self.unit.show_exact(kg));
        let bar = hundredths(self.bar);
        let side_target = (target - bar).max(0) as f64 / 2.0;
        // Sizes in a common step (the sizes' greatest common divisor), so the table of
        // reachable sums stays small; lightest first (see below).
        let mut sizes: Vec<(i64, u32)> = self
            .plates
            .iter()
            .map(|(s, c)| (hundredths(*s), c / 2))
            .filter(|(s, c)| *s > 0 && *c > 0)
            .collect();
        sizes.sort_by_key(|(s, _)| *s);
        let step = sizes.iter().fold(0, |g, (s, _)| gcd(g, *s)).max(1);
        let most = sizes
            .iter()
            .map(|(s, c)| s / step * i64::from(*c))
            .sum::<i64>() as usize;
        // layers[i][n]: with the sizes up to i, the fewest plates making n steps per side,
        // and how many of size i they use. Of two ways with as few plates, the one with
        // more of the heavier size wins, so a bar reads as a lifter loads it: 25 + 15,
        // not 20 + 20.
        let mut layers: Vec<Vec<Option<(u32, u32)>>> = Vec::with_capacity(sizes.len());
        let mut fewest: Vec<Option<u32>> = vec![None; most + 1];
        fewest[0] = Some(0);
        for (size, count) in &sizes {
            let size = (size / step) as usize;
            let layer: Vec<Option<(u32, u32)>> = (0..=most)
                .map(|n| {
                    (0..=*count)
                        .take_while(|used| *used as usize * size <= n)
                        .filter_map(|used| {
                            fewest[n - used as usize * size].map(|k| (k + used, used))
                        })
                        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
                })
                .collect();
            fewest = layer.iter().map(|c| c.map(|(k, _)| k)).collect();
            layers.push(layer);
        }
        let wanted = side_target / step as f64;
        let side = (0..=most)
            .filter(|n| fewest[*n].is_some())
            .min_by(|a, b| {
                let (da, db) = ((*a as f64 - wanted).abs(), (*b as f64 - wanted).abs());
                da.total_cmp(&db).then(a.cmp(b))
            })
            .unwrap_or(0);
        let mut per_side = Vec::new();
        let mut n = side;
        for (layer, (size, _)) in layers.iter().zip(&sizes).rev() {
            let used = layer[n].map_or(0, |(_, used)| used);
            per_side.extend((0..used).map(|_| *size as f64 / 100.0));
            n -= used as usize * (size / step) as usize;
        }
        per_side.sort_by(|a, b| b.total_cmp(a));
        let total_hundredths = bar + 2 * side as i64 * step;
        let total = total_hundredths as f64 / 100.0;
        Loading {
            kg: self.unit.to_kg(total),
            total,
            per_side,
            exact: total_hundredths == target,
        }
    }

    /// The lightest weight these plates make that is heavier than `kg` (kilograms): the
    /// smallest step a lifter can add. `kg` itself when nothing heavier can be loaded.
    pub fn next_up(&self, kg: f64) -> f64 {
        let from = hundredths(self.load(kg).total).max(hundredths(self.unit.show_exact(kg)));
        let smallest = self
            .plates
            .iter()
            .filter(|(_, c)| *c >= 2)
            .map(|(s, _)| hundredths(*s))
            .min()
            .unwrap_or(0);
        // A pair of the smallest plate is a step; rounding may need one more.
        for pairs in 1..=4 {
            let loading = self.load(
                self.unit
                    .to_kg((from + 2 * smallest * pairs) as f64 / 100.0),
            );
            if hundredths(loading.total) > from {
                return loading.kg;
            }
        }
        kg
    }

    /// Warm-up sets for a working weight of `kg`: each step of `ramp` rounded to a weight
    /// these plates make, lighter than the working weight, each weight once. Kilograms and
    /// reps.
    pub fn warm_ups(&self, kg: f64, ramp: &[RampStep]) -> Vec<(f64, i64)> {
        let working = self.load(kg).total;
        let mut out: Vec<(f64, i64)> = Vec::new();
        let mut last = f64::NEG_INFINITY;
        for step in ramp {
            let loading = match step.percent {
                None => self.load(0.0),
                Some(p) => self.load(kg * f64::from(p) / 100.0),
            };
            if loading.total >= working || loading.total <= last {
                continue;
            }
            last = loading.total;
            out.push((loading.kg, i64::from(step.reps)));
        }
        out
    }
}

/// Plates as stored in the user's settings: `size:count` pairs separated by spaces,
/// e.g. `25:8 20:4 1.25:2` (`count` plates of that size, both sides together).
pub fn parse_plates(text: &str) -> Result<Vec<(f64, u32)>, String> {
    let mut plates: Vec<(f64, u32)> = Vec::new();
    for item in text.split([' ', ',']).filter(|s| !s.is_empty()) {
        let (size, count) = item.split_once(':').unwrap_or((item, "2"));
        let size: f64 = size
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 100.0)
            .ok_or_else(|| format!("'{item}': a plate is a weight above 0 and up to 100"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|c| *c <= 40)
            .ok_or_else(|| format!("'{item}': a count is a whole number up to 40"))?;
        match plates
            .iter_mut()
            .find(|(s, _)| hundredths(*s) == hundredths(size))
        {
            Some((_, c)) => *c += count,
            None => plates.push((size, count)),
        }
    }
    plates.retain(|(_, c)| *c >= 2);
    plates.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(plates)
}

/// The stored spelling of plates ([`parse_plates`] reads it back).
pub fn plates_text(plates: &[(f64, u32)]) -> String {
    plates
        .iter()
        .map(|(size, count)| format!("{}:{count}", trim(*size)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One warm-up set of a ramp: the empty bar or a share of the working weight, for reps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RampStep {
    /// Percent of the working weight; `None` for the empty bar.
    pub percent: Option<u8>,
    pub reps: u32,
}

/// The usual ramp: the bar for 10, then 40 % × 5, 60 % × 3 and 80 % × 1.
pub const DEFAULT_RAMP: [RampStep; 4] = [
    RampStep {
        percent: None,
        reps: 10,
    },
    RampStep {
        percent: Some(40),
        reps: 5,
    },
    RampStep {
        percent: Some(60),
        reps: 3,
    },
    RampStep {
        percent: Some(80),
        reps: 1,
    },
];

/// A ramp as stored: steps separated by spaces, each `bar:reps` or `percent:reps`, e.g.
/// `bar:10 40:5 60:3 80:1`.
pub fn parse_ramp(text: &str) -> Result<Vec<RampStep>, String> {
    let steps = text
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (load, reps) = item
                .split_once(':')
                .ok_or_else(|| format!("'{item}': a step is 'bar:reps' or 'percent:reps'"))?;
            let reps: u32 = reps
                .trim()
                .parse()
                .ok()
                .filter(|r| (1..=50).contains(r))
                .ok_or_else(|| format!("'{item}': reps are a whole number from 1 to 50"))?;
            let load = load.trim().trim_end_matches('%');
            let percent = if load.eq_ignore_ascii_case("bar") {
                None
            } else {
                Some(
                    load.parse::<u8>()
                        .ok()
                        .filter(|p| (1..100).contains(p))
                        .ok_or_else(|| format!("'{item}': a share is a percent from 1 to 99"))?,
                )
            };
            Ok(RampStep { percent, reps })
        })
        .collect::<Result<Vec<_>, String>>()?;
    if steps.len() > 10 {
        return Err("a ramp has at most 10 steps".into());
    }
    Ok(steps)
}

/// The stored spelling of a ramp ([`parse_ramp`] reads it back).
pub fn ramp_text(ramp: &[RampStep]) -> String {
    ramp.iter()
        .map(|s| match s.percent {
            None => format!("bar:{}", s.reps),
            Some(p) => format!("{p}:{}", s.reps),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn hundredths(v: f64) -> i64 {
    (v * 100.0).round() as i64
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A plate size as written on it: `2.5`, `1.25`, `20`.
fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kg() -> PlateSet {
        PlateSet::standard(WeightUnit::Kg)
    }

    #[test]
    fn exact_weights_use_the_fewest_plates() {
        let l = kg().load(100.0);
        assert!(l.exact);
        assert_eq!(l.per_side, [25.0, 15.0]);
        assert_eq!(kg().load(142.5).per_side, [25.0, 25.0, 10.0, 1.25]);
        assert_eq!(kg().load(20.0).per_side, Vec::<f64>::new());
        assert!(kg().load(20.0).exact);
    }

    #[test]
    fn the_nearest_loadable_weight_when_it_cannot_be_made() {
        // 101 kg: 100 and 102.5 can be made; 100 is nearer.
        let l = kg().load(101.0);
        assert!(!l.exact);
        assert_eq!(l.total, 100.0);
        // 101.25 is as near to 100 as to 102.5: the lighter.
        assert_eq!(kg().load(101.25).total, 100.0);
        assert_eq!(kg().load(101.5).total, 102.5);
        // Below the bar, the bar.
        let empty = kg().load(10.0);
        assert_eq!((empty.total, empty.exact), (20.0, false));
        // Past every plate owned: everything on the bar.
        let all = kg().load(1000.0);
        assert_eq!(
            all.total,
            20.0 + 2.0 * (100.0 + 40.0 + 15.0 + 20.0 + 10.0 + 5.0 + 1.25)
        );
        assert!(!all.exact);
    }

    #[test]
    fn a_plate_owned_once_cannot_be_loaded() {
        let mut set = kg();
        set.plates = parse_plates("20:2 1.25:1").unwrap();
        assert_eq!(set.plates, [(20.0, 2)]);
        assert_eq!(set.load(62.5).total, 60.0);
        // Counts bound the plates: two 20s per side make 100, not 140.
        set.plates = parse_plates("20:4 5:2").unwrap();
        let l = set.load(140.0);
        assert_eq!(
            (l.total, l.per_side.clone()),
            (110.0, vec![20.0, 20.0, 5.0])
        );
    }

    #[test]
    fn pound_plates_for_a_weight_in_kilograms() {
        let lb = PlateSet::standard(WeightUnit::Lb);
        // 225 lb is 102.06 kg: two 45s a side.
        let l = lb.load(WeightUnit::Lb.to_kg(225.0));
        assert!(l.exact, "{l:?}");
        assert_eq!(l.per_side, [45.0, 45.0]);
        assert!((l.kg - 102.058).abs() < 0.001);
        // 100 kg is 220.46 lb: 220 can be made, four plates a side either way; the one
        // with the heavier plates.
        let l = lb.load(100.0);
        assert_eq!((l.total, l.exact), (220.0, false));
        assert_eq!(l.per_side, [45.0, 35.0, 5.0, 2.5]);
    }

    #[test]
    fn plates_text_reads_back_and_bad_text_says_where() {
        let set = kg();
        assert_eq!(
            plates_text(&set.plates),
            "25:8 20:4 15:2 10:4 5:4 2.5:4 1.25:2"
        );
        assert_eq!(parse_plates(&plates_text(&set.plates)).unwrap(), set.plates);
        assert_eq!(
            parse_plates("10, 5:4 10:2").unwrap(),
            [(10.0, 4), (5.0, 4)],
            "a size without a count is a pair; a size twice adds up"
        );
        assert!(parse_plates("20:x").unwrap_err().contains("'20:x'"));
        assert!(parse_plates("-5:2").unwrap_err().contains("'-5:2'"));
    }

    #[test]
    fn warm_ups_follow_the_ramp_on_loadable_weights() {
        let w = kg().warm_ups(140.0, &DEFAULT_RAMP);
        assert_eq!(w, [(20.0, 10), (55.0, 5), (85.0, 3), (112.5, 1)]);
        // A light working weight: 40 % is under the bar, 60 % rounds to the bar; each
        // weight once, all lighter than the work.
        let w = kg().warm_ups(40.0, &DEFAULT_RAMP);
        assert_eq!(w, [(20.0, 10), (25.0, 3), (32.5, 1)]);
        // Nothing lighter than the empty bar.
        assert!(kg().warm_ups(20.0, &DEFAULT_RAMP).is_empty());
    }

    #[test]
    fn ramps_read_back_and_bad_steps_say_where() {
        assert_eq!(parse_ramp("bar:10 40:5 60:3 80:1").unwrap(), DEFAULT_RAMP);
        assert_eq!(ramp_text(&DEFAULT_RAMP), "bar:10 40:5 60:3 80:1");
        assert_eq!(
            parse_ramp("50%:5, 75:2").unwrap(),
            [
                RampStep {
                    percent: Some(50),
                    reps: 5
                },
                RampStep {
                    percent: Some(75),
                    reps: 2
                }
            ]
        );
        assert!(parse_ramp("bar").unwrap_err().contains("'bar'"));
        assert!(parse_ramp("120:3").unwrap_err().contains("percent"));
        assert!(parse_ramp("40:0").unwrap_err().contains("reps"));
    }
}
