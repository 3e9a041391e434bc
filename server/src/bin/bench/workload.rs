//! The records benchmarks push: one logged session, a program of templates.

use serde_json::{json, Value};

pub fn session(tag: &str, n: usize) -> Value {
    let log_id = format!("{tag}-log-{n}");
    let mut exercises = Vec::new();
    let mut sets = Vec::new();
    for e in 0..6 {
        let le = format!("{log_id}-e{e}");
        exercises.push(json!({ "id": le, "log_id": log_id, "exercise_id": "barbell-bench-press", "order": e, "notes": null, "superset_group": null }));
        for s in 0..4 {
            sets.push(json!({ "id": format!("{le}-s{s}"), "log_exercise_id": le, "order": s, "set_type": "normal", "reps": 5 + s, "weight": 100.0 + 2.5 * s as f64, "duration": null, "distance": null, "rpe": 8, "completed": true, "notes": null }));
        }
    }
    json!({
        "logs": { "created": [{ "id": log_id, "workout_id": null, "workout_title": "Bench day", "notes": "", "session_date": 1_700_000_000_000_i64 + n as i64 * 86_400_000, "duration": 3600, "is_imported": false, "imported_at": null, "created_at": 1, "updated_at": 1 }] },
        "log_exercise": { "created": exercises },
        "log_exercise_sets": { "created": sets },
    })
}

/// Appends the records of `from` to those of `into`, table by table.
pub fn merge(into: &mut Value, from: Value) {
    let Value::Object(tables) = from else { return };
    for (table, mut changes) in tables {
        let created = changes["created"].take();
        let list = into[&table]["created"].take();
        let mut all = match list {
            Value::Array(list) => list,
            _ => Vec::new(),
        };
        if let Value::Array(more) = created {
            all.extend(more);
        }
        into[&table] = json!({ "created": all });
    }
}

pub fn templates() -> Value {
    let mut routines = Vec::new();
    let mut workouts = Vec::new();
    let mut links = Vec::new();
    let mut exercises = Vec::new();
    let mut sets = Vec::new();
    for r in 0..3 {
        routines.push(json!({ "id": format!("r{r}"), "title": format!("Routine {r}"), "order": r, "default_routine": r == 0 }));
    }
    for w in 0..20 {
        let wid = format!("w{w}");
        workouts.push(json!({ "id": wid, "title": format!("Workout {w}"), "order": w, "estimated_duration": 60 }));
        links.push(json!({ "id": format!("rw{w}"), "routine_id": format!("r{}", w % 3), "workout_id": wid, "order": w }));
        for e in 0..5 {
            let we = format!("{wid}-e{e}");
            exercises.push(json!({ "id": we, "workout_id": wid, "exercise_id": "barbell-back-squat", "order": e, "rest_time": 120, "is_saved": true }));
            for s in 0..3 {
                sets.push(json!({ "id": format!("{we}-s{s}"), "workout_exercise_id": we, "order": s, "set_type": "normal", "reps": 8, "weight": 60 }));
            }
        }
    }
    json!({
        "routines": { "created": routines }, "workouts": { "created": workouts },
        "routine_workouts": { "created": links }, "workout_exercise": { "created": exercises },
        "workout_exercise_sets": { "created": sets },
    })
}
