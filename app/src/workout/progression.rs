//! What to lift next: the weight and reps each set of a template exercise suggests, from
//! the last time the exercise was logged, by the rule the template gives it.
//!
//! - **Double progression** (the default): the same weight until every working set of
//!   last time reached the top of the rep range, a rep more a set until then; then the
//!   smallest step the user's plates can add, back at the bottom of the range.
//! - **Fixed**: the template's own targets.
//! - **Percent**: a share of the best estimated one-rep max, rounded to a loadable weight.

use crate::local::Query;
use crate::model::SetType;
use crate::plates::PlateSet;
use crate::programs::PlannedExercise;
use crate::stats::{records_of, sessions, Catalog, OneRmFormula};
use crate::workout::start::PreviousSet;
use std::collections::BTreeMap;

/// Reps above the planned ones that double progression climbs to when the template does
/// not say.
pub const DEFAULT_RANGE: i64 = 4;

/// How a template exercise progresses (the `progression` column of schema version 3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Reps up to `top` (`None`: [`DEFAULT_RANGE`] above the planned reps), then weight.
    Double {
        top: Option<i64>,
    },
    Fixed,
    /// Percent of the estimated one-rep max.
    Percent(f64),
}

impl Rule {
    /// The rule the columns spell; anything unreadable is double progression.
    pub fn of(progression: Option<&str>, top: Option<i64>, percent: Option<f64>) -> Self {
        match progression {
            Some("fixed") => Self::Fixed,
            Some("percent") => match percent.filter(|p| *p > 0.0 && *p <= 100.0) {
                Some(p) => Self::Percent(p),
                None => Self::Fixed,
            },
            _ => Self::Double {
                top: top.filter(|t| (1..=100).contains(t)),
            },
        }
    }

    /// The `progression` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Double { .. } => "double",
            Self::Fixed => "fixed",
            Self::Percent(_) => "percent",
        }
    }
}

/// A set's weight (kilograms) and reps: a template's target or a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Target {
    pub set_type: SetType,
    pub weight: Option<f64>,
    pub reps: Option<i64>,
}

/// The suggestion for each of `planned` (`None` for a warm-up or where nothing can be
/// said): from `previous`, the sets of the last session with the exercise, by position;
/// `best_one_rm` is the exercise's best estimated one-rep max (kilograms).
pub fn suggest(
    rule: Rule,
    planned: &[Target],
    previous: &[PreviousSet],
    best_one_rm: Option<f64>,
    plates: &PlateSet,
) -> Vec<Option<Target>> {
    let working = |t: SetType| t != SetType::Warmup;
    let per_set = |f: &dyn Fn(usize, &Target) -> Option<Target>| -> Vec<Option<Target>> {
        let mut n = 0;
        planned
            .iter()
            .map(|p| {
                if !working(p.set_type) {
                    return None;
                }
                n += 1;
                f(n - 1, p)
            })
            .collect()
    };
    match rule {
        Rule::Fixed => per_set(&|_, p| (p.weight.is_some() || p.reps.is_some()).then_some(*p)),
        Rule::Percent(percent) => {
            let Some(best) = best_one_rm.filter(|b| *b > 0.0) else {
                return vec![None; planned.len()];
            };
            let weight = plates.load(best * percent / 100.0).kg;
            per_set(&|_, p| {
                Some(Target {
                    weight: Some(weight),
                    ..*p
                })
            })
        }
        Rule::Double { top } => {
            let done: Vec<(f64, i64)> = previous
                .iter()
                .filter(|s| working(s.set_type))
                .filter_map(|s| Some((s.weight.filter(|w| *w > 0.0)?, s.reps.filter(|r| *r > 0)?)))
                .collect();
            let Some(heaviest) = done.iter().map(|d| d.0).max_by(f64::total_cmp) else {
                return vec![None; planned.len()];
            };
            let bottom = planned
                .iter()
                .filter(|p| working(p.set_type))
                .filter_map(|p| p.reps)
                .min()
                .or_else(|| done.iter().map(|d| d.1).min())
                .unwrap_or(1);
            let top = top.unwrap_or(bottom + DEFAULT_RANGE).max(bottom);
            let topped = done.iter().filter(|d| d.0 == heaviest).all(|d| d.1 >= top);
            if topped {
                let next = plates.next_up(heaviest);
                per_set(&|_, p| {
                    Some(Target {
                        weight: Some(next),
                        reps: Some(bottom),
                        ..*p
                    })
                })
            } else {
                per_set(&|i, p| {
                    let last = done.get(i).or(done.last()).map_or(bottom, |d| d.1);
                    Some(Target {
                        weight: Some(heaviest),
                        reps: Some((last + 1).clamp(bottom, top)),
                        ..*p
                    })
                })
            }
        }
    }
}

