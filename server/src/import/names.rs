//! Matching other apps' exercise names to the library: "Bench Press (Barbell)" (Strong,
//! Hevy), "Flat Barbell Bench Press" (FitNotes) and "bench press - barbell" are one lift.
//! A name is reduced to a set of words: lower case, punctuation dropped, equipment in
//! brackets taken as a word, spellings and synonyms made one, filler words dropped.

use app::model::LibraryExercise;
use std::collections::{BTreeSet, HashMap};

/// Words that say nothing about which lift it is.
const FILLER: &[&str] = &[
    "flat",
    "the",
    "with",
    "and",
    "exercise",
    "standard",
    "conventional",
    // "Bicep Curl (Dumbbell)" is the library's "Curl (Dumbbell)".
    "biceps",
];

/// Spellings and synonyms, each to one word.
const SYNONYMS: &[(&str, &str)] = &[
    ("bb", "barbell"),
    ("db", "dumbbell"),
    ("dumbell", "dumbbell"),
    ("dumbbells", "dumbbell"),
    ("kb", "kettlebell"),
    ("ez", "ezbar"),
    ("ezbar", "ezbar"),
    ("pullup", "pullup"),
    ("pullups", "pullup"),
    ("chinup", "chinup"),
    ("chinups", "chinup"),
    ("pushup", "pushup"),
    ("pushups", "pushup"),
    ("situp", "situp"),
    ("situps", "situp"),
    ("squats", "squat"),
    ("deadlifts", "deadlift"),
    ("curls", "curl"),
    ("rows", "row"),
    ("raises", "raise"),
    ("dips", "dip"),
    ("lunges", "lunge"),
    ("presses", "press"),
    ("extensions", "extension"),
    ("flyes", "fly"),
    ("flys", "fly"),
    ("flies", "fly"),
    ("pulldowns", "pulldown"),
    ("pushdowns", "pushdown"),
    ("tricep", "triceps"),
    ("bicep", "biceps"),
    ("ohp", "overhead press"),
    ("military", "overhead"),
    ("rdl", "romanian deadlift"),
    ("treadmill", "treadmill"),
    ("run", "running"),
    ("bike", "cycling"),
    ("rower", "rowing"),
];

/// Words joined before matching, so "pull up", "pull-up" and "pullup" agree.
const JOINED: &[(&str, &str, &str)] = &[
    ("pull", "up", "pullup"),
    ("chin", "up", "chinup"),
    ("push", "up", "pushup"),
    ("sit", "up", "situp"),
    ("ez", "bar", "ezbar"),
    ("trap", "bar", "trapbar"),
    ("step", "up", "stepup"),
    ("get", "up", "getup"),
    ("lat", "pulldown", "lat pulldown"),
];

/// The word set a name reduces to.
pub fn key(name: &str) -> BTreeSet<String> {
    let lower = name.to_lowercase().replace('&', " and ");
    let cleaned: String = lower
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let raw: Vec<&str> = cleaned.split_whitespace().collect();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if let Some((_, _, joined)) = JOINED
            .iter()
            .find(|(a, b, _)| raw[i] == *a && raw.get(i + 1) == Some(b))
        {
            words.extend(joined.split(' ').map(str::to_owned));
            i += 2;
            continue;
        }
        let word = SYNONYMS
            .iter()
            .find(|(from, _)| *from == raw[i])
            .map_or(raw[i], |(_, to)| *to);
        words.extend(word.split(' ').map(str::to_owned));
        i += 1;
    }
    words
        .into_iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect()
}

const EQUIPMENT_WORDS: &[&str] = &[
    "barbell",
    "dumbbell",
    "machine",
    "cable",
    "kettlebell",
    "band",
    "smith",
    "ezbar",
    "trapbar",
    "plate",
    "bodyweight",
    // Where, not what: "Running" is the library's treadmill or outdoor run.
    "treadmill",
    "outdoor",
    "stationary",
];

/// What a name resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// A library exercise or one of the user's custom exercises, by id.
    Known(String),
    /// Nothing matched: a custom exercise will be created.
    New,
}

/// The library and the user's custom exercises, indexed by name key.
pub struct Matcher {
    exact: HashMap<BTreeSet<String>, String>,
    /// Keys without equipment words → the candidates, barbell first.
    loose: HashMap<BTreeSet<String>, Vec<(bool, String)>>,
}

impl Matcher {
    /// `custom` are the user's custom exercises (id, name); they win over the library so
    /// an exercise the user already made is not made again.
    pub fn new(library: &[LibraryExercise], custom: &[(String, String)]) -> Self {
        let mut exact = HashMap::new();
        let mut loose: HashMap<BTreeSet<String>, Vec<(bool, String)>> = HashMap::new();
        for ex in library {
            let k = key(&ex.name);
            exact.entry(k.clone()).or_insert_with(|| ex.id.clone());
            let barbell = k.contains("barbell");
            let bare: BTreeSet<String> = k
                .into_iter()
                .filter(|w| !EQUIPMENT_WORDS.contains(&w.as_str()))
                .collect();
            loose
                .entry(bare)
                .or_default()
                .push((barbell, ex.id.clone()));
        }
        for list in loose.values_mut() {
            list.sort_by_key(|(barbell, _)| !barbell);
        }
        for (id, name) in custom {
            exact.insert(key(name), id.clone());
        }
        Self { exact, loose }
    }

