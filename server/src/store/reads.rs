//! Where a read is served: the primary, or a streaming standby that has replayed at least
//! what the caller has seen (read-your-writes without asking the primary).
//!
//! A user's `last_change_at` stamp grows with every write to their records and commits in
//! the same transaction as the write, so a copy whose stamp for the user is at least the
//! caller's has every change the caller has seen. The stamp is read first in the read's
//! own snapshot: what follows is as of that stamp.

use std::sync::atomic::{AtomicU64, Ordering};

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The primary's latest state: reads that decide a write (an import's look-ups) or
    /// that must see everything (tests, diagnostics).
    Latest,
    /// Any copy whose stamp for the user is at least this one: what the caller has seen
    /// (a pull's cursor, the stamp a browser carries for its pages). `Seen(0)` is any copy.
    Seen(i64),
}

/// Which database served a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Node {
    Primary,
    Standby,
}

/// Snapshot reads (pulls, pages, exports) served so far by each node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadsServed {
    pub primary: u64,
    pub standby: u64,
}

/// The counters behind [`ReadsServed`].
#[derive(Default)]
pub(super) struct ReadCounters {
    primary: AtomicU64,
    standby: AtomicU64,
}

impl ReadCounters {
    pub fn count(&self, node: Node) {
        let counter = match node {
            Node::Primary => &self.primary,
            Node::Standby => &self.standby,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn served(&self) -> ReadsServed {
        ReadsServed {
            primary: self.primary.load(Ordering::Relaxed),
            standby: self.standby.load(Ordering::Relaxed),
        }
    }
}