/// The suggestions for the sets of a template exercise, by template set id: what the
/// logger shows beside "previous" for the sets a session took from it. `previous` is what
/// the logger shows in that column; `best_one_rm` is asked only by a percent rule.
pub fn for_planned(
    planned: &PlannedExercise,
    previous: &[PreviousSet],
    best_one_rm: impl FnOnce() -> Option<f64>,
    plates: &PlateSet,
) -> BTreeMap<String, Target> {
    let rule = Rule::of(
        planned.progression.as_deref(),
        planned.rep_range_top,
        planned.one_rm_percent,
    );
    let targets: Vec<Target> = planned
        .sets
        .iter()
        .map(|s| Target {
            set_type: s.set_type,
            weight: s.weight,
            reps: s.reps,
        })
        .collect();
    let best_one_rm = match rule {
        Rule::Percent(_) => best_one_rm(),
        _ => None,
    };
    planned
        .sets
        .iter()
        .zip(suggest(rule, &targets, previous, best_one_rm, plates))
        .filter_map(|(set, suggested)| Some((set.id.clone(), suggested?)))
        .collect()
}

/// An exercise's best estimated one-rep max (kilograms), as its personal records have it.
pub fn best_one_rm(
    q: &Query,
    catalog: &Catalog,
    exercise_id: &str,
    formula: OneRmFormula,
) -> Option<f64> {
    let all = sessions(q, catalog);
    records_of(q, &all, catalog, formula)
        .by_exercise
        .get(exercise_id)?
        .one_rm
        .as_ref()
        .map(|best| best.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::WeightUnit;

    fn planned(sets: usize, reps: i64) -> Vec<Target> {
        let mut v = vec![Target {
            set_type: SetType::Warmup,
            weight: Some(20.0),
            reps: Some(10),
        }];
        v.extend((0..sets).map(|_| Target {
            set_type: SetType::Normal,
            weight: Some(60.0),
            reps: Some(reps),
        }));
        v
    }

    fn did(sets: &[(f64, i64)]) -> Vec<PreviousSet> {
        let mut v = vec![PreviousSet {
            set_type: SetType::Warmup,
            weight: Some(20.0),
            reps: Some(10),
            ..Default::default()
        }];
        v.extend(sets.iter().map(|(w, r)| PreviousSet {
            weight: Some(*w),
            reps: Some(*r),
            ..Default::default()
        }));
        v
    }

    fn shown(s: &[Option<Target>]) -> Vec<Option<(f64, i64)>> {
        s.iter()
            .map(|t| t.map(|t| (t.weight.unwrap(), t.reps.unwrap())))
            .collect()
    }

    #[test]
    fn double_progression_adds_reps_then_the_smallest_step() {
        let kg = PlateSet::standard(WeightUnit::Kg);
        let rule = Rule::of(None, Some(10), None);
        assert_eq!(rule, Rule::Double { top: Some(10) });
        // Not every set at the top: a rep more each, the weight kept, never past the top.
        let s = suggest(
            rule,
            &planned(3, 8),
            &did(&[(80.0, 10), (80.0, 9), (80.0, 8)]),
            None,
            &kg,
        );
        assert_eq!(
            shown(&s),
            [None, Some((80.0, 10)), Some((80.0, 10)), Some((80.0, 9))]
        );
        // Every set at the top: the smallest step the plates make (two 1.25s), back to the
        // bottom of the range.
        let s = suggest(
            rule,
            &planned(3, 8),
            &did(&[(80.0, 10), (80.0, 10), (80.0, 12)]),
            None,
            &kg,
        );
        assert_eq!(
            shown(&s),
            [None, Some((82.5, 8)), Some((82.5, 8)), Some((82.5, 8))]
        );
        // Only the heaviest sets decide (a back-off set at a lighter weight does not).
        let s = suggest(
            rule,
            &planned(2, 8),
            &did(&[(80.0, 10), (70.0, 6)]),
            None,
            &kg,
        );
        assert_eq!(shown(&s)[1], Some((82.5, 8)));
        // Without a top, four reps above the planned ones.
        let double = Rule::Double { top: None };
        let s = suggest(double, &planned(1, 5), &did(&[(100.0, 8)]), None, &kg);
        assert_eq!(shown(&s)[1], Some((100.0, 9)));
        let s = suggest(double, &planned(1, 5), &did(&[(100.0, 9)]), None, &kg);
        assert_eq!(shown(&s)[1], Some((102.5, 5)));
        // Never logged: nothing to say.
        assert!(suggest(rule, &planned(2, 8), &[], None, &kg)
            .iter()
            .all(Option::is_none));
    }

    #[test]
    fn the_smallest_step_is_what_the_plates_allow() {
        // Pound plates with 2.5 as the smallest: 5 lb, about 2.27 kg.
        let lb = PlateSet::standard(WeightUnit::Lb);
        let from = WeightUnit::Lb.to_kg(225.0);
        let s = suggest(
            Rule::Double { top: Some(5) },
            &planned(1, 5),
            &did(&[(from, 5)]),
            None,
            &lb,
        );
        let (next, reps) = shown(&s)[1].unwrap();
        assert!(
            (WeightUnit::Lb.show_exact(next) - 230.0).abs() < 1e-9,
            "{next}"
        );
        assert_eq!(reps, 5);
    }

    #[test]
    fn fixed_and_percent_rules() {
        let kg = PlateSet::standard(WeightUnit::Kg);
        let s = suggest(
            Rule::of(Some("fixed"), None, None),
            &planned(2, 5),
            &did(&[(80.0, 5)]),
            None,
            &kg,
        );
        assert_eq!(shown(&s), [None, Some((60.0, 5)), Some((60.0, 5))]);
        let rule = Rule::of(Some("percent"), None, Some(75.0));
        assert_eq!(rule, Rule::Percent(75.0));
        // 75 % of 143 kg is 107.25: the nearest loadable is 107.5.
        let s = suggest(rule, &planned(2, 5), &[], Some(143.0), &kg);
        assert_eq!(shown(&s), [None, Some((107.5, 5)), Some((107.5, 5))]);
        assert!(suggest(rule, &planned(1, 5), &[], None, &kg)
            .iter()
            .all(Option::is_none));
        // A percent rule without a percent is the template's targets.
        assert_eq!(Rule::of(Some("percent"), None, None), Rule::Fixed);
        assert_eq!(
            Rule::of(Some("odd"), Some(0), None),
            Rule::Double { top: None }
        );
    }

    #[test]
    fn a_template_exercise_is_answered_by_template_set_and_asks_for_1rm_only_by_percent() {
        use crate::programs::TemplateSet;
        let kg = PlateSet::standard(WeightUnit::Kg);
        let set = |id: &str, set_type| TemplateSet {
            id: id.into(),
            order: 0.0,
            set_type,
            reps: Some(5),
            weight: Some(60.0),
            duration: None,
            distance: None,
            rpe: None,
        };
        let mut planned = PlannedExercise {
            id: "we".into(),
            exercise_id: "squat".into(),
            order: 0.0,
            rest_time: None,
            notes: String::new(),
            superset_group: None,
            sets: vec![set("warm", SetType::Warmup), set("work", SetType::Normal)],
            progression: None,
            rep_range_top: Some(5),
            one_rm_percent: None,
        };
        let asked = std::cell::Cell::new(false);
        let best = || {
            asked.set(true);
            Some(140.0)
        };
        let s = for_planned(&planned, &did(&[(80.0, 5)]), best, &kg);
        assert_eq!(
            s.keys().collect::<Vec<_>>(),
            ["work"],
            "no suggestion for a warm-up"
        );
        assert_eq!((s["work"].weight, s["work"].reps), (Some(82.5), Some(5)));
        assert!(!asked.get(), "double progression needs no 1RM");
        planned.progression = Some("percent".into());
        planned.one_rm_percent = Some(50.0);
        let s = for_planned(&planned, &[], best, &kg);
        assert!(asked.get());
        assert_eq!(s["work"].weight, Some(70.0));
    }
}