    /// The exercise `name` means: an exact word-set match; else, for a name without
    /// equipment, the library lift of those words (the barbell one when there are several);
    /// else a squat, bench or deadlift named with a qualifier the library files under
    /// "back"/"barbell"; else nothing.
    pub fn resolve(&self, name: &str) -> Match {
        let k = key(name);
        if k.is_empty() {
            return Match::New;
        }
        if let Some(id) = self.exact.get(&k) {
            return Match::Known(id.clone());
        }
        // "Squat (Barbell)" is the library's "Back Squat (Barbell)".
        let mut with_back = k.clone();
        with_back.insert("back".into());
        if k.contains("squat") {
            if let Some(id) = self.exact.get(&with_back) {
                return Match::Known(id.clone());
            }
        }
        let names_equipment = k.iter().any(|w| EQUIPMENT_WORDS.contains(&w.as_str()));
        if !names_equipment {
            for candidate in [&k, &with_back] {
                if let Some(list) = self.loose.get(candidate) {
                    if let Some((_, id)) = list.first() {
                        return Match::Known(id.clone());
                    }
                }
            }
        }
        Match::New
    }
}

/// The equipment a new custom exercise gets from its name ("Curl (Cable)" → cable).
pub fn equipment_of(name: &str) -> &'static str {
    let k = key(name);
    let has = |w: &str| k.contains(w);
    if has("barbell") {
        "barbell"
    } else if has("dumbbell") {
        "dumbbell"
    } else if has("smith") {
        "smith machine"
    } else if has("machine") {
        "machine"
    } else if has("cable") {
        "cable"
    } else if has("kettlebell") {
        "kettlebell"
    } else if has("band") {
        "band"
    } else if has("ezbar") {
        "ez bar"
    } else {
        "other"
    }
}

/// The library category of an app's category name (FitNotes: "Chest", "Biceps", "Abs").
pub fn category_of(category: Option<&str>) -> &'static str {
    match category.map(|c| c.trim().to_lowercase()).as_deref() {
        Some("chest") => "chest",
        Some("back") => "back",
        Some("shoulders") => "shoulders",
        Some("biceps" | "triceps" | "arms" | "forearms") => "arms",
        Some("legs" | "quads" | "hamstrings" | "glutes" | "calves") => "legs",
        Some("abs" | "core") => "core",
        Some("cardio") => "cardio",
        Some("neck") => "neck",
        _ => "full body",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(id: &str, name: &str) -> LibraryExercise {
        LibraryExercise {
            id: id.into(),
            name: name.into(),
            category: "chest".into(),
            equipment: "barbell".into(),
            primary_muscle: "chest".into(),
            secondary_muscles: vec![],
            tracking: Default::default(),
        }
    }

    #[test]
    fn names_of_each_app_find_the_library_lift() {
        let library = vec![
            lib("barbell-bench-press", "Bench Press (Barbell)"),
            lib("dumbbell-bench-press", "Bench Press (Dumbbell)"),
            lib("barbell-back-squat", "Back Squat (Barbell)"),
            lib("barbell-deadlift", "Deadlift (Barbell)"),
            lib("pull-up", "Pull-Up"),
            lib("lat-pulldown-cable", "Lat Pulldown (Cable)"),
            lib("ez-curl", "Curl (EZ Bar)"),
            lib("dumbbell-curl", "Curl (Dumbbell)"),
        ];
        let m = Matcher::new(&library, &[("c1".into(), "Zercher Squat".into())]);
        let id = |s: &str| match m.resolve(s) {
            Match::Known(id) => id,
            Match::New => "new".into(),
        };
        assert_eq!(id("Bench Press (Barbell)"), "barbell-bench-press");
        assert_eq!(id("bench press - barbell"), "barbell-bench-press");
        assert_eq!(id("Flat Barbell Bench Press"), "barbell-bench-press");
        assert_eq!(id("Dumbbell Bench Press"), "dumbbell-bench-press");
        assert_eq!(id("Bench Press"), "barbell-bench-press");
        assert_eq!(id("Squat (Barbell)"), "barbell-back-squat");
        assert_eq!(id("Barbell Squat"), "barbell-back-squat");
        assert_eq!(id("Deadlift"), "barbell-deadlift");
        assert_eq!(id("Pull Up"), "pull-up");
        assert_eq!(id("Pullups"), "pull-up");
        assert_eq!(id("Lat Pulldown (Cable)"), "lat-pulldown-cable");
        assert_eq!(id("EZ-Bar Curl"), "ez-curl");
        assert_eq!(id("Bicep Curl (Dumbbell)"), "dumbbell-curl");
        assert_eq!(id("zercher squat"), "c1");
        assert_eq!(id("Bench Press (Cable)"), "new");
        assert_eq!(id("Kettlebell Halo"), "new");
        assert_eq!(id("!!!"), "new");
    }

    #[test]
    fn custom_exercise_facts_from_names() {
        assert_eq!(equipment_of("Curl (Cable)"), "cable");
        assert_eq!(equipment_of("Zercher Squat"), "other");
        assert_eq!(category_of(Some("Biceps")), "arms");
        assert_eq!(category_of(None), "full body");
    }
}
