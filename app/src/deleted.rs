//! "Recently deleted": what `GET /api/deleted` answers and the `/deleted` page shows. A
//! session, template or routine deleted on any device can be brought back, with
//! everything that was deleted with it, for [`KEPT_DAYS`] days: the server's change log
//! holds each record's last content, and a restore writes it again as a change every
//! device pulls.

use crate::model::wire::WireRecord;
use serde::{Deserialize, Serialize};

/// How long a delete can be undone.
pub const KEPT_DAYS: i64 = 30;

/// What kind of thing was deleted: the tables whose records are restored as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Session,
    Template,
    Routine,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Self::Session, Self::Template, Self::Routine];

    pub fn table(self) -> &'static str {
        match self {
            Self::Session => "logs",
            Self::Template => "workouts",
            Self::Routine => "routines",
        }
    }

    pub fn of_table(table: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.table() == table)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Session => "Session",
            Self::Template => "Workout template",
            Self::Routine => "Routine",
        }
    }

    /// What the user calls one record of this kind: its title (a session's, the
    /// workout's it was logged from), as the pages show it.
    pub fn title_of(self, raw: &WireRecord) -> String {
        let (column, untitled) = match self {
            Self::Session => ("workout_title", crate::model::UNTITLED_SESSION),
            Self::Template | Self::Routine => ("title", crate::model::UNTITLED),
        };
        crate::model::shown_title(
            raw.get(column).and_then(serde_json::Value::as_str),
            untitled,
        )
    }

    /// Where it shows again once restored.
    pub fn home(self) -> &'static str {
        match self {
            Self::Session => "/history",
            Self::Template | Self::Routine => "/programs",
        }
    }
}

/// One deleted session, template or routine that can still be restored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deleted {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    /// A session's date (epoch milliseconds).
    pub date: Option<i64>,
    /// When it was deleted (epoch milliseconds).
    pub deleted_at: i64,
    /// Records deleted with it (a session's exercises and sets, a template's).
    pub under: usize,
}

impl Deleted {
    /// The last moment it can be restored.
    pub fn kept_until(&self) -> i64 {
        self.deleted_at + KEPT_DAYS * 86_400_000
    }
}

/// What `POST /api/deleted/restore` is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestoreRequest {
    pub kind: Kind,
    pub id: String,
}

/// What it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Restored {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    /// Records written again, the restored one included.
    pub records: usize,
}
